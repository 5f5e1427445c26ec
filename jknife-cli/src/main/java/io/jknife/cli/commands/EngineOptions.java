package io.jknife.cli.commands;

import io.jknife.engine.LoadOptions;
import io.jknife.store.ModelCatalog;
import picocli.CommandLine.Option;

/**
 * Options of every command that loads a model (picocli mixin): the engine, the context size and the
 * threads. The engine named here restricts routing to it, so a model it cannot run says why.
 */
public final class EngineOptions {
    @Option(names = "--engine", paramLabel = "ENGINE",
            description = "Run with this engine: java or llamacpp (default: the first engine that supports the model).")
    String engine;

    @Option(names = "--ctx-size", paramLabel = "N", description = "Context size in tokens (default: the model's).")
    int ctxSize;

    @Option(names = "--threads", paramLabel = "N", description = "CPU threads (default: all cores).")
    int threads;

    /** The catalog whose routing honours {@code --engine}. */
    public ModelCatalog catalog(ModelCatalog catalog) {
        return catalog.withEngine(engine);
    }

    /** @throws IllegalArgumentException for negative sizes */
    public LoadOptions loadOptions() {
        if (ctxSize < 0 || threads < 0) {
            throw new IllegalArgumentException("--ctx-size and --threads must be >= 0");
        }
        return new LoadOptions(ctxSize, threads);
    }

    public String engine() {
        return engine;
    }
}
