package io.jknife.formats.gguf;

import io.jknife.formats.FileChannels;
import io.jknife.formats.FormatException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;

/**
 * Little-endian reads from a file through a small window, by absolute position, so files of any
 * size work and only the bytes looked at are read. Every read is checked against the bytes left
 * in the file first: a count or length from the file is never trusted before that.
 */
final class GgufSource {
    private static final int WINDOW = 64 * 1024;

    private final FileChannel channel;
    private final long size;
    private final ByteBuffer window = ByteBuffer.allocate(WINDOW).order(ByteOrder.LITTLE_ENDIAN);
    private long windowStart = 0;
    private long pos;
    /** Says what is being read, for error messages ("tensor info 12 ('x')"). */
    String context = "header";

    GgufSource(FileChannel channel, long size, long start) {
        this.channel = channel;
        this.size = size;
        this.pos = start;
        window.limit(0);
    }

    long size() {
        return size;
    }

    long position() {
        return pos;
    }

    long remaining() {
        return size - pos;
    }

    /** Fails unless {@code n} more bytes exist. */
    void need(long n) throws FormatException {
        if (n < 0 || n > size - pos) {
            throw truncated(n);
        }
    }

    FormatException truncated(long n) {
        String needs = n < 0 ? "more bytes than a file can hold" : n + " bytes";
        return new FormatException("GGUF truncated: " + context + " at offset " + pos + " needs " + needs
                + ", " + (size - pos) + " left (file size " + size + ")");
    }

    void skip(long n) throws FormatException {
        need(n);
        pos += n;
    }

    void seek(long position) throws FormatException {
        if (position < 0 || position > size) {
            throw new FormatException("GGUF corrupt: " + context + " offset " + position
                    + " is outside the file (size " + size + ")");
        }
        pos = position;
    }

    private ByteBuffer at(int n) throws IOException {
        need(n);
        long end = windowStart + window.limit();
        if (pos < windowStart || pos + n > end) {
            window.clear();
            long want = Math.min(WINDOW, size - pos);
            window.limit((int) want);
            FileChannels.readFully(channel, window, pos, now -> "GGUF truncated: the file shrank while being read (now "
                    + now + " bytes, was " + size + ")");
            window.flip();
            windowStart = pos;
        }
        int at = (int) (pos - windowStart);
        pos += n;
        return window.position(at);
    }

    int u8() throws IOException {
        return at(1).get() & 0xFF;
    }

    byte i8() throws IOException {
        return at(1).get();
    }

    short i16() throws IOException {
        return at(2).getShort();
    }

    int i32() throws IOException {
        return at(4).getInt();
    }

    long u32() throws IOException {
        return at(4).getInt() & 0xFFFF_FFFFL;
    }

    long i64() throws IOException {
        return at(8).getLong();
    }

    float f32() throws IOException {
        return at(4).getFloat();
    }

    double f64() throws IOException {
        return at(8).getDouble();
    }

    byte[] bytes(int n) throws IOException {
        need(n);
        byte[] out = new byte[n];
        if (n <= WINDOW) {
            at(n).get(out);
            return out;
        }
        FileChannels.readFully(channel, ByteBuffer.wrap(out), pos,
                now -> "GGUF truncated: the file shrank while being read");
        pos += n;
        return out;
    }

    /**
     * Reads a length-prefixed UTF-8 string; malformed UTF-8 is replaced, not fatal.
     *
     * @param limit most bytes accepted, so a hostile length can't make us allocate gigabytes
     */
    String string(long limit) throws IOException {
        long len = stringLength();
        if (len > limit) {
            throw new FormatException("GGUF corrupt: " + context + " is a string of " + len
                    + " bytes, more than the " + limit + " this reader accepts");
        }
        return new String(bytes((int) len), StandardCharsets.UTF_8);
    }

    /** Skips a length-prefixed string, checking it fits. */
    void skipString() throws IOException {
        long len = stringLength(); // first: reading the prefix moves pos
        pos += len;
    }

    /** Reads a string's length prefix, checking that the string fits in the file. */
    private long stringLength() throws IOException {
        long len = i64();
        if (len < 0 || len > size - pos) {
            pos -= 8;
            throw new FormatException("GGUF truncated: " + context + " at offset " + pos + " is a string of "
                    + Long.toUnsignedString(len) + " bytes, past the end of the file (size " + size + ")");
        }
        return len;
    }
}
