package io.jknife.java.weights;

import io.jknife.formats.FormatException;
import io.jknife.formats.gguf.GgufFile;

import java.util.Optional;

/**
 * A model's weights by llama.cpp's tensor names ({@code token_embd.weight}, {@code blk.0.attn_q.weight},
 * ...) and its hyper-parameters as GGUF metadata keys, whatever the files: a GGUF model
 * ({@link MappedModel}) or a Hugging Face safetensors one, plain or MLX-quantized
 * ({@link SafetensorsModel}, which translates names, config and conventions). The transformer
 * only ever sees this view. {@link #close()} unmaps the files.
 */
public interface WeightSource extends AutoCloseable {

    /** The hyper-parameters under GGUF keys ({@code general.architecture}, {@code llama.block_count}, ...). */
    GgufFile metadata();

    /**
     * Whether the query and key weights are stored for rotary pairs {@code (i, i + d/2)} (as
     * Hugging Face stores every family) rather than llama.cpp's {@code (2i, 2i + 1)} for llama,
     * whose converter permutes those rows.
     */
    boolean halfSplitRotary();

    /**
     * The query scale a Hugging Face config states ({@code query_pre_attn_scalar^-0.5}), where it
     * differs from the rule GGUF metadata implies.
     */
    default Optional<Float> queryScale() {
        return Optional.empty();
    }

    boolean has(String name);

    /** The matrix {@code name}, checked to be {@code rows × cols} ({@code rows < 0}: any row count). */
    StoredMatrix matrix(String name, int rows, int cols) throws FormatException;

    /** A small tensor (norm weights, biases, rope factors) as floats, checked to hold {@code n} values. */
    float[] floats(String name, int n) throws FormatException;

    default Optional<float[]> optionalFloats(String name, int n) throws FormatException {
        return has(name) ? Optional.of(floats(name, n)) : Optional.empty();
    }

    @Override
    void close();
}
