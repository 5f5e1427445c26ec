package io.jknife.llamacpp.bench;

import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.LlamaOutput;
import de.kherud.llama.ModelParameters;
import de.kherud.llama.args.Sampler;
import io.jknife.engine.FinishReason;
import io.jknife.engine.GenerationRequest;
import io.jknife.engine.GenerationResult;
import io.jknife.engine.LoadOptions;
import io.jknife.engine.LoadedModel;
import io.jknife.engine.SamplingParams;
import io.jknife.formats.GgmlType;
import io.jknife.llamacpp.LlamaCppEngine;
import io.jknife.llamacpp.ffi.LlamaNative;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Decode speed through jknife's engine interface ({@code LoadedModel.generate(...).stream(...)})
 * against the {@code de.kherud:llama} binding's own Java API on the same model file, in the same
 * JVM, with the same native library, threads and context: runs alternate between the two, and the
 * medians, their ratio and the median of the per-pair ratios are reported (a pair is one run of each,
 * back to back, the order alternating: on a shared machine that cancels slow drifts of the load). As a
 * measure that bursts of load on a busy machine barely move, the median gap between consecutive
 * streamed pieces over all tokens of all runs is reported too (both sides stream one piece per
 * token: same model, same greedy tokens).
 *
 * <p>Both decode greedily (the binding with only its temperature sampler, at 0) from a short
 * prompt; decode speed is (tokens − 1) / (time from the first generated token to the last), the
 * first token being the prompt's. The model is {@link SyntheticLlama} (Llama 3.2 1B shapes),
 * written once per weight type into {@code --dir}.
 *
 * <pre>
 * DecodeBench [--dir DIR] [--types Q4_0,Q8_0] [--tokens 64] [--reps 15] [--threads 2] [--ctx 512] [--prompt TEXT]
 * </pre>
 * Run with {@code --enable-native-access=ALL-UNNAMED}. Writes progress to stderr, results to stdout.
 */
public final class DecodeBench {
    private static final String DEFAULT_PROMPT = "The quick brown fox jumps over the lazy dog. Once upon a time";

    private DecodeBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of("target/bench-models");
        List<GgmlType> types = List.of(GgmlType.Q4_0, GgmlType.Q8_0);
        int tokens = 64;
        int reps = 15;
        int threads = 2;
        int ctx = 512;
        String prompt = DEFAULT_PROMPT;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--dir" -> dir = Path.of(args[++i]);
                case "--types" -> types = java.util.Arrays.stream(args[++i].split(","))
                        .map(t -> GgmlType.fromName(t.strip()).orElseThrow(() -> new IllegalArgumentException("unknown type " + t)))
                        .toList();
                case "--tokens" -> tokens = Integer.parseInt(args[++i]);
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--ctx" -> ctx = Integer.parseInt(args[++i]);
                case "--prompt" -> prompt = args[++i];
                default -> {
                    System.err.println("usage: DecodeBench [--dir DIR] [--types Q4_0,Q8_0] [--tokens N] [--reps N] "
                            + "[--threads N] [--ctx N] [--prompt TEXT]");
                    System.exit(2);
                }
            }
        }
        prepareBinding();
        System.out.println(machine(threads));
        System.out.printf(Locale.ROOT, "decode: %d tokens after a %d-character prompt, greedy, %d threads, ctx %d, %d pairs of runs%n",
                tokens, prompt.length(), threads, ctx, reps);
        for (GgmlType type : types) {
            Path model = dir.resolve("synthetic-llama-1b-shape-" + type.name() + ".gguf");
            if (!Files.isRegularFile(model)) {
                System.err.println("writing " + model + " ...");
                long t = System.nanoTime();
                SyntheticLlama.writeIfMissing(model, type);
                System.err.printf(Locale.ROOT, "written in %.1f s (%.2f GB)%n", (System.nanoTime() - t) / 1e9, Files.size(model) / 1e9);
            }
            run(model, type, tokens, reps, threads, ctx, prompt);
        }
        // the binding's server thread is a non-daemon native thread: the JVM would not exit by itself
        System.exit(0);
    }

    private static void run(Path file, GgmlType type, int tokens, int reps, int threads, int ctx, String prompt)
            throws Exception {
        LlamaCppEngine engine = new LlamaCppEngine();
        try (LoadedModel ours = engine.loadFile(file, new LoadOptions(ctx, threads));
             LlamaModel binding = new LlamaModel(new ModelParameters().setModel(file.toString()).setCtxSize(ctx)
                     .setThreads(threads).setThreadsBatch(threads).setParallel(1).disableLog())) {
            // warm up both (page the weights in, settle the CPU)
            engineRun(ours, prompt, 8, new ArrayList<>());
            bindingRun(binding, prompt, 8, new ArrayList<>());
            List<Double> engineRates = new ArrayList<>();
            List<Double> bindingRates = new ArrayList<>();
            List<Double> pairRatios = new ArrayList<>();
            List<Long> engineGaps = new ArrayList<>();
            List<Long> bindingGaps = new ArrayList<>();
            String loadBefore = loadAverage();
            for (int r = 0; r < reps; r++) {
                // a pair runs back to back, the order alternating, so that load drifts hit both alike
                double engineRate;
                double bindingRate;
                if (r % 2 == 0) {
                    engineRate = engineRun(ours, prompt, tokens, engineGaps);
                    bindingRate = bindingRun(binding, prompt, tokens, bindingGaps);
                } else {
                    bindingRate = bindingRun(binding, prompt, tokens, bindingGaps);
                    engineRate = engineRun(ours, prompt, tokens, engineGaps);
                }
                engineRates.add(engineRate);
                bindingRates.add(bindingRate);
                pairRatios.add(engineRate / bindingRate);
                System.err.printf(Locale.ROOT, "%s pair %d: engine %.2f tok/s, binding %.2f tok/s%n", type, r + 1,
                        engineRate, bindingRate);
            }
            double e = median(engineRates);
            double b = median(bindingRates);
            System.out.printf(Locale.ROOT, "%-5s engine interface: median %.2f tok/s %s%n", type, e, fmt(engineRates));
            System.out.printf(Locale.ROOT, "%-5s direct binding:   median %.2f tok/s %s%n", type, b, fmt(bindingRates));
            System.out.printf(Locale.ROOT, "%-5s engine/binding: ratio of medians %.1f %%, median of pair ratios %.1f %% "
                    + "(load average before %s, after %s)%n", type, 100 * e / b, 100 * median(pairRatios), loadBefore,
                    loadAverage());
            double eTok = 1e9 / medianLong(engineGaps);
            double bTok = 1e9 / medianLong(bindingGaps);
            System.out.printf(Locale.ROOT, "%-5s per-token median (all %d tokens of each side): engine %.2f tok/s, binding %.2f tok/s, "
                    + "ratio %.1f %%%n", type, engineGaps.size(), eTok, bTok, 100 * eTok / bTok);
        }
    }

    /**
     * Tokens per second of one generation through the engine interface; adds the gaps between
     * consecutive streamed pieces (one per token here) to {@code gaps}.
     */
    private static double engineRun(LoadedModel model, String prompt, int tokens, List<Long> gaps) {
        long[] last = {-1};
        GenerationResult r = model.generate(GenerationRequest.ofText(prompt, tokens, List.of(), SamplingParams.greedy()))
                .stream(piece -> last[0] = gap(last[0], gaps));
        if (r.finishReason() != FinishReason.LENGTH || r.usage().completionTokens() != tokens) {
            throw new IllegalStateException("expected " + tokens + " tokens, got " + r.usage().completionTokens()
                    + " (" + r.finishReason().word() + ")");
        }
        return (tokens - 1) * 1000.0 / r.usage().generationMillis();
    }

    /** Tokens per second of one generation through the binding's Java API (its streaming iterator); gaps as above. */
    private static double bindingRun(LlamaModel model, String prompt, int tokens, List<Long> gaps) {
        InferenceParameters p = new InferenceParameters(prompt).setNPredict(tokens).setTemperature(0f)
                .setSamplers(Sampler.TEMPERATURE);
        long first = -1;
        int outputs = 0;
        long last = -1;
        for (LlamaOutput o : model.generate(p)) {
            if (first < 0) {
                first = System.nanoTime();
            }
            outputs++;
            if (!o.text.isEmpty()) {
                last = gap(last, gaps);
            }
        }
        long end = System.nanoTime();
        if (outputs < 2) {
            throw new IllegalStateException("the binding produced " + outputs + " outputs");
        }
        // the binding does not say how many tokens it made; the model cannot stop early (see SyntheticLlama)
        return (tokens - 1) * 1e9 / (end - first);
    }

    /**
     * Lets the binding's loader use the library the engine already extracted, without printing to
     * stdout and without deleting files in java.io.tmpdir (both of which its loader does otherwise).
     */
    private static void prepareBinding() throws IOException {
        Path lib = LlamaNative.get().libraryFile();
        System.setProperty("de.kherud.llama.lib.path", lib.getParent().toString());
        Path tmp = Files.createTempDirectory("jknife-bench-llama");
        tmp.toFile().deleteOnExit();
        System.setProperty("de.kherud.llama.tmpdir", tmp.toString());
    }

    private static String machine(int threads) {
        String cpu = "unknown CPU";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse(cpu);
        } catch (IOException | RuntimeException e) {
            // not Linux: leave it unknown
        }
        long memKb = 0;
        try {
            memKb = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
                    .findFirst().map(l -> Long.parseLong(l.replaceAll("\\D", ""))).orElse(0L);
        } catch (IOException | RuntimeException e) {
            // unknown
        }
        return String.format(Locale.ROOT, "machine: %s, %d cores, %.0f GiB; JDK %s; llama.cpp b4916 (de.kherud:llama 4.2.0, CPU)",
                cpu, Runtime.getRuntime().availableProcessors(), memKb / 1048576.0, Runtime.version());
    }

    /** Records the time since {@code last} (when there was one) and returns now. */
    private static long gap(long last, List<Long> gaps) {
        long now = System.nanoTime();
        if (last >= 0) {
            gaps.add(now - last);
        }
        return now;
    }

    private static double medianLong(List<Long> v) {
        List<Long> s = new ArrayList<>(v);
        s.sort(null);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2.0;
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    private static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.sort(null);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    private static String fmt(List<Double> v) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < v.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.2f", v.get(i)));
        }
        return sb.append(")").toString();
    }
}
