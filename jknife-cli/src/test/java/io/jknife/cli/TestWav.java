package io.jknife.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** 16-bit PCM mono WAV files of a tone with noise, for speech-to-text tests with random-weight models. */
public final class TestWav {
    private TestWav() {
    }

    public static Path tone(Path file, double seconds, int rate) throws IOException {
        int n = (int) Math.round(seconds * rate);
        ByteBuffer b = ByteBuffer.allocate(44 + 2 * n).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes()).putInt(36 + 2 * n).put("WAVE".getBytes());
        b.put("fmt ".getBytes()).putInt(16).putShort((short) 1).putShort((short) 1).putInt(rate).putInt(rate * 2)
                .putShort((short) 2).putShort((short) 16);
        b.put("data".getBytes()).putInt(2 * n);
        Random r = new Random(7);
        for (int i = 0; i < n; i++) {
            double v = Math.sin(i * 0.05 * 16_000 / rate) * 0.3 + r.nextGaussian() * 0.05;
            b.putShort((short) Math.max(-32768, Math.min(32767, Math.round(v * 32767))));
        }
        Files.write(file, b.array());
        return file;
    }
}
