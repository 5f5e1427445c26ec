package io.jknife.llamacpp.ffi;

import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Receives llama.cpp's and ggml's log messages (installed with {@code llama_log_set}) and hands
 * them to the {@link System.Logger} {@value #LOGGER_NAME} at level DEBUG (native debug messages
 * at TRACE), so nothing reaches the terminal. The last error lines are kept so that a failed load
 * can say why.
 */
final class NativeLog {
    static final String LOGGER_NAME = "io.jknife.llamacpp.native";

    // ggml_log_level of llama.cpp b4916
    private static final int LEVEL_DEBUG = 1;
    private static final int LEVEL_ERROR = 4;
    private static final int LEVEL_CONT = 5;
    private static final int KEPT_ERRORS = 8;

    private static final System.Logger LOGGER = System.getLogger(LOGGER_NAME);
    private static final Deque<String> ERRORS = new ArrayDeque<>();
    private static int lastLevel = 2;

    private NativeLog() {
    }

    /** The upcall target of {@code ggml_log_callback}: must never throw. */
    @SuppressWarnings("restricted") // reads the C string llama.cpp passes
    static void log(int level, MemorySegment text, MemorySegment userData) {
        try {
            int effective = level == LEVEL_CONT ? lastLevel : level;
            lastLevel = effective;
            boolean error = effective == LEVEL_ERROR;
            System.Logger.Level jLevel = effective <= LEVEL_DEBUG ? System.Logger.Level.TRACE : System.Logger.Level.DEBUG;
            if (!error && !LOGGER.isLoggable(jLevel)) {
                return;
            }
            String message = text.equals(MemorySegment.NULL) ? "" : text.reinterpret(Long.MAX_VALUE).getString(0);
            message = message.stripTrailing();
            if (message.isEmpty()) {
                return;
            }
            if (error) {
                synchronized (ERRORS) {
                    ERRORS.addLast(message);
                    while (ERRORS.size() > KEPT_ERRORS) {
                        ERRORS.removeFirst();
                    }
                }
            }
            LOGGER.log(jLevel, message);
        } catch (Throwable t) {
            // an exception escaping an upcall would crash the JVM; a lost log line is harmless
        }
    }

    /** Forgets the kept error lines. */
    static void clearErrors() {
        synchronized (ERRORS) {
            ERRORS.clear();
        }
    }

    /** The error lines logged since {@link #clearErrors()}, oldest first. */
    static List<String> errors() {
        synchronized (ERRORS) {
            return new ArrayList<>(ERRORS);
        }
    }
}
