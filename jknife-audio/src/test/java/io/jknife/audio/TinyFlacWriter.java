package io.jknife.audio;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A small FLAC encoder for tests and the benchmark (jflac 1.5.2 has no usable encoder): STREAMINFO,
 * then fixed-blocksize frames whose subframes are either verbatim or FIXED order 2 with one
 * Rice partition. Channels can be independent or left/side coded. Real CRC-8 and CRC-16.
 */
final class TinyFlacWriter {

    /** Subframe kinds: verbatim; FIXED order 2 with Rice-coded residuals; the same with an escape-coded (raw) partition. */
    enum Subframes { VERBATIM, FIXED2, FIXED2_ESCAPED }

    private final int rate;
    private final int channels;
    private final int bits;
    private final int blockSize;
    private final Subframes subframes;
    private final boolean leftSide;

    TinyFlacWriter(int rate, int channels, int bits, int blockSize, Subframes subframes, boolean leftSide) {
        if (leftSide && channels != 2) {
            throw new IllegalArgumentException("left/side needs two channels");
        }
        this.rate = rate;
        this.channels = channels;
        this.bits = bits;
        this.blockSize = blockSize;
        this.subframes = subframes;
        this.leftSide = leftSide;
    }

    /** Writes {@code samples[channel][i]}, integers within {@code bits}. */
    void write(int[][] samples, OutputStream out) throws IOException {
        long total = samples[0].length;
        Bits h = new Bits();
        h.put(0x664C6143L, 32); // "fLaC"
        h.put(1, 1).put(0, 7).put(34, 24); // last block, STREAMINFO, length
        h.put(blockSize, 16).put(blockSize, 16).put(0, 24).put(0, 24);
        h.put(rate, 20).put(channels - 1, 3).put(bits - 1, 5).put(total, 36);
        for (int i = 0; i < 4; i++) {
            h.put(0, 32); // MD5 unknown
        }
        out.write(h.bytes());
        long frame = 0;
        for (int start = 0; start < total; start += blockSize, frame++) {
            int n = (int) Math.min(blockSize, total - start);
            out.write(frame(samples, start, n, frame));
        }
    }

    void write(int[][] samples, Path file) throws IOException {
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            write(samples, out);
        }
    }

    private byte[] frame(int[][] s, int start, int n, long number) {
        Bits b = new Bits();
        b.put(0x3FFE, 14).put(0, 1).put(0, 1); // sync, reserved, fixed blocksize
        b.put(7, 4); // blocksize: 16 bits at the end of the header
        b.put(0, 4); // sample rate: from STREAMINFO
        b.put(leftSide ? 8 : channels - 1, 4);
        b.put(0, 3).put(0, 1); // sample size: from STREAMINFO
        utf8(b, number);
        b.put(n - 1, 16);
        b.put(crc8(b.bytes()), 8);
        for (int c = 0; c < channels; c++) {
            int[] x = new int[n];
            int width = bits;
            for (int i = 0; i < n; i++) {
                x[i] = s[c][start + i];
                if (leftSide && c == 1) {
                    x[i] = s[0][start + i] - s[1][start + i]; // side channel: one bit wider
                }
            }
            if (leftSide && c == 1) {
                width = bits + 1;
            }
            subframe(b, x, width);
        }
        b.alignToByte();
        byte[] body = b.bytes();
        int crc = crc16(body);
        byte[] out = java.util.Arrays.copyOf(body, body.length + 2);
        out[body.length] = (byte) (crc >> 8);
        out[body.length + 1] = (byte) crc;
        return out;
    }

    private void subframe(Bits b, int[] x, int width) {
        int n = x.length;
        if (subframes == Subframes.VERBATIM || n < 3) {
            b.put(0, 1).put(1, 6).put(0, 1);
            for (int v : x) {
                b.put(v & ((1L << width) - 1), width);
            }
            return;
        }
        b.put(0, 1).put(0b001010, 6).put(0, 1); // FIXED, order 2
        b.put(x[0] & ((1L << width) - 1), width).put(x[1] & ((1L << width) - 1), width);
        if (subframes == Subframes.FIXED2_ESCAPED) {
            int[] raw = new int[n - 2];
            int rawBits = 1;
            for (int i = 2; i < n; i++) {
                raw[i - 2] = x[i] - 2 * x[i - 1] + x[i - 2];
                while (raw[i - 2] >= (1 << (rawBits - 1)) || raw[i - 2] < -(1 << (rawBits - 1))) {
                    rawBits++;
                }
            }
            b.put(0, 2).put(0, 4).put(15, 4).put(rawBits, 5); // Rice, one partition, escape: raw samples
            for (int r : raw) {
                b.put(r & ((1L << rawBits) - 1), rawBits);
            }
            return;
        }
        long[] res = new long[n - 2];
        double mean = 0;
        for (int i = 2; i < n; i++) {
            long r = (long) x[i] - 2L * x[i - 1] + x[i - 2];
            res[i - 2] = r >= 0 ? r << 1 : ((-r) << 1) - 1; // zigzag
            mean += res[i - 2];
        }
        mean /= res.length;
        int k = 0;
        while (k < 14 && (1L << (k + 1)) <= mean) {
            k++;
        }
        b.put(0, 2).put(0, 4).put(k, 4); // Rice, partition order 0, parameter k
        for (long u : res) {
            long q = u >>> k;
            for (long i = 0; i < q; i++) {
                b.put(0, 1);
            }
            b.put(1, 1);
            if (k > 0) {
                b.put(u & ((1L << k) - 1), k);
            }
        }
    }

    private static void utf8(Bits b, long v) {
        if (v < 0x80) {
            b.put(v, 8);
            return;
        }
        int bytes = v < 0x800 ? 2 : v < 0x10000 ? 3 : v < 0x200000 ? 4 : v < 0x4000000 ? 5 : 6;
        int firstBits = 7 - bytes;
        int lead = (0xFF << (8 - bytes)) & 0xFF;
        b.put(lead | (v >>> (6 * (bytes - 1))) & ((1 << firstBits) - 1), 8);
        for (int i = bytes - 2; i >= 0; i--) {
            b.put(0x80 | ((v >>> (6 * i)) & 0x3F), 8);
        }
    }

    static int crc8(byte[] data) {
        int crc = 0;
        for (byte d : data) {
            crc ^= d & 0xFF;
            for (int i = 0; i < 8; i++) {
                crc = (crc & 0x80) != 0 ? ((crc << 1) ^ 0x07) & 0xFF : (crc << 1) & 0xFF;
            }
        }
        return crc;
    }

    static int crc16(byte[] data) {
        int crc = 0;
        for (byte d : data) {
            crc ^= (d & 0xFF) << 8;
            for (int i = 0; i < 8; i++) {
                crc = (crc & 0x8000) != 0 ? ((crc << 1) ^ 0x8005) & 0xFFFF : (crc << 1) & 0xFFFF;
            }
        }
        return crc;
    }

    /** MSB-first bit writer. */
    private static final class Bits {

        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private long acc;
        private int count;

        Bits put(long value, int n) {
            for (int i = n - 1; i >= 0; i--) {
                acc = (acc << 1) | ((value >>> i) & 1);
                if (++count == 8) {
                    out.write((int) acc);
                    acc = 0;
                    count = 0;
                }
            }
            return this;
        }

        void alignToByte() {
            while (count != 0) {
                put(0, 1);
            }
        }

        byte[] bytes() {
            if (count != 0) {
                throw new IllegalStateException("not byte aligned");
            }
            return out.toByteArray();
        }
    }

    /**
     * Writes the benchmark's FLAC inputs: {@code DIR MINUTES} makes 16 kHz mono and 44.1 kHz stereo
     * files of a speech-like test signal (tones with a syllable envelope and noise).
     */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        int minutes = Integer.parseInt(args[1]);
        Files.createDirectories(dir);
        for (int[] spec : new int[][] {{16_000, 1}, {44_100, 2}}) {
            int rate = spec[0];
            int ch = spec[1];
            int n = rate * 60 * minutes;
            int[][] s = new int[ch][n];
            java.util.Random random = new java.util.Random(1);
            for (int i = 0; i < n; i++) {
                double t = i / (double) rate;
                double env = 0.5 + 0.5 * Math.sin(2 * Math.PI * 4 * t);
                double v = env * (0.3 * Math.sin(2 * Math.PI * 220 * t) + 0.15 * Math.sin(2 * Math.PI * 1330 * t))
                        + 0.02 * random.nextGaussian();
                for (int c = 0; c < ch; c++) {
                    s[c][i] = (int) Math.round(Math.max(-1, Math.min(1, v * (c == 0 ? 1 : 0.9))) * 32767);
                }
            }
            Path file = dir.resolve("bench-" + rate + "-" + ch + "ch.flac");
            new TinyFlacWriter(rate, ch, 16, 4096, Subframes.FIXED2, ch == 2).write(s, file);
            System.out.println(file + " " + Files.size(file) + " bytes");
        }
    }
}
