package io.jknife.hub.http;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/** An HTTP/1.1 {@code Transfer-Encoding: chunked} body, decoded. */
final class ChunkedInputStream extends InputStream {
    private final InputStream in;
    private long left;
    private boolean done;

    ChunkedInputStream(InputStream in) {
        this.in = in;
    }

    @Override
    public int read() throws IOException {
        byte[] b = new byte[1];
        return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (done) {
            return -1;
        }
        if (left == 0) {
            left = nextChunkSize();
            if (left == 0) {
                done = true;
                while (!RawGet.readLine(in).isEmpty()) {
                    // trailers
                }
                return -1;
            }
        }
        int n = in.read(b, off, (int) Math.min(len, left));
        if (n < 0) {
            throw new EOFException("connection closed inside a chunk");
        }
        left -= n;
        if (left == 0) {
            RawGet.readLine(in); // the CRLF after the chunk
        }
        return n;
    }

    private long nextChunkSize() throws IOException {
        String line = RawGet.readLine(in);
        int semi = line.indexOf(';');
        String hex = (semi >= 0 ? line.substring(0, semi) : line).strip();
        try {
            long n = Long.parseLong(hex, 16);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IOException("bad chunk size: " + line);
        }
    }
}
