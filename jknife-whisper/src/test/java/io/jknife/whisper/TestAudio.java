package io.jknife.whisper;

import java.util.Random;

/** Synthetic 16 kHz mono audio: a tone with noise, enough to make a random-weight model emit segments. */
final class TestAudio {
    private TestAudio() {
    }

    static float[] tone(double seconds, long seed) {
        float[] s = new float[(int) Math.round(seconds * 16_000)];
        Random r = new Random(seed);
        for (int i = 0; i < s.length; i++) {
            s[i] = (float) (Math.sin(i * 0.05) * 0.3 + r.nextGaussian() * 0.05);
        }
        return s;
    }
}
