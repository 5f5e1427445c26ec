package io.jknife.hub;

import java.time.Duration;

/**
 * Bounded retries for transient failures: {@code attempts} tries in all, exponential backoff from
 * {@code baseDelay}; a server's {@code Retry-After} is honoured up to {@code maxWait}.
 */
public record RetryPolicy(int attempts, Duration baseDelay, Duration maxWait) {

    public RetryPolicy {
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be at least 1");
        }
    }

    /** Delay before retry number {@code retry} (1-based): base, 2×base, 4×base, ..., at most {@code maxWait}. */
    public Duration backoff(int retry) {
        long ms = baseDelay.toMillis() << Math.min(Math.max(retry - 1, 0), 16);
        return Duration.ofMillis(Math.min(ms, maxWait.toMillis()));
    }
}
