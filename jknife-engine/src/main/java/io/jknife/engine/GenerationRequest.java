package io.jknife.engine;

import io.jknife.vision.RgbImage;

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
 * @param grammar      a GBNF grammar (llama.cpp's dialect, root rule {@code root}) the output must
 *                     follow, or null; an engine that cannot apply it refuses the request
 *                     ({@link LoadedModel#supportsGrammar()})
 * @param ignoreEndOfGeneration end-of-generation tokens do not end the generation, so exactly
 *                     {@code maxTokens} are generated (benchmarks); they produce no text
 * @param images       the images of a text prompt, in order, one per {@link VisionInput#imagePlaceholder()}
 *                     the prompt holds (empty for none); an engine that cannot see refuses them
 *                     ({@link LoadedModel#vision()})
 */
public record GenerationRequest(String prompt, int[] promptTokens, int maxTokens, List<String> stops, SamplingParams sampling,
                                String grammar, boolean ignoreEndOfGeneration, List<RgbImage> images) {
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
        if (grammar != null && grammar.isBlank()) {
            grammar = null;
        }
        images = images == null ? List.of() : List.copyOf(images);
        if (!images.isEmpty() && prompt == null) {
            throw new IllegalArgumentException("images go with a text prompt, which places them");
        }
    }

    /** A request without images. */
    public GenerationRequest(String prompt, int[] promptTokens, int maxTokens, List<String> stops, SamplingParams sampling,
                             String grammar, boolean ignoreEndOfGeneration) {
        this(prompt, promptTokens, maxTokens, stops, sampling, grammar, ignoreEndOfGeneration, List.of());
    }

    /** A request without a grammar. */
    public GenerationRequest(String prompt, int[] promptTokens, int maxTokens, List<String> stops, SamplingParams sampling) {
        this(prompt, promptTokens, maxTokens, stops, sampling, null, false);
    }

    /** A request that ends at the model's end-of-generation tokens. */
    public GenerationRequest(String prompt, int[] promptTokens, int maxTokens, List<String> stops, SamplingParams sampling,
                             String grammar) {
        this(prompt, promptTokens, maxTokens, stops, sampling, grammar, false);
    }

    public static GenerationRequest ofText(String prompt, int maxTokens, List<String> stops, SamplingParams sampling) {
        return new GenerationRequest(prompt, null, maxTokens, stops, sampling, null, false);
    }

    public static GenerationRequest ofTokens(int[] tokens, int maxTokens, List<String> stops, SamplingParams sampling) {
        return new GenerationRequest(null, tokens.clone(), maxTokens, stops, sampling, null, false);
    }

    /** The same request constrained by a GBNF grammar (null removes the constraint). */
    public GenerationRequest withGrammar(String gbnf) {
        return new GenerationRequest(prompt, promptTokens, maxTokens, stops, sampling, gbnf, ignoreEndOfGeneration, images);
    }

    /** The same request generating exactly {@code maxTokens} tokens, past end-of-generation tokens. */
    public GenerationRequest ignoringEndOfGeneration() {
        return new GenerationRequest(prompt, promptTokens, maxTokens, stops, sampling, grammar, true, images);
    }

    /** The same request with {@code images} for the prompt's image placeholders. */
    public GenerationRequest withImages(List<RgbImage> images) {
        return new GenerationRequest(prompt, promptTokens, maxTokens, stops, sampling, grammar, ignoreEndOfGeneration, images);
    }
}
