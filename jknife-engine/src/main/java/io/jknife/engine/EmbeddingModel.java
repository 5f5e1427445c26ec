package io.jknife.engine;

import java.util.List;

/**
 * The embedding facet of a loaded model (see {@link LoadedModel#embeddings()}): turns texts into
 * one vector each, pooled and normalized the way the model declares. Safe to call from several
 * threads; calls are serialized by the engine.
 */
public interface EmbeddingModel {
    /** The width of every vector. */
    int dimensions();

    /** The most tokens one input may have (the context, or the batch the engine can encode at once). */
    int maxInputTokens();

    /**
     * Embeds each input in order; several inputs may share one engine call.
     *
     * @throws IllegalArgumentException when an input is empty or longer than {@link #maxInputTokens()} (the message says which and both lengths)
     * @throws EngineException          when the engine fails
     */
    List<Embedding> embed(List<String> inputs) throws EngineException;

    /**
     * One input's vector.
     *
     * @param vector the embedding, L2-normalized (unit length) unless the model's pooling yields no single vector
     * @param tokens tokens of the input, special tokens the model adds included
     */
    record Embedding(float[] vector, int tokens) {
    }
}
