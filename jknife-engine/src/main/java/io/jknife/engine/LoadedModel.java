package io.jknife.engine;

import java.util.List;

/**
 * A model loaded by an engine. One generation at a time per loaded model; callers serialize.
 * {@link #close()} frees all memory, native memory included.
 */
public interface LoadedModel extends AutoCloseable {
    /** The engine's id, as the routing policy names it. */
    String engine();

    /** The context size actually allocated, in tokens. */
    int contextSize();

    /** Token ids of {@code text}; {@code parseSpecial}: written special tokens become their ids. */
    int[] tokenize(String text, boolean parseSpecial);

    /** Text of token ids (special tokens rendered as their text). */
    String detokenize(int[] tokens);

    /** Prepares a generation; nothing runs until {@link Generation#stream}. */
    Generation generate(GenerationRequest request);

    /** The end-of-generation token ids the engine stops on. */
    List<Integer> endOfGenerationTokens();

    @Override
    void close();
}
