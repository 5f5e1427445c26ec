package io.jknife.java.model;

import io.jknife.formats.FormatException;
import io.jknife.java.weights.Kernels;
import io.jknife.java.weights.MappedModel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A GGUF model ready to run: its mapped weights, config, kernels and one {@link Transformer}
 * (with its KV cache). {@link #close()} unmaps the weights and stops the kernels' threads.
 */
public final class Model implements AutoCloseable {
    /** Prompt tokens per batch: enough to reuse each weight row many times, small enough for the scratch memory. */
    public static final int DEFAULT_BATCH = 32;

    private final MappedModel mapped;
    private final ModelConfig config;
    private final Kernels kernels;
    private final Transformer transformer;

    private Model(MappedModel mapped, ModelConfig config, Kernels kernels, Transformer transformer) {
        this.mapped = mapped;
        this.config = config;
        this.kernels = kernels;
        this.transformer = transformer;
    }

    /**
     * Maps {@code parts} and prepares a context of {@code contextSize} tokens (0: the model's own).
     * Takes ownership of {@code kernels}: closed with the model, or on failure.
     */
    public static Model load(List<Path> parts, Kernels kernels, int contextSize, int maxBatch) throws IOException {
        MappedModel mapped = null;
        try {
            mapped = MappedModel.open(parts);
            ModelConfig config = ModelConfig.from(mapped.metadata());
            int ctx = contextSize > 0 ? contextSize : config.contextLength();
            if (ctx <= 0) {
                throw new FormatException("context size must be positive");
            }
            ModelWeights weights = ModelWeights.load(mapped, config, kernels, ctx);
            Transformer t = new Transformer(config, weights, kernels, ctx, Math.max(1, maxBatch));
            return new Model(mapped, config, kernels, t);
        } catch (IOException | RuntimeException | OutOfMemoryError e) {
            kernels.close();
            if (mapped != null) {
                mapped.close();
            }
            throw e;
        }
    }

    public ModelConfig config() {
        return config;
    }

    public Transformer transformer() {
        return transformer;
    }

    public MappedModel mapped() {
        return mapped;
    }

    public Kernels kernels() {
        return kernels;
    }

    @Override
    public void close() {
        kernels.close();
        mapped.close();
    }
}
