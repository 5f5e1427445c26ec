package io.jknife.java.bench;

import io.jknife.engine.EngineCatalog;
import io.jknife.engine.GenerationRequest;
import io.jknife.engine.GenerationResult;
import io.jknife.engine.LoadOptions;
import io.jknife.engine.LoadedModel;
import io.jknife.engine.SamplingParams;
import io.jknife.engine.TextEngine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Decode and prefill speed of the Java engine against the llama.cpp engine, both loaded through
 * {@link TextEngine} (found with {@link EngineCatalog}), on the same GGUF files in the same JVM:
 * runs alternate between the engines and the medians are reported. The models are the 1B-shaped
 * Llama GGUFs that {@code jknife-llamacpp}'s {@code SyntheticLlama} writes (Q4_0 and Q8_0 by default,
 * {@code synthetic-llama-1b-shape-TYPE.gguf} in {@code --dir}).
 *
 * <pre>
 * JavaDecodeBench [--dir DIR] [--types Q4_0,Q8_0] [--tokens 64] [--reps 5] [--threads 2] [--ctx 512]
 *                 [--prompt-tokens 128] [--engines java,llama.cpp] [--idle-after-load]
 * </pre>
 * {@code --idle-after-load} loads as an interactive chat does ({@link LoadOptions#withIdleAfterLoad()}:
 * the repack and the warm-up — kernels, then one short generation — after the load, which the
 * benchmark waits for); the warm-up round ("rep -1") then shows what a first prompt costs.
 * Needs {@code --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED}. Progress on
 * stderr, results on stdout.
 */
public final class JavaDecodeBench {
    private JavaDecodeBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of("jknife-llamacpp/target/bench-models");
        List<String> types = List.of("Q4_0", "Q8_0");
        List<String> engines = List.of("java", "llama.cpp");
        int tokens = 64;
        int reps = 5;
        int threads = 2;
        int ctx = 512;
        int promptTokens = 128;
        boolean idle = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--dir" -> dir = Path.of(args[++i]);
                case "--types" -> types = List.of(args[++i].split(","));
                case "--engines" -> engines = List.of(args[++i].split(","));
                case "--tokens" -> tokens = Integer.parseInt(args[++i]);
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--ctx" -> ctx = Integer.parseInt(args[++i]);
                case "--prompt-tokens" -> promptTokens = Integer.parseInt(args[++i]);
                case "--idle-after-load" -> idle = true;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        EngineCatalog catalog = EngineCatalog.discover();
        System.out.printf(Locale.ROOT, "cpus=%d threads=%d tokens=%d prompt=%d reps=%d%n",
                Runtime.getRuntime().availableProcessors(), threads, tokens, promptTokens, reps);
        for (String type : types) {
            Path file = dir.resolve("synthetic-llama-1b-shape-" + type + ".gguf");
            if (!Files.isRegularFile(file)) {
                System.err.println("missing " + file + " (scripts/bench-decode.sh writes it)");
                continue;
            }
            List<LoadedModel> models = new ArrayList<>();
            List<double[]> decode = new ArrayList<>();
            List<double[]> prefill = new ArrayList<>();
            try {
                for (String id : engines) {
                    TextEngine e = catalog.get(id).orElseThrow(() -> new IllegalStateException("no engine " + id));
                    long t0 = System.nanoTime();
                    LoadOptions options = new LoadOptions(ctx, threads);
                    LoadedModel loaded = e.loadFile(file, idle ? options.withIdleAfterLoad() : options);
                    models.add(loaded);
                    long t1 = System.nanoTime();
                    loaded.awaitBackgroundWork(); // measure at full speed
                    System.out.printf(Locale.ROOT, "%s %s: loaded in %.0f ms (+%.0f ms of background work)%n", type, id,
                            (t1 - t0) / 1e6, (System.nanoTime() - t1) / 1e6);
                    decode.add(new double[reps]);
                    prefill.add(new double[reps]);
                }
                int[] prompt = prompt(promptTokens);
                int[] shortPrompt = Arrays.copyOf(prompt, 8);
                for (int r = -1; r < reps; r++) { // one warm-up round
                    for (int k = 0; k < models.size(); k++) {
                        int m = (r & 1) == 0 ? k : models.size() - 1 - k; // alternate the order
                        LoadedModel model = models.get(m);
                        // prefill: the long prompt, one generated token; decode: a short prompt, many tokens
                        GenerationResult p = model.generate(GenerationRequest.ofTokens(prompt, 1, List.of(),
                                SamplingParams.greedy())).collect();
                        GenerationResult d = model.generate(GenerationRequest.ofTokens(shortPrompt(shortPrompt, r), tokens,
                                List.of(), SamplingParams.greedy())).collect();
                        if (r >= 0) {
                            prefill.get(m)[r] = p.usage().promptTokensPerSecond();
                            decode.get(m)[r] = (d.usage().completionTokens() - 1) * 1000.0 / d.usage().generationMillis();
                        }
                        System.err.printf(Locale.ROOT, "  %s %s rep %d: decode %.2f tok/s (%d tokens), prefill %.1f tok/s%n",
                                type, engines.get(m), r, (d.usage().completionTokens() - 1) * 1000.0 / d.usage().generationMillis(),
                                d.usage().completionTokens(), p.usage().promptTokensPerSecond());
                    }
                }
                for (int m = 0; m < models.size(); m++) {
                    System.out.printf(Locale.ROOT, "%s %-9s decode %6.2f tok/s  prefill %7.1f tok/s  (medians of %d;"
                                    + " best %.2f / %.1f)%n", type, engines.get(m), median(decode.get(m)),
                            median(prefill.get(m)), reps, best(decode.get(m)), best(prefill.get(m)));
                }
                if (models.size() == 2) {
                    // on a shared machine the best repetition is the least disturbed one: both ratios
                    System.out.printf(Locale.ROOT, "%s ratio %s/%s: decode %.2f, prefill %.2f (best: %.2f, %.2f)%n", type,
                            engines.get(0), engines.get(1), median(decode.get(0)) / median(decode.get(1)),
                            median(prefill.get(0)) / median(prefill.get(1)),
                            best(decode.get(0)) / best(decode.get(1)), best(prefill.get(0)) / best(prefill.get(1)));
                }
            } finally {
                for (LoadedModel m : models) {
                    m.close();
                }
            }
        }
    }

    /** A short prompt that differs per round, so that no engine reuses a cached one. */
    private static int[] shortPrompt(int[] base, int round) {
        int[] p = base.clone();
        p[p.length - 1] = 300 + ((round + 1) & 0xFF);
        return p;
    }

    /** Letter-pair tokens of the synthetic vocabulary (ids 256..931), a fixed pseudo-random sequence. */
    private static int[] prompt(int n) {
        int[] p = new int[n];
        long s = 12345;
        for (int i = 0; i < n; i++) {
            s = s * 6364136223846793005L + 1442695040888963407L;
            p[i] = 256 + (int) ((s >>> 33) % 676);
        }
        return p;
    }

    private static double best(double[] v) {
        return Arrays.stream(v).max().orElse(0);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length == 0 ? 0 : s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
