package io.jknife.bench.engine;

import io.jknife.bench.json.Num;
import io.jknife.bench.system.PeakRss;
import io.jknife.engine.EngineException;
import io.jknife.engine.GenerationRequest;
import io.jknife.engine.GenerationResult;
import io.jknife.engine.LoadedModel;
import io.jknife.engine.SamplingParams;
import io.jknife.engine.Usage;

import java.util.ArrayList;
import java.util.List;

/**
 * The engine benchmark behind {@code bench run}: loads a model with one engine, then repeats a
 * prefill of a fixed number of prompt tokens followed by greedy decoding, all through the engine
 * interface, so every engine is measured the same way. One warm-up pass runs first and is not counted.
 */
public final class EngineBench {
    /** Loads the model with the engine under test. */
    @FunctionalInterface
    public interface Loader {
        LoadedModel load() throws EngineException;
    }

    /**
     * @param promptTokens tokens of prompt prefilled per repetition
     * @param genTokens    tokens to decode per repetition (fewer when the model ends its answer)
     * @param repeat       counted repetitions
     */
    public record Plan(int promptTokens, int genTokens, int repeat) {
        public Plan {
            if (promptTokens < 1 || genTokens < 1 || repeat < 1) {
                throw new IllegalArgumentException("--prompt-tokens, --gen-tokens and --repeat must be at least 1");
            }
        }
    }

    /** The median and spread of one measure over the repetitions. */
    public record Stat(double median, double min, double max) {
        static Stat of(List<Double> values) {
            return values.isEmpty() ? null : new Stat(Num.median(values), Num.min(values), Num.max(values));
        }
    }

    /**
     * One engine's numbers.
     *
     * @param loadMillis       time to load the model (until it can answer)
     * @param backgroundMillis time after that until the engine's background work on the model ended
     *                         (the Java engine repacking its weights; 0 without); the rates are measured after it
     * @param prefillTps       prompt tokens per second
     * @param decodeTps        generated tokens per second
     * @param ttftMillis       time to the first generated token (prefill plus one decode step)
     * @param firstTtftMillis  the same for the first request after the load (the uncounted warm-up):
     *                         what a user's first prompt waits, code not yet compiled by a JIT included
     * @param generatedTokens  tokens actually generated per repetition (median)
     * @param peakRssBytes     peak resident memory while loaded and running, or null where unknown
     */
    public record Result(String engine, double loadMillis, double backgroundMillis, int promptTokens, Stat prefillTps, Stat decodeTps, Stat ttftMillis,
                         double firstTtftMillis, double generatedTokens, Long peakRssBytes) {
        /** Weight bytes read per second while decoding: each token reads every weight once. */
        public double impliedGbps(long weightBytes) {
            return decodeTps == null ? 0 : weightBytes * decodeTps.median() / 1e9;
        }
    }

    private EngineBench() {
    }

    public static Result run(String engine, Loader loader, Plan plan) throws EngineException {
        PeakRss.reset();
        long t0 = System.nanoTime();
        try (LoadedModel model = loader.load()) {
            double loadMillis = (System.nanoTime() - t0) / 1e6;
            long t1 = System.nanoTime();
            try {
                model.awaitBackgroundWork();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EngineException("interrupted while " + engine + " finished loading", e);
            }
            double backgroundMillis = (System.nanoTime() - t1) / 1e6;
            if (plan.promptTokens() + plan.genTokens() > model.contextSize()) {
                throw new EngineException("--prompt-tokens plus --gen-tokens (" + (plan.promptTokens() + plan.genTokens())
                        + ") do not fit the context of " + model.contextSize() + " tokens");
            }
            // warm-up: JIT, caches, page-in of the mapped weights; its time to the first token is reported apart
            double firstTtft = ttft(model.generate(request(model, plan, 0)).collect().usage());
            List<Double> prefill = new ArrayList<>();
            List<Double> decode = new ArrayList<>();
            List<Double> ttft = new ArrayList<>();
            List<Double> generated = new ArrayList<>();
            int promptLength = 0;
            for (int i = 0; i < plan.repeat(); i++) {
                GenerationRequest request = request(model, plan, i + 1);
                promptLength = request.promptTokens().length;
                GenerationResult r = model.generate(request).collect();
                Usage u = r.usage();
                prefill.add(u.promptTokensPerSecond());
                if (u.completionTokens() > 1) {
                    decode.add(u.tokensPerSecond());
                }
                generated.add((double) u.completionTokens());
                ttft.add(ttft(u));
            }
            return new Result(engine, loadMillis, backgroundMillis, promptLength, Stat.of(prefill), Stat.of(decode), Stat.of(ttft),
                    firstTtft, Stat.of(generated).median(), PeakRss.bytes());
        }
    }

    /** The prompt's time plus one decode step. */
    private static double ttft(Usage u) {
        return u.promptMillis() + (u.completionTokens() > 0 ? u.generationMillis() / u.completionTokens() : 0);
    }

    /**
     * One repetition's request: exactly {@code promptTokens} tokens of ordinary text, starting at a
     * different word each repetition so that no engine can reuse the previous prompt's KV cache,
     * and a fixed amount of work: the model's end-of-generation token does not end it.
     */
    static GenerationRequest request(LoadedModel model, Plan plan, int repetition) throws EngineException {
        String text = "The quick brown fox jumps over the lazy dog while the river runs past old stone houses. ";
        int[] unit = model.tokenize(text, false);
        if (unit.length == 0) {
            throw new EngineException("the model's tokenizer produced no tokens for plain text");
        }
        int[] out = new int[plan.promptTokens()];
        for (int i = 0; i < out.length; i++) {
            out[i] = unit[(i + repetition) % unit.length];
        }
        return GenerationRequest.ofTokens(out, plan.genTokens(), List.of(), SamplingParams.greedy()).ignoringEndOfGeneration();
    }
}
