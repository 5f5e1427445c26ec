package io.jknife.audio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * RIFF/WAVE (and RF64) reader: PCM 8-bit unsigned, 16/24/32-bit signed, 32/64-bit float, G.711
 * A-law and mu-law (telephone recordings), plain or WAVE_FORMAT_EXTENSIBLE, any rate and channel
 * count. Other codecs in a WAV (ADPCM, GSM, MP3) are an error marked as one ffmpeg may decode. Unknown chunks are skipped (odd sizes padded);
 * a data size of 0 or 0xFFFFFFFF (streaming writers) or one past the end of the file means "to the
 * end of the file", so truncated files give the samples present.
 */
final class WavDecoder implements SourceDecoder {

    private static final int TAG_PCM = 1;
    private static final int TAG_FLOAT = 3;
    private static final int TAG_ALAW = 6;
    private static final int TAG_MULAW = 7;
    private static final int TAG_EXTENSIBLE = 0xFFFE;
    private static final int BLOCK = 1 << 16;

    /** How one sample is stored. */
    enum Encoding { PCM, FLOAT, ALAW, MULAW }

    /** What the fmt chunk says, reduced to what decoding needs. */
    record Format(Encoding encoding, int channels, int sampleRate, int bytesPerSample) {

        int frameBytes() {
            return channels * bytesPerSample;
        }
    }

    @Override
    public void decode(Path file, MonoSink sink) throws AudioException, IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer head = readAt(ch, 0, 12);
            String riff = fourCc(head, 0);
            if (head.remaining() < 12 || !(riff.equals("RIFF") || riff.equals("RF64") || riff.equals("BW64"))
                    || !fourCc(head, 8).equals("WAVE")) {
                throw new AudioException("not a WAV file: " + file.getFileName() + " has no RIFF/WAVE header");
            }
            long pos = 12;
            Format format = null;
            long ds64DataSize = -1;
            while (true) {
                if (pos + 8 > size) {
                    throw new AudioException(format == null
                            ? "WAV file has no fmt chunk: " + file.getFileName()
                            : "WAV file has no data chunk: " + file.getFileName());
                }
                ByteBuffer chunk = readAt(ch, pos, 8);
                String id = fourCc(chunk, 0);
                long chunkSize = Integer.toUnsignedLong(chunk.getInt(4));
                pos += 8;
                switch (id) {
                    case "fmt " -> format = parseFormat(readAt(ch, pos, (int) Math.min(chunkSize, 64)), chunkSize);
                    case "ds64" -> {
                        ByteBuffer ds = readAt(ch, pos, 16);
                        if (ds.remaining() >= 16) {
                            ds64DataSize = ds.getLong(8);
                        }
                    }
                    case "data" -> {
                        if (format == null) {
                            throw new AudioException("WAV data chunk comes before its fmt chunk: " + file.getFileName());
                        }
                        long dataSize = chunkSize == 0xFFFFFFFFL && ds64DataSize >= 0 ? ds64DataSize : chunkSize;
                        long end = dataSize == 0 || dataSize == 0xFFFFFFFFL || pos + dataSize > size || dataSize < 0
                                ? size : pos + dataSize;
                        readSamples(ch, pos, end, format, sink);
                        return;
                    }
                    default -> {
                        // LIST, fact, cue, bext, JUNK, ...: not needed
                    }
                }
                pos += chunkSize + (chunkSize & 1);
            }
        }
    }

    static Format parseFormat(ByteBuffer b, long chunkSize) throws AudioException {
        if (chunkSize < 16 || b.remaining() < 16) {
            throw new AudioException("WAV fmt chunk is truncated");
        }
        int tag = Short.toUnsignedInt(b.getShort(0));
        int channels = Short.toUnsignedInt(b.getShort(2));
        int rate = b.getInt(4);
        int blockAlign = Short.toUnsignedInt(b.getShort(12));
        int bits = Short.toUnsignedInt(b.getShort(14));
        if (tag == TAG_EXTENSIBLE) {
            if (b.remaining() < 40) {
                throw new AudioException("WAV fmt chunk is truncated (WAVE_FORMAT_EXTENSIBLE without its sub-format)");
            }
            tag = Short.toUnsignedInt(b.getShort(24)); // first two bytes of the sub-format GUID
        }
        if (channels == 0) {
            throw new AudioException("WAV file declares 0 channels");
        }
        if (rate <= 0) {
            throw new AudioException("WAV file declares an invalid sample rate: " + Integer.toUnsignedString(rate));
        }
        // The container size comes from the block alignment when it is consistent; 20-bit in 24,
        // 12-bit in 16 and such are then read as their container (the low bits are zero).
        int bytes = blockAlign > 0 && blockAlign % channels == 0 ? blockAlign / channels : (bits + 7) / 8;
        if (tag == TAG_PCM) {
            if (bytes < 1 || bytes > 4) {
                throw new AudioException("WAV PCM with " + bits + " bits per sample is not supported (8, 16, 24 and 32 are)");
            }
            return new Format(Encoding.PCM, channels, rate, bytes);
        }
        if (tag == TAG_FLOAT) {
            if (bytes != 4 && bytes != 8) {
                throw new AudioException("WAV float with " + bits + " bits per sample is not supported (32 and 64 are)");
            }
            return new Format(Encoding.FLOAT, channels, rate, bytes);
        }
        if (tag == TAG_ALAW || tag == TAG_MULAW) {
            if (bytes != 1) {
                throw new AudioException("WAV " + encodingName(tag) + " with " + bits + " bits per sample is not supported (8 is)");
            }
            return new Format(tag == TAG_ALAW ? Encoding.ALAW : Encoding.MULAW, channels, rate, 1);
        }
        throw new AudioException(String.format("WAV encoding 0x%04X (%s) is not supported; supported: PCM"
                + " 8/16/24/32-bit integer, 32/64-bit float, A-law and mu-law", tag, encodingName(tag)), true);
    }

    private static void readSamples(FileChannel ch, long start, long end, Format f, MonoSink sink)
            throws AudioException, IOException {
        int frameBytes = f.frameBytes();
        long frames = (end - start) / frameBytes;
        sink.begin(f.sampleRate(), frames);
        int framesPerBlock = Math.max(1, BLOCK / frameBytes);
        ByteBuffer bytes = ByteBuffer.allocate(framesPerBlock * frameBytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] mono = new float[framesPerBlock];
        long pos = start;
        while (pos < end) {
            bytes.clear();
            bytes.limit((int) Math.min(bytes.capacity(), end - pos));
            while (bytes.hasRemaining() && ch.read(bytes, pos + bytes.position()) > 0) {
                // fill the block; a read of 0 or -1 means the file ended early
            }
            int got = bytes.position();
            pos += got;
            int count = got / frameBytes; // a partial frame at the very end is dropped
            convert(bytes.array(), count, f, mono);
            sink.accept(mono, 0, count);
            if (bytes.hasRemaining()) {
                break; // the file is shorter than its header said: keep what is there
            }
        }
    }

    /** Decodes {@code frames} frames from {@code b} and averages their channels into {@code mono}. */
    static void convert(byte[] b, int frames, Format f, float[] mono) {
        int ch = f.channels();
        int bps = f.bytesPerSample();
        float scale = 1f / ch;
        int i = 0;
        for (int fr = 0; fr < frames; fr++) {
            float sum = 0;
            for (int c = 0; c < ch; c++, i += bps) {
                sum += sample(b, i, bps, f.encoding());
            }
            mono[fr] = ch == 1 ? sum : sum * scale;
        }
    }

    private static float sample(byte[] b, int i, int bps, Encoding encoding) {
        switch (encoding) {
            case FLOAT -> {
                if (bps == 4) {
                    float v = Float.intBitsToFloat(le32(b, i));
                    return Float.isFinite(v) ? v : 0f;
                }
                double v = Double.longBitsToDouble(Integer.toUnsignedLong(le32(b, i)) | ((long) le32(b, i + 4) << 32));
                return Double.isFinite(v) ? (float) v : 0f;
            }
            case ALAW -> {
                return alaw(b[i]) * (1f / 32768);
            }
            case MULAW -> {
                return mulaw(b[i]) * (1f / 32768);
            }
            default -> {
                return switch (bps) {
                    case 1 -> ((b[i] & 0xFF) - 128) * (1f / 128);
                    case 2 -> ((b[i] & 0xFF) | (b[i + 1] << 8)) * (1f / 32768);
                    case 3 -> ((b[i] & 0xFF) | ((b[i + 1] & 0xFF) << 8) | (b[i + 2] << 16)) * (1f / 8388608);
                    default -> le32(b, i) * (1f / 2147483648f);
                };
            }
        }
    }

    /** G.711 mu-law to 16-bit linear. */
    static int mulaw(byte code) {
        int u = ~code & 0xFF;
        int magnitude = ((((u & 0x0F) << 3) + 0x84) << ((u >> 4) & 7)) - 0x84;
        return (u & 0x80) != 0 ? -magnitude : magnitude;
    }

    /** G.711 A-law to 16-bit linear (the sign bit set means positive). */
    static int alaw(byte code) {
        int a = (code ^ 0x55) & 0xFF;
        int exponent = (a >> 4) & 7;
        int mantissa = a & 0x0F;
        int magnitude = exponent == 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
        return (a & 0x80) != 0 ? magnitude : -magnitude;
    }

    private static int le32(byte[] b, int i) {
        return (b[i] & 0xFF) | ((b[i + 1] & 0xFF) << 8) | ((b[i + 2] & 0xFF) << 16) | (b[i + 3] << 24);
    }

    private static ByteBuffer readAt(FileChannel ch, long pos, int len) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, pos + b.position()) <= 0) {
                break;
            }
        }
        b.flip();
        return b;
    }

    private static String fourCc(ByteBuffer b, int at) {
        if (b.limit() < at + 4) {
            return "";
        }
        char[] c = new char[4];
        for (int i = 0; i < 4; i++) {
            c[i] = (char) (b.get(at + i) & 0xFF);
        }
        return new String(c);
    }

    private static String encodingName(int tag) {
        return switch (tag) {
            case 0x0002 -> "MS ADPCM";
            case 0x0006 -> "A-law";
            case 0x0007 -> "mu-law";
            case 0x0011 -> "IMA ADPCM";
            case 0x0031 -> "GSM 6.10";
            case 0x0050 -> "MPEG";
            case 0x0055 -> "MPEG layer III";
            default -> "unknown";
        };
    }
}
