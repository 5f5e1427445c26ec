package io.jknife.whisper;

import io.jknife.engine.TranscriptionRequest;
import io.jknife.store.ModelInfo;
import io.jknife.store.probe.Capability;
import io.jknife.store.probe.ModelType;

import java.util.Optional;

/**
 * Checks before anything loads whether a speech-to-text request can run on a model, from the
 * probe and the routing decision alone: used by {@code run --audio} and the server's audio
 * endpoints, so both refuse with the same words.
 */
public final class SpeechPreflight {
    private SpeechPreflight() {
    }

    /** Why {@code spec} cannot serve {@code request}, or empty when it can. */
    public static Optional<String> check(String spec, ModelInfo m, TranscriptionRequest request) {
        if (!m.healthy()) {
            return Optional.of("Model '" + spec + "' is unhealthy: " + m.reason());
        }
        if (m.modelType() != ModelType.AUDIO || !m.capabilities().contains(Capability.AUDIO)) {
            return Optional.of("Model '" + spec + "' is not a speech-to-text model (model_type " + m.modelType()
                    + ", capabilities " + m.capabilities() + "); transcription needs a whisper.cpp GGML model");
        }
        if (!m.runtimeCompatible()) {
            return Optional.of("Model '" + spec + "' is not compatible: " + m.reason());
        }
        Optional<WhisperTraits> traits = m.probe() == null ? Optional.empty() : WhisperTraits.of(m.probe());
        if (traits.isEmpty()) {
            return Optional.empty(); // another speech engine: it checks the request itself
        }
        String why = traits.get().languageRefusal(request.language());
        if (why != null) {
            return Optional.of("Model '" + spec + "': " + why);
        }
        if (request.translate() && traits.get().translateRefusal() != null) {
            return Optional.of("Model '" + spec + "' cannot translate: " + traits.get().translateRefusal());
        }
        return Optional.empty();
    }
}
