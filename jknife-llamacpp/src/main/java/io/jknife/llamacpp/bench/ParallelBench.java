package io.jknife.llamacpp.bench;

import io.jknife.engine.EngineCatalog;
import io.jknife.engine.FinishReason;
import io.jknife.engine.GenerationRequest;
import io.jknife.engine.GenerationResult;
import io.jknife.engine.LoadOptions;
import io.jknife.engine.LoadedModel;
import io.jknife.engine.SamplingParams;
import io.jknife.engine.TextEngine;
import io.jknife.formats.GgmlType;
import io.jknife.llamacpp.LlamaCppEngine;
import io.jknife.llamacpp.ffi.LlamaNative;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Aggregate decode speed of one loaded model with parallel slots: 1, 2 and 4 concurrent streams
 * on the same model (loaded once with {@code --slots} slots, by the engine {@code --engine} names:
 * {@code llama.cpp} or {@code java}, found with {@link EngineCatalog}, so the Java engine must be on
 * the classpath for the latter), in rounds whose order alternates
 * (1-2-4, then 4-2-1, ...: on a shared machine that cancels slow drifts of the load). Each stream
 * generates exactly {@code --tokens} tokens greedily from its own short prompt, on its own thread,
 * through the engine interface. Aggregate decode speed of a round is the sum over streams of
 * (tokens − 1) divided by the time from the earliest first token to the latest last token.
 * Reported: the medians per stream count, the ratio of medians 4/1 and the median of the per-round
 * ratios 4/1 and 2/1. As a measure that bursts of load on a busy machine barely move, also the
 * per-step figure: streams × 1 s / the median gap between consecutive pieces of a stream (one
 * piece per token; a gap is one decode step) over all tokens of all rounds. With {@code --single}, a one-slot load of the same file runs one stream per
 * round too (the speed of the model without slots, as before parallel slots existed). With
 * {@code --raw N}, first N rounds of bare {@code llama_decode} steps of 1, 2 and 4 tokens (one per
 * sequence, logits for each) on a context of its own, without the engine: what llama.cpp itself
 * gains from batching on this machine.
 *
 * <pre>
 * ParallelBench [--dir DIR] [--engine llama.cpp|java] [--type Q4_0] [--tokens 64] [--rounds 6] [--threads 2] [--ctx 512] [--slots 4] [--single] [--raw N]
 * </pre>
 * Run with {@code --enable-native-access=ALL-UNNAMED}. Writes progress to stderr, results to stdout.
 */
public final class ParallelBench {
    private static final List<String> PROMPTS = List.of("The quick brown fox jumps over the lazy dog. Once upon a time",
            "In a hole in the ground there lived a hobbit. Not a nasty, dirty, wet hole",
            "It was the best of times, it was the worst of times, it was the age of wisdom",
            "Call me Ishmael. Some years ago, never mind how long precisely, having little money");

    private ParallelBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of("target/bench-models");
        GgmlType type = GgmlType.Q4_0;
        int tokens = 64;
        int rounds = 6;
        int threads = 2;
        int ctx = 512;
        int slots = 4;
        boolean single = false;
        int raw = 0;
        String engineId = LlamaCppEngine.ID;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--dir" -> dir = Path.of(args[++i]);
                case "--engine" -> engineId = args[++i];
                case "--type" -> {
                    String t = args[++i];
                    type = GgmlType.fromName(t).orElseThrow(() -> new IllegalArgumentException("unknown type " + t));
                }
                case "--tokens" -> tokens = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--ctx" -> ctx = Integer.parseInt(args[++i]);
                case "--slots" -> slots = Integer.parseInt(args[++i]);
                case "--single" -> single = true;
                case "--raw" -> raw = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("usage: ParallelBench [--dir DIR] [--engine llama.cpp|java] [--type Q4_0] [--tokens N] [--rounds N] "
                            + "[--threads N] [--ctx N] [--slots N] [--single] [--raw N]");
                    System.exit(2);
                }
            }
        }
        if (slots < 4) {
            throw new IllegalArgumentException("--slots must be at least 4 (the largest stream count)");
        }
        Path file = dir.resolve("synthetic-llama-1b-shape-" + type.name() + ".gguf");
        if (!Files.isRegularFile(file)) {
            System.err.println("writing " + file + " ...");
            SyntheticLlama.writeIfMissing(file, type);
        }
        String id = engineId;
        TextEngine engine = EngineCatalog.discover().get(id)
                .orElseThrow(() -> new IllegalArgumentException("no engine " + id + " on the classpath"));
        System.out.printf(Locale.ROOT, "parallel decode: %s, engine %s, %d tokens per stream, greedy, %d threads, %d slots of %d tokens, "
                + "%d rounds, %d cores, load average %s%n", file.getFileName(), id, tokens, threads, slots, ctx, rounds,
                Runtime.getRuntime().availableProcessors(), loadAverage());
        if (raw > 0) {
            rawSteps(file, threads, ctx, raw);
        }
        if (rounds < 1) {
            System.exit(0); // the bare steps only
        }
        int[] counts = {1, 2, 4};
        try (LoadedModel model = engine.loadFile(file, new LoadOptions(ctx, threads, slots));
             LoadedModel one = single ? engine.loadFile(file, new LoadOptions(ctx, threads)) : null) {
            round(model, 4, 8, new ArrayList<>()); // warm-up
            if (one != null) {
                round(one, 1, 8, new ArrayList<>());
            }
            List<List<Double>> rates = new ArrayList<>();
            for (int ignored : counts) {
                rates.add(new ArrayList<>());
            }
            List<List<Long>> gaps = new ArrayList<>();
            for (int ignored : counts) {
                gaps.add(new ArrayList<>());
            }
            List<Long> singleGaps = new ArrayList<>();
            List<Double> singleRates = new ArrayList<>();
            List<Double> ratio41 = new ArrayList<>();
            List<Double> ratio21 = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                double[] rate = new double[counts.length];
                for (int k = 0; k < counts.length; k++) {
                    int c = r % 2 == 0 ? k : counts.length - 1 - k;
                    rate[c] = round(model, counts[c], tokens, gaps.get(c));
                    rates.get(c).add(rate[c]);
                }
                String s = "";
                if (one != null) {
                    double x = round(one, 1, tokens, singleGaps);
                    singleRates.add(x);
                    s = String.format(Locale.ROOT, ", one-slot model %.2f tok/s", x);
                }
                ratio41.add(rate[2] / rate[0]);
                ratio21.add(rate[1] / rate[0]);
                System.err.printf(Locale.ROOT, "round %d: 1 stream %.2f, 2 streams %.2f, 4 streams %.2f tok/s%s%n",
                        r + 1, rate[0], rate[1], rate[2], s);
            }
            for (int c = 0; c < counts.length; c++) {
                System.out.printf(Locale.ROOT, "%d stream%s: aggregate decode median %.2f tok/s %s%n", counts[c],
                        counts[c] == 1 ? " " : "s", median(rates.get(c)), fmt(rates.get(c)));
            }
            if (one != null) {
                System.out.printf(Locale.ROOT, "one-slot model, 1 stream: median %.2f tok/s %s%n", median(singleRates),
                        fmt(singleRates));
            }
            double[] perStep = new double[counts.length];
            for (int c = 0; c < counts.length; c++) {
                perStep[c] = counts[c] * 1e9 / medianLong(gaps.get(c));
                System.out.printf(Locale.ROOT, "%d stream%s: per-step median (%d gaps) %.2f tok/s aggregate%n", counts[c],
                        counts[c] == 1 ? " " : "s", gaps.get(c).size(), perStep[c]);
            }
            if (one != null) {
                System.out.printf(Locale.ROOT, "one-slot model, 1 stream: per-step median (%d gaps) %.2f tok/s%n",
                        singleGaps.size(), 1e9 / medianLong(singleGaps));
            }
            System.out.printf(Locale.ROOT, "per-step 4/1 %.2fx, 2/1 %.2fx%n", perStep[2] / perStep[0], perStep[1] / perStep[0]);
            System.out.printf(Locale.ROOT, "4 streams / 1 stream: ratio of medians %.2fx, median of per-round ratios %.2fx%n",
                    median(rates.get(2)) / median(rates.get(0)), median(ratio41));
            System.out.printf(Locale.ROOT, "2 streams / 1 stream: ratio of medians %.2fx, median of per-round ratios %.2fx%n",
                    median(rates.get(1)) / median(rates.get(0)), median(ratio21));
            System.out.printf(Locale.ROOT, "load average after: %s%n", loadAverage());
        }
        System.exit(0);
    }

    /** Bare llama_decode steps of k = 1, 2, 4 tokens in k sequences: medians and first quartiles of the step time. */
    private static void rawSteps(Path file, int threads, int ctx, int rounds) throws Exception {
        LlamaNative nat = LlamaNative.get();
        LlamaNative.Loaded m = nat.loadModel(List.of(file));
        if (m.failed()) {
            throw new IllegalStateException("cannot load " + file);
        }
        LlamaNative.Loaded c = nat.newContext(m.pointer(), 4 * ctx, 4, threads, MemorySegment.NULL, MemorySegment.NULL);
        if (c.failed()) {
            nat.freeModel(m.pointer());
            throw new IllegalStateException("cannot create a context for " + file);
        }
        MemorySegment context = c.pointer();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment batch = a.allocate(LlamaNative.BATCH);
            MemorySegment tokens = a.allocate(JAVA_INT, 16);
            MemorySegment pos = a.allocate(JAVA_INT, 16);
            MemorySegment nSeq = a.allocate(JAVA_INT, 16);
            MemorySegment seqIds = a.allocate(JAVA_INT, 4);
            MemorySegment seqPtrs = a.allocate(ADDRESS, 16);
            MemorySegment outputs = a.allocate(JAVA_BYTE, 16);
            for (int s = 0; s < 4; s++) {
                seqIds.setAtIndex(JAVA_INT, s, s);
            }
            int[] next = new int[4];
            java.util.function.IntToLongFunction step = k -> {
                for (int s = 0; s < k; s++) {
                    tokens.setAtIndex(JAVA_INT, s, 1000 + 7 * next[s] + s);
                    pos.setAtIndex(JAVA_INT, s, next[s]++);
                    nSeq.setAtIndex(JAVA_INT, s, 1);
                    seqPtrs.setAtIndex(ADDRESS, s, seqIds.asSlice(4L * s, 4));
                    outputs.set(JAVA_BYTE, s, (byte) 1);
                }
                LlamaNative.fillBatch(batch, k, tokens, pos, nSeq, seqPtrs, outputs);
                long t = System.nanoTime();
                int rc = nat.decode(context, batch);
                if (rc != 0) {
                    throw new IllegalStateException("llama_decode returned " + rc);
                }
                return System.nanoTime() - t;
            };
            int[] ks = {1, 2, 4};
            List<List<Long>> times = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
            step.applyAsLong(4);
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < ks.length; i++) {
                    int j = r % 2 == 0 ? i : ks.length - 1 - i;
                    for (int rep = 0; rep < 8; rep++) {
                        if (next[0] >= ctx - 1) {
                            for (int s = 0; s < 4; s++) {
                                nat.kvSeqRemove(context, s, -1, -1);
                                next[s] = 0;
                            }
                        }
                        times.get(j).add(step.applyAsLong(ks[j]));
                    }
                }
            }
            double base = 0;
            double baseQ1 = 0;
            for (int j = 0; j < ks.length; j++) {
                long[] v = times.get(j).stream().mapToLong(Long::longValue).sorted().toArray();
                double med = v[v.length / 2] / 1e6;
                double q1 = v[v.length / 4] / 1e6;
                double agg = ks[j] * 1000 / med;
                double aggQ1 = ks[j] * 1000 / q1;
                if (j == 0) {
                    base = agg;
                    baseQ1 = aggQ1;
                }
                System.out.printf(Locale.ROOT, "raw llama_decode, %d token%s per step: median step %.1f ms (%.2f tok/s, %.2fx), "
                        + "first quartile %.1f ms (%.2f tok/s, %.2fx), %d steps%n", ks[j], ks[j] == 1 ? " " : "s", med, agg,
                        agg / base, q1, aggQ1, aggQ1 / baseQ1, v.length);
            }
        } finally {
            nat.freeContext(context);
            nat.freeModel(m.pointer());
        }
    }

    /** One round of {@code streams} concurrent generations; their aggregate decode tokens per second. */
    private static double round(LoadedModel model, int streams, int tokens, List<Long> gaps) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(streams);
        try {
            CountDownLatch go = new CountDownLatch(1);
            long[] first = new long[streams];
            long[] last = new long[streams];
            List<List<Long>> streamGaps = new ArrayList<>();
            for (int s = 0; s < streams; s++) {
                streamGaps.add(new ArrayList<>());
            }
            List<Future<GenerationResult>> futures = new ArrayList<>();
            for (int s = 0; s < streams; s++) {
                int k = s;
                futures.add(pool.submit(() -> {
                    go.await();
                    GenerationRequest req = GenerationRequest.ofText(PROMPTS.get(k % PROMPTS.size()), tokens, List.of(),
                            SamplingParams.greedy()).ignoringEndOfGeneration();
                    return model.generate(req).stream(piece -> {
                        long now = System.nanoTime();
                        if (first[k] == 0) {
                            first[k] = now;
                        } else {
                            streamGaps.get(k).add(now - last[k]);
                        }
                        last[k] = now;
                    });
                }));
            }
            go.countDown();
            long generated = 0;
            for (int s = 0; s < streams; s++) {
                GenerationResult r = futures.get(s).get();
                if (r.finishReason() != FinishReason.LENGTH || r.usage().completionTokens() != tokens) {
                    throw new IllegalStateException("expected " + tokens + " tokens, got " + r.usage().completionTokens()
                            + " (" + r.finishReason().word() + ")");
                }
                generated += tokens - 1;
            }
            streamGaps.forEach(gaps::addAll);
            long start = Arrays.stream(first).min().orElseThrow();
            long end = Arrays.stream(last).max().orElseThrow();
            return generated * 1e9 / (end - start);
        } finally {
            pool.shutdownNow();
        }
    }

    private static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    private static long medianLong(List<Long> v) {
        long[] a = v.stream().mapToLong(Long::longValue).sorted().toArray();
        return a[a.length / 2];
    }

    private static String fmt(List<Double> v) {
        StringBuilder b = new StringBuilder("[");
        for (double d : v) {
            b.append(b.length() > 1 ? " " : "").append(String.format(Locale.ROOT, "%.2f", d));
        }
        return b.append("]").toString();
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (Exception e) {
            return "unknown";
        }
    }
}
