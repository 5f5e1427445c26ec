package io.jknife.engine;

/**
 * How to load a model.
 *
 * @param contextSize tokens of context to allocate; 0 means the model's own context length
 * @param threads     CPU threads for generation; 0 means one per available core
 */
public record LoadOptions(int contextSize, int threads) {
    public LoadOptions {
        if (contextSize < 0 || threads < 0) {
            throw new IllegalArgumentException("context size and threads must be >= 0");
        }
    }

    public static LoadOptions defaults() {
        return new LoadOptions(0, 0);
    }

    public int effectiveThreads() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }
}
