package io.jknife.hub.fake;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * Something the fake Hub does wrong on purpose, for the next {@code times} requests whose
 * "METHOD path" matches {@code pattern} (e.g. {@code "GET /cdn/.*"}).
 */
public final class Fault {
    /** What goes wrong. */
    public sealed interface Action permits Status, DropAfter, WrongEtag, IgnoreRange, Stall {
    }

    /** Answer with this status (and headers) instead. */
    public record Status(int status, Map<String, String> headers) implements Action {
    }

    /** Send the headers for the whole body, then close the connection after {@code bytes} bytes. */
    public record DropAfter(long bytes) implements Action {
    }

    /** Announce an etag that does not match the content (listing and headers alike). */
    public record WrongEtag() implements Action {
    }

    /** Answer a Range request with the whole file (200). */
    public record IgnoreRange() implements Action {
    }

    /** Send {@code bytes} bytes, then nothing for {@code millis} (a stalled connection), then close. */
    public record Stall(long bytes, long millis) implements Action {
    }

    final Pattern pattern;
    final Action action;
    final AtomicInteger remaining;

    Fault(String pattern, Action action, int times) {
        this.pattern = Pattern.compile(pattern);
        this.action = action;
        this.remaining = new AtomicInteger(times);
    }

    boolean take(String methodAndPath) {
        if (!pattern.matcher(methodAndPath).matches()) {
            return false;
        }
        while (true) {
            int r = remaining.get();
            if (r <= 0) {
                return false;
            }
            if (remaining.compareAndSet(r, r - 1)) {
                return true;
            }
        }
    }

    public int remaining() {
        return remaining.get();
    }
}
