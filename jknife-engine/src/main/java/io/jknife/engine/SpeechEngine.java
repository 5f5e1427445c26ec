package io.jknife.engine;

import io.jknife.store.ModelEntry;
import io.jknife.store.probe.ModelProbe;

/**
 * A speech-to-text engine: loads models the routing policy sent to it. Found by
 * {@link SpeechEngineCatalog} with {@link java.util.ServiceLoader} under the id the policy picked
 * ({@code META-INF/services/io.jknife.engine.SpeechEngine}).
 */
public interface SpeechEngine {
    /** The id in the engine registry ({@code engines.json}), e.g. {@code whisper.cpp}. */
    String id();

    /**
     * Loads a model. The engine validates the file with our own readers before native code sees it.
     *
     * @param options only {@link LoadOptions#threads()} applies (0: one per core)
     * @throws EngineException when the model is refused or the engine cannot load it
     */
    SpeechModel load(ModelEntry entry, ModelProbe probe, LoadOptions options) throws EngineException;
}
