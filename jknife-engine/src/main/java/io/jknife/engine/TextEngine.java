package io.jknife.engine;

import io.jknife.store.ModelEntry;
import io.jknife.store.probe.ModelProbe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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

    /**
     * Loads one model file from disk (a GGUF file, the first part of a split one), probing its
     * directory as the store would ({@link ProbedFile}). For tools and benchmarks.
     */
    default LoadedModel loadFile(Path file, LoadOptions options) throws EngineException {
        ProbedFile p = ProbedFile.of(file);
        return load(p.entry(), p.probe(), options);
    }

    /**
     * The memory the model's weights will take once this engine has loaded it, for the server's
     * memory gate: by default the size of its files (weights used in place, mapped or read once).
     * An engine that repacks or converts weights says so here. Never throws: an estimate, 0 when
     * the files cannot be read.
     */
    default long weightBytes(ModelEntry entry, ModelProbe probe) {
        long bytes = 0;
        for (Path p : probe != null && probe.files() != null ? probe.files() : List.<Path>of()) {
            try {
                bytes += Files.size(p);
            } catch (IOException e) {
                // missing or unreadable: not counted
            }
        }
        return bytes;
    }
}
