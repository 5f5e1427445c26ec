package io.jknife.store.probe;

/** Integrity of a model's files: healthy or not, and the first reason found. */
public record HealthResult(boolean healthy, String reason) {
    public static HealthResult ok(String reason) {
        return new HealthResult(true, reason);
    }

    public static HealthResult bad(String reason) {
        return new HealthResult(false, reason);
    }
}
