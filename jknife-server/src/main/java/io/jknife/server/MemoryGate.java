package io.jknife.server;

import io.jknife.bench.events.BenchEvents;

import java.time.Duration;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * Waits before a load until the model fits in free memory (reference backends.md §2): polls the
 * reading every {@code poll} up to {@code timeout}, then answers 503 {@code memory_pressure} with
 * Retry-After instead of loading into swap. A poll succeeds when enough memory is free and the
 * pressure is normal (PSI {@code some avg10} under {@value #NORMAL_PRESSURE} %, or not reported:
 * an unknown signal never makes every load wait). A model larger than the machine is refused at once.
 */
public final class MemoryGate {
    /** PSI {@code some avg10} below this is the reference's NORMAL level (WARN below 40, CRITICAL above). */
    public static final double NORMAL_PRESSURE = 10.0;
    private final MemoryReading reading;
    private final Duration poll;
    private final Duration timeout;
    private final Metrics metrics;

    public MemoryGate(MemoryReading reading, Duration poll, Duration timeout, Metrics metrics) {
        this.reading = reading;
        this.poll = poll;
        this.timeout = timeout;
        this.metrics = metrics;
    }

    public MemoryReading reading() {
        return reading;
    }

    /** Returns when {@code required} bytes are free; throws 507 when they never can be, 503 on timeout. */
    public void await(String model, long required) throws InterruptedException {
        long total = reading.totalBytes();
        if (required > total) {
            throw new ApiException(507, "insufficient_memory", "insufficient_memory", "model",
                    "Model '" + model + "' needs " + gib(required) + " (weights, KV cache and margin) but this machine has "
                            + gib(total) + " in all", null);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        BenchEvents.Span wait = null; // marked on benchmark timelines while it lasts
        try {
            while (true) {
                long avail = reading.availableBytes();
                OptionalDouble pressure = reading.pressure();
                boolean calm = pressure.isEmpty() || pressure.getAsDouble() < NORMAL_PRESSURE;
                if (avail >= required && calm) {
                    return;
                }
                if (wait == null) {
                    metrics.memoryGateWaits.increment();
                    wait = BenchEvents.gateWait("load " + model, required / (1024.0 * 1024 * 1024));
                }
                if (System.nanoTime() >= deadline) {
                    metrics.memoryGateTimeouts.increment();
                    throw new ApiException(503, "memory_pressure", "memory_pressure", null,
                            (avail >= required
                                    ? "Memory pressure too high to load '" + model + "': PSI some avg10 "
                                    + String.format(Locale.ROOT, "%.1f", pressure.getAsDouble()) + " % (normal is under "
                                    + (int) NORMAL_PRESSURE + " %)"
                                    : "Not enough free memory to load '" + model + "': needs " + gib(required) + ", "
                                    + gib(avail) + " free")
                                    + " after waiting " + timeout.toMillis() / 1000.0 + " s", 10);
                }
                Thread.sleep(poll.toMillis());
            }
        } finally {
            if (wait != null) {
                wait.close();
            }
        }
    }

    static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.2f GiB", bytes / (1024.0 * 1024 * 1024));
    }
}
