package io.jknife.audio;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;

/**
 * jflac 1.5.2 prints {@code readResidual elsecase, pEsc = ...} to {@code System.out} for every
 * escape-coded residual partition (rare in real files, common in corrupt ones), which would corrupt
 * the JSON a command prints on stdout. While a thread decodes FLAC, its writes to
 * {@code System.out} are dropped; other threads write through unchanged. {@code System.out} is
 * wrapped once, on the first FLAC decode.
 */
final class JflacStdout {

    private static final ThreadLocal<Boolean> MUTED = ThreadLocal.withInitial(() -> false);
    private static volatile PrintStream installed;

    private JflacStdout() {
    }

    /** Mutes the calling thread's stdout until {@link #unmute()}. */
    static void mute() {
        install();
        MUTED.set(true);
    }

    static void unmute() {
        MUTED.set(false);
    }

    private static synchronized void install() {
        if (installed != null && System.out == installed) {
            return;
        }
        PrintStream original = System.out;
        OutputStream filter = new OutputStream() {
            @Override
            public void write(int b) {
                if (!MUTED.get()) {
                    original.write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) {
                if (!MUTED.get()) {
                    original.write(b, off, len);
                }
            }

            @Override
            public void flush() {
                original.flush();
            }

            @Override
            public void close() throws IOException {
                original.close();
            }
        };
        installed = new PrintStream(filter, true, original.charset());
        System.setOut(installed);
    }
}
