package io.jknife.engine;

/**
 * Sampling settings shared by every engine. The same settings and seed give the same output.
 *
 * @param temperature   0 means greedy (always the most likely token)
 * @param topP          nucleus sampling mass, 1 disables it
 * @param topK          keep the k most likely tokens, 0 disables it
 * @param minP          drop tokens below minP × the top probability, 0 disables it
 * @param repeatPenalty penalty for tokens already in the recent context, 1 disables it
 * @param seed          random seed; the same seed gives the same output
 */
public record SamplingParams(double temperature, double topP, int topK, double minP, double repeatPenalty, long seed) {
    public static final long DEFAULT_SEED = 42;

    public SamplingParams {
        if (temperature < 0 || Double.isNaN(temperature)) {
            throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top-k must be >= 0, got " + topK);
        }
        if (!(minP >= 0 && minP < 1)) {
            throw new IllegalArgumentException("min-p must be in [0, 1), got " + minP);
        }
        if (!(repeatPenalty > 0)) {
            throw new IllegalArgumentException("repeat penalty must be > 0, got " + repeatPenalty);
        }
    }

    /** Defaults in line with llama.cpp and mlx-lm: temperature 0.7, top-p 0.95, top-k 40, min-p 0.05. */
    public static SamplingParams defaults() {
        return new SamplingParams(0.7, 0.95, 40, 0.05, 1.0, DEFAULT_SEED);
    }

    public static SamplingParams greedy() {
        return new SamplingParams(0, 1, 0, 0, 1.0, DEFAULT_SEED);
    }

    public boolean isGreedy() {
        return temperature == 0;
    }

    public SamplingParams withTemperature(double t) {
        return new SamplingParams(t, topP, topK, minP, repeatPenalty, seed);
    }

    public SamplingParams withTopP(double p) {
        return new SamplingParams(temperature, p, topK, minP, repeatPenalty, seed);
    }

    public SamplingParams withTopK(int k) {
        return new SamplingParams(temperature, topP, k, minP, repeatPenalty, seed);
    }

    public SamplingParams withMinP(double p) {
        return new SamplingParams(temperature, topP, topK, p, repeatPenalty, seed);
    }

    public SamplingParams withRepeatPenalty(double r) {
        return new SamplingParams(temperature, topP, topK, minP, r, seed);
    }

    public SamplingParams withSeed(long s) {
        return new SamplingParams(temperature, topP, topK, minP, repeatPenalty, s);
    }
}
