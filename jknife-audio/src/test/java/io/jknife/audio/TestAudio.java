package io.jknife.audio;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** Test helpers: signals, a WAV writer for every sample format, spectral measurements, fixtures. */
final class TestAudio {

    private TestAudio() {
    }

    /** WAV sample encodings the writer can produce. */
    enum Encoding {
        U8(1, 1, false), S16(2, 1, false), S24(3, 1, false), S32(4, 1, false), F32(4, 3, true), F64(8, 3, true);

        final int bytes;
        final int tag;
        final boolean floating;

        Encoding(int bytes, int tag, boolean floating) {
            this.bytes = bytes;
            this.tag = tag;
            this.floating = floating;
        }
    }

    static float[] sine(double freq, int rate, int n, double amplitude) {
        float[] s = new float[n];
        for (int i = 0; i < n; i++) {
            s[i] = (float) (amplitude * Math.sin(2 * Math.PI * freq * i / rate));
        }
        return s;
    }

    /** Amplitude of the component at {@code freq} (a DFT bin at that exact frequency, Hann window). */
    static double amplitudeAt(float[] x, int from, int to, double freq, int rate) {
        double re = 0;
        double im = 0;
        double wsum = 0;
        int n = to - from;
        for (int i = 0; i < n; i++) {
            double w = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / (n - 1));
            double ph = 2 * Math.PI * freq * i / rate;
            re += w * x[from + i] * Math.cos(ph);
            im -= w * x[from + i] * Math.sin(ph);
            wsum += w;
        }
        return 2 * Math.hypot(re, im) / wsum;
    }

    static double rms(float[] x, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) {
            s += (double) x[i] * x[i];
        }
        return Math.sqrt(s / (to - from));
    }

    /** Interleaved channel data from per-channel signals. */
    static float[] interleave(float[]... channels) {
        int n = channels[0].length;
        float[] out = new float[n * channels.length];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < channels.length; c++) {
                out[i * channels.length + c] = channels[c][i];
            }
        }
        return out;
    }

    /** The sample bytes of {@code interleaved} in {@code enc}, little-endian. */
    static byte[] pcm(float[] interleaved, Encoding enc) {
        ByteBuffer b = ByteBuffer.allocate(interleaved.length * enc.bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : interleaved) {
            switch (enc) {
                case U8 -> b.put((byte) (Math.round(v * 127) + 128));
                case S16 -> b.putShort((short) Math.round(v * 32767));
                case S24 -> {
                    int i = Math.round(v * 8388607);
                    b.put((byte) i).put((byte) (i >> 8)).put((byte) (i >> 16));
                }
                case S32 -> b.putInt((int) Math.round(v * 2147483647.0));
                case F32 -> b.putFloat(v);
                case F64 -> b.putDouble(v);
            }
        }
        return b.array();
    }

    /** A fmt chunk body: plain (16 bytes) or WAVE_FORMAT_EXTENSIBLE (40 bytes). */
    static byte[] fmt(Encoding enc, int channels, int rate, boolean extensible) {
        ByteBuffer b = ByteBuffer.allocate(extensible ? 40 : 16).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) (extensible ? 0xFFFE : enc.tag)).putShort((short) channels).putInt(rate)
                .putInt(rate * channels * enc.bytes).putShort((short) (channels * enc.bytes))
                .putShort((short) (enc.bytes * 8));
        if (extensible) {
            b.putShort((short) 22).putShort((short) (enc.bytes * 8)).putInt(0);
            // KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT: the tag, then the fixed GUID tail
            b.putShort((short) enc.tag).putShort((short) 0).putShort((short) 0x10)
                    .put(new byte[] {(byte) 0x80, 0, 0, (byte) 0xAA, 0, 0x38, (byte) 0x9B, 0x71});
        }
        return b.array();
    }

    /** Builds RIFF files chunk by chunk (odd sizes get their pad byte). */
    static final class Riff {

        private final ByteArrayOutputStream body = new ByteArrayOutputStream();

        Riff chunk(String id, byte[] data) {
            return chunk(id, data, data.length);
        }

        /** A chunk whose size field says {@code declared} whatever the data length. */
        Riff chunk(String id, byte[] data, long declared) {
            body.writeBytes(id.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            body.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) declared).array());
            body.writeBytes(data);
            if ((data.length & 1) == 1) {
                body.write(0);
            }
            return this;
        }

        byte[] bytes() {
            byte[] b = body.toByteArray();
            ByteBuffer out = ByteBuffer.allocate(12 + b.length).order(ByteOrder.LITTLE_ENDIAN);
            out.put("RIFF".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(4 + b.length)
                    .put("WAVE".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).put(b);
            return out.array();
        }
    }

    static byte[] wav(float[] interleaved, Encoding enc, int channels, int rate) {
        return new Riff().chunk("fmt ", fmt(enc, channels, rate, false)).chunk("data", pcm(interleaved, enc)).bytes();
    }

    static Path write(Path dir, String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    /** The shared speech fixtures ({@code ../shared/fixtures/audio} from the repository root). */
    static Path fixture(String name) {
        String configured = System.getProperty("jknife.fixtures");
        Path dir = configured != null ? Path.of(configured, "audio") : null;
        for (Path p = Path.of("").toAbsolutePath(); dir == null && p != null; p = p.getParent()) {
            Path candidate = p.resolveSibling("shared").resolve("fixtures").resolve("audio");
            if (Files.isDirectory(candidate)) {
                dir = candidate;
            }
        }
        assumeTrue(dir != null && Files.isRegularFile(dir.resolve(name)),
                "speech fixtures not found (../shared/fixtures/audio); set -Djknife.fixtures=DIR");
        return dir.resolve(name);
    }
}
