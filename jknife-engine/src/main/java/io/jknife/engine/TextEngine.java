package io.jknife.engine;

import io.jknife.store.ModelEntry;
import io.jknife.store.probe.ModelProbe;

/**
 * A text engine: loads models the routing policy sent to it. The CLI and the server only talk to
 * engines through this interface, found by {@link EngineCatalog} under the id the policy picked.
 */
public interface TextEngine {
    /** The id in the engine registry ({@code engines.json}), e.g. {@code llama.cpp}. */
    String id();

    /**
     * Loads a model. The files were probed and validated by our own readers before this is
     * called; an engine must not be handed a file that failed validation.
     *
     * @throws EngineException when the engine cannot load it (out of memory, unsupported tensor type, ...)
     */
    LoadedModel load(ModelEntry entry, ModelProbe probe, LoadOptions options) throws EngineException;
}
