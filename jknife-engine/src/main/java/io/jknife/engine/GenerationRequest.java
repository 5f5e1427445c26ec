package io.jknife.engine;

import java.util.List;

/**
 * One generation: a prompt already formatted (chat templates are rendered by the caller, so every
 * engine formats chats the same way) or given as token ids, with limits and sampling.
 *
 * @param prompt       the prompt text, special tokens written out (e.g. {@code <|eot_id|>}); null when {@code promptTokens} is given
 * @param promptTokens the prompt as token ids; null when {@code prompt} is given
 * @param maxTokens    the most tokens to generate (> 0)
 * @param stops        stop strings: generation ends before any of them, which is not returned
 * @param sampling     sampling settings
 */
public record GenerationRequest(String prompt, int[] promptTokens, int maxTokens, List<String> stops, SamplingParams sampling) {
    public GenerationRequest {
        if ((prompt == null) == (promptTokens == null)) {
            throw new IllegalArgumentException("give exactly one of prompt and promptTokens");
        }
        if (maxTokens <= 0) {
            throw new IllegalArgumentException("maxTokens must be > 0, got " + maxTokens);
        }
        stops = stops == null ? List.of() : List.copyOf(stops);
        if (sampling == null) {
            sampling = SamplingParams.defaults();
        }
    }

    public static GenerationRequest ofText(String prompt, int maxTokens, List<String> stops, SamplingParams sampling) {
        return new GenerationRequest(prompt, null, maxTokens, stops, sampling);
    }

    public static GenerationRequest ofTokens(int[] tokens, int maxTokens, List<String> stops, SamplingParams sampling) {
        return new GenerationRequest(null, tokens.clone(), maxTokens, stops, sampling);
    }
}
