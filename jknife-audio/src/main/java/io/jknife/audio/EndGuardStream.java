package io.jknife.audio;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Stops decoders that keep reading past the end: after {@value #MAX_EOF_READS} reads that returned
 * end-of-stream it throws {@link Exhausted}, which the libraries do not catch. jflac 1.5.2 needs
 * this: on some corrupt streams its {@code readNextFrame} retries forever at the end of the input
 * (each retry swallows the EOFException of the one before).
 */
final class EndGuardStream extends FilterInputStream {

    static final int MAX_EOF_READS = 64;

    /** Thrown once the stream has been read past its end too many times. */
    static final class Exhausted extends RuntimeException {

        private static final long serialVersionUID = 1L;

        Exhausted() {
            super("read past the end of the stream", null, false, false);
        }
    }

    private int eofReads;

    EndGuardStream(InputStream in) {
        super(in);
    }

    @Override
    public int read() throws IOException {
        return check(super.read());
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        return check(super.read(b, off, len));
    }

    private int check(int result) {
        if (result < 0 && ++eofReads > MAX_EOF_READS) {
            throw new Exhausted();
        }
        return result;
    }
}
