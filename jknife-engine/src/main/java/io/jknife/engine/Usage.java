package io.jknife.engine;

/**
 * Token counts and timings of one generation.
 *
 * @param promptTokens     tokens of the prompt
 * @param completionTokens tokens generated
 * @param promptMillis     time to process the prompt (prefill), also the time to the first token
 * @param generationMillis time spent generating after the prompt (decode)
 */
public record Usage(int promptTokens, int completionTokens, double promptMillis, double generationMillis) {
    public int totalTokens() {
        return promptTokens + completionTokens;
    }

    /** Decode speed; 0 when nothing was generated. */
    public double tokensPerSecond() {
        return generationMillis > 0 && completionTokens > 0 ? completionTokens * 1000.0 / generationMillis : 0;
    }

    public double promptTokensPerSecond() {
        return promptMillis > 0 ? promptTokens * 1000.0 / promptMillis : 0;
    }
}
