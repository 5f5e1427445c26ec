package io.jknife.java.model;

import io.jknife.formats.FormatException;
import io.jknife.java.weights.Kernels;
import io.jknife.java.weights.MappedModel;
import io.jknife.java.weights.WeightSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A model ready to run: its mapped weights (GGUF or safetensors), config, kernels and one {@link Transformer}
 * (with its KV cache). {@link #close()} unmaps the weights and stops the kernels' threads.
 */
public final class Model implements AutoCloseable {
    /** Prompt tokens per batch: enough to reuse each weight row many times, small enough for the scratch memory. */
    public static final int DEFAULT_BATCH = 32;

    private final WeightSource weights;
    private final ModelConfig config;
    private final Kernels kernels;
    private final Transformer transformer;

    private Model(WeightSource weights, ModelConfig config, Kernels kernels, Transformer transformer) {
        this.weights = weights;
        this.config = config;
        this.kernels = kernels;
        this.transformer = transformer;
    }

    /**
     * Maps {@code parts} (a GGUF model) and prepares a context of {@code contextSize} tokens (0: the
     * model's own). Takes ownership of {@code kernels}: closed with the model, or on failure.
     */
    public static Model load(List<Path> parts, Kernels kernels, int contextSize, int maxBatch) throws IOException {
        MappedModel mapped;
        try {
            mapped = MappedModel.open(parts);
        } catch (IOException | RuntimeException e) {
            kernels.close();
            throw e;
        }
        return load(mapped, kernels, contextSize, maxBatch);
    }

    /**
     * Prepares {@code source}'s model with a context of {@code contextSize} tokens (0: the model's
     * own). Takes ownership of {@code source} and {@code kernels}: closed with the model, or on failure.
     */
    public static Model load(WeightSource source, Kernels kernels, int contextSize, int maxBatch) throws IOException {
        try {
            ModelConfig config = ModelConfig.from(source.metadata());
            if (source.halfSplitRotary() || source.queryScale().isPresent()) {
                config = config.withAttention(config.neoxRope() || source.halfSplitRotary(),
                        source.queryScale().orElse(config.queryScale()));
            }
            int ctx = contextSize > 0 ? contextSize : config.contextLength();
            if (ctx <= 0) {
                throw new FormatException("context size must be positive");
            }
            ModelWeights weights = ModelWeights.load(source, config, kernels, ctx);
            Transformer t = new Transformer(config, weights, kernels, ctx, Math.max(1, maxBatch));
            kernels.loaded();
            return new Model(source, config, kernels, t);
        } catch (IOException | RuntimeException | OutOfMemoryError e) {
            kernels.close();
            source.close();
            throw e;
        }
    }

    public ModelConfig config() {
        return config;
    }

    public Transformer transformer() {
        return transformer;
    }

    public Kernels kernels() {
        return kernels;
    }

    @Override
    public void close() {
        kernels.close();
        weights.close();
    }
}
