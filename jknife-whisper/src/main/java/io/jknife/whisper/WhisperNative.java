package io.jknife.whisper;

import io.github.givimad.whisperjni.WhisperJNI;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * Loads whisper-jni's native library once (extracted from its jar for linux-x86_64, with the
 * AVX2/FMA build of ggml where the CPU has it; no network) and routes everything the library and
 * whisper.cpp log to the {@link System.Logger} {@value #LOGGER_NAME} at DEBUG, never to stdout.
 * whisper-jni offers the hook ({@link WhisperJNI#setLibraryLogger}); progress and real-time
 * printing are additionally switched off in every request's parameters. The last error-looking
 * lines are kept so a failed load can say why.
 *
 * <p>whisper-jni hands out contexts and states as integer keys into process-wide C++
 * {@code std::map}s that it never locks. A lookup that runs while another thread inserts or erases
 * corrupts the tree (seen as {@code terminate called after throwing std::out_of_range: map::at},
 * which aborts the JVM). So every call that creates or frees a context or state runs under the
 * write side of {@link #REFS}, and every call that looks one up under the read side:
 * {@link #changingRefs} and {@link #usingRefs}.
 */
final class WhisperNative {
    static final String LOGGER_NAME = "io.jknife.whisper.native";

    private static final System.Logger LOGGER = System.getLogger(LOGGER_NAME);
    private static final int KEPT_LINES = 8;
    private static final Deque<String> RECENT = new ArrayDeque<>();
    private static final ReentrantReadWriteLock REFS = new ReentrantReadWriteLock();
    private static WhisperJNI instance;
    private static IOException failure;

    private WhisperNative() {
    }

    /** The binding, its library loaded and its log routed; the failure repeats when loading failed. */
    static synchronized WhisperJNI get() throws IOException {
        if (instance != null) {
            return instance;
        }
        if (failure != null) {
            throw failure;
        }
        try {
            WhisperJNI.loadLibrary(WhisperNative::log);
            WhisperJNI.setLibraryLogger(WhisperNative::log);
            instance = new WhisperJNI();
            return instance;
        } catch (IOException | UnsatisfiedLinkError | RuntimeException e) {
            failure = e instanceof IOException io ? io : new IOException("cannot load whisper-jni's native library: " + e.getMessage(), e);
            throw failure;
        }
    }

    /** Runs a binding call that creates or frees a context or state: alone. */
    static <T> T changingRefs(Supplier<T> call) {
        return locked(REFS.writeLock(), call);
    }

    /** {@link #changingRefs(Supplier)} for a call without a result (a free). */
    static void changingRefs(Runnable call) {
        changingRefs(() -> {
            call.run();
            return null;
        });
    }

    /** Runs binding calls that only look contexts and states up: alongside other lookups. */
    static <T> T usingRefs(Supplier<T> call) {
        return locked(REFS.readLock(), call);
    }

    private static <T> T locked(Lock lock, Supplier<T> call) {
        lock.lock();
        try {
            return call.get();
        } finally {
            lock.unlock();
        }
    }

    /** Called from native code: must never throw. */
    private static void log(String message) {
        try {
            String m = message == null ? "" : message.strip();
            if (m.isEmpty()) {
                return;
            }
            synchronized (RECENT) {
                RECENT.addLast(m);
                while (RECENT.size() > KEPT_LINES) {
                    RECENT.removeFirst();
                }
            }
            LOGGER.log(System.Logger.Level.DEBUG, m);
        } catch (Throwable t) {
            // a lost log line is harmless; an exception thrown into native code is not
        }
    }

    /** Forgets the kept lines. */
    static void clearRecent() {
        synchronized (RECENT) {
            RECENT.clear();
        }
    }

    /** The kept lines that look like errors, oldest first. */
    static List<String> recentErrors() {
        synchronized (RECENT) {
            List<String> out = new ArrayList<>();
            for (String s : RECENT) {
                String l = s.toLowerCase(java.util.Locale.ROOT);
                if (l.contains("error") || l.contains("failed") || l.contains("invalid") || l.contains("unknown")) {
                    out.add(s);
                }
            }
            return out;
        }
    }
}
