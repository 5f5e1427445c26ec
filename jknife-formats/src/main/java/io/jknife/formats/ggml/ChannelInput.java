package io.jknife.formats.ggml;

import io.jknife.formats.FormatException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

/** Buffered little-endian reads from a file channel, every read checked against the file size. */
final class ChannelInput {
    private final FileChannel ch;
    private final long size;
    private final ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    private long bufStart;

    ChannelInput(FileChannel ch, long size) {
        this.ch = ch;
        this.size = size;
        buf.limit(0);
    }

    long position() {
        return bufStart + buf.position();
    }

    long size() {
        return size;
    }

    long remaining() {
        return size - position();
    }

    int readInt(String what) throws IOException {
        need(4, what);
        return buf.getInt();
    }

    byte[] readBytes(int n, String what) throws IOException {
        if (n < 0 || n > remaining()) {
            throw truncated(n, what);
        }
        byte[] out = new byte[n];
        int done = 0;
        while (done < n) {
            if (!buf.hasRemaining()) {
                fill();
            }
            int k = Math.min(buf.remaining(), n - done);
            buf.get(out, done, k);
            done += k;
        }
        return out;
    }

    void readFloats(float[] out, String what) throws IOException {
        for (int i = 0; i < out.length; i++) {
            need(4, what);
            out[i] = buf.getFloat();
        }
    }

    void skip(long n, String what) throws IOException {
        if (n < 0 || n > remaining()) {
            throw truncated(n, what);
        }
        long target = position() + n;
        if (target <= bufStart + buf.limit()) {
            buf.position((int) (target - bufStart));
        } else {
            bufStart = target;
            buf.limit(0);
        }
    }

    private void need(int n, String what) throws IOException {
        if (buf.remaining() >= n) {
            return;
        }
        if (remaining() < n) {
            throw truncated(n, what);
        }
        fill();
        if (buf.remaining() < n) {
            throw truncated(n, what);
        }
    }

    /** Moves unread bytes to the front and reads more from the channel. */
    private void fill() throws IOException {
        long pos = position();
        buf.compact();
        bufStart = pos;
        long filePos = pos + buf.position();
        while (buf.hasRemaining() && filePos < size) {
            int r = ch.read(buf, filePos);
            if (r < 0) {
                break;
            }
            filePos += r;
        }
        buf.flip();
    }

    private FormatException truncated(long n, String what) {
        return new FormatException("whisper ggml file truncated: " + what + " needs " + n + " bytes at offset "
                + position() + " but the file is " + size + " bytes");
    }
}
