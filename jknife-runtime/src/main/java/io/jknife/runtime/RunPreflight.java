package io.jknife.runtime;

import io.jknife.store.ModelInfo;
import io.jknife.store.probe.Capability;
import io.jknife.store.probe.ModelType;

import java.util.Optional;

/**
 * Checks before anything loads whether a text request can run on a model, from the probe and the
 * routing decision alone (reference backends.md §1.15, applied to every model wherever it lives).
 * A vision-capable model with a text-only prompt runs as text.
 */
public final class RunPreflight {
    private RunPreflight() {
    }

    /** Why {@code spec} cannot answer a text prompt, or empty when it can. */
    public static Optional<String> check(String spec, ModelInfo m) {
        if (!m.healthy()) {
            return Optional.of("Model '" + spec + "' is unhealthy: " + m.reason());
        }
        if (m.modelType() == ModelType.EMBEDDING || m.capabilities().contains(Capability.EMBEDDINGS)) {
            return Optional.of("Model '" + spec + "' is an embedding model — `jknife run` does not generate text; use `jknife embed` instead.");
        }
        if (m.modelType() == ModelType.AUDIO) {
            return Optional.of("Model '" + spec + "' is audio-only (speech to text). Use `--audio FILE` for transcription.");
        }
        if (!m.runtimeCompatible()) {
            return Optional.of("Model '" + spec + "' is not compatible: " + m.reason());
        }
        return Optional.empty();
    }
}
