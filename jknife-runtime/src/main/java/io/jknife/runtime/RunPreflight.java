package io.jknife.runtime;

import io.jknife.store.ModelInfo;
import io.jknife.store.policy.EngineRegistry;
import io.jknife.store.probe.Capability;
import io.jknife.store.probe.ModelType;

import java.util.Optional;

/**
 * Checks before anything loads whether a text request can run on a model, from the probe and the
 * routing decision alone (reference backends.md §1.15, applied to every model wherever it lives).
 * A vision-capable model with a text-only prompt runs as text.
 */
public final class RunPreflight {
    /** What each engine declares it can do ({@code engines.json}'s {@code capabilities}). */
    private static final EngineRegistry ENGINES = EngineRegistry.builtIn();

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

    /**
     * Why {@code spec} cannot answer a prompt with images, or empty when it can: it must answer text
     * and declare vision in its own metadata (a vision tower in config.json, an mmproj file beside a GGUF).
     */
    public static Optional<String> checkImages(String spec, ModelInfo m) {
        Optional<String> text = check(spec, m);
        if (text.isPresent()) {
            return text;
        }
        if (!m.capabilities().contains(Capability.VISION)) {
            return Optional.of("Model '" + spec + "' cannot see images: it is a text-only model (no vision tower"
                    + " or mmproj projector in its files). Choose a vision model, or leave out --image.");
        }
        boolean engineSees = ENGINES.engines().stream()
                .anyMatch(e -> e.id().equals(m.engine()) && e.capabilities().contains("vision"));
        if (!engineSees) {
            return Optional.of("Model '" + spec + "' has a vision tower, but the engine it runs on (" + m.engine()
                    + ") takes no images; the Java engine sees for llava and gemma3 models.");
        }
        return Optional.empty();
    }
}
