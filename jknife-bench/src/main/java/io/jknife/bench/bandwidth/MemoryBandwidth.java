package io.jknife.bench.bandwidth;

import io.jknife.bench.json.Num;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Measured memory read bandwidth: {@code threads} threads stream over their slices of one off-heap
 * buffer (much larger than the last-level cache), summing 64-bit words so the reads cannot be
 * elided. The buffer is written once first so every page is resident, and one untimed pass
 * compiles the loop. Reports the best and the
 * median pass; {@code bench run} divides an engine's bytes-per-token × tokens/s by this.
 */
public final class MemoryBandwidth {
    /** One measurement. GB = 10^9 bytes (as bandwidth is usually quoted); GiB/s also given. */
    public record Result(long bytes, int threads, int passes, double bestGbps, double medianGbps, double bestGibps,
                         List<Double> passGbps, long checksum) {
    }

    private MemoryBandwidth() {
    }

    public static Result measure(long bytes, int threads, int passes) throws InterruptedException {
        if (bytes < (1 << 20) || threads < 1 || passes < 1) {
            throw new IllegalArgumentException("need at least 1 MiB, 1 thread and 1 pass");
        }
        long slice = (bytes / threads) & ~63L;
        long total = slice * threads;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buf = arena.allocate(total, 4096);
            fill(buf, threads, slice);
            List<Double> rates = new ArrayList<>();
            AtomicLong checksum = new AtomicLong();
            pass(buf, threads, slice, checksum); // warm-up: compiles the loop, not timed
            for (int p = 0; p < passes; p++) {
                long nanos = pass(buf, threads, slice, checksum);
                rates.add(total / (nanos / 1e9) / 1e9);
            }
            double best = rates.stream().mapToDouble(Double::doubleValue).max().orElse(0);
            return new Result(total, threads, passes, Num.round(best, 2), Num.round(Num.median(rates), 2),
                    Num.round(best * 1e9 / Num.GIB, 2), rates.stream().map(r -> Num.round(r, 2)).toList(), checksum.get());
        }
    }

    /** Writes every word (pages faulted in by the threads that will read them). */
    private static void fill(MemorySegment buf, int threads, long slice) throws InterruptedException {
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            MemorySegment part = buf.asSlice(t * slice, slice);
            long seed = t + 1;
            ts.add(Thread.ofPlatform().start(() -> {
                for (long off = 0; off < part.byteSize(); off += 8) {
                    part.set(ValueLayout.JAVA_LONG, off, off * 31 + seed);
                }
            }));
        }
        for (Thread t : ts) {
            t.join();
        }
    }

    /** One timed pass: all threads start together; the pass lasts until the slowest finishes. */
    private static long pass(MemorySegment buf, int threads, long slice, AtomicLong checksum) throws InterruptedException {
        CyclicBarrier start = new CyclicBarrier(threads + 1);
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            MemorySegment part = buf.asSlice(t * slice, slice);
            ts.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                } catch (Exception e) {
                    return;
                }
                checksum.addAndGet(sum(part));
            }));
        }
        try {
            start.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        long t0 = System.nanoTime();
        for (Thread t : ts) {
            t.join();
        }
        return System.nanoTime() - t0;
    }

    /** Sum of the slice's words, four independent accumulators (lets the JIT keep loads in flight). */
    static long sum(MemorySegment seg) {
        long a = 0;
        long b = 0;
        long c = 0;
        long d = 0;
        long n = seg.byteSize() / 8;
        long i = 0;
        for (; i + 4 <= n; i += 4) {
            long off = i * 8;
            a += seg.get(ValueLayout.JAVA_LONG, off);
            b += seg.get(ValueLayout.JAVA_LONG, off + 8);
            c += seg.get(ValueLayout.JAVA_LONG, off + 16);
            d += seg.get(ValueLayout.JAVA_LONG, off + 24);
        }
        for (; i < n; i++) {
            a += seg.get(ValueLayout.JAVA_LONG, i * 8);
        }
        return a + b + c + d;
    }
}
