package io.jknife.engine;

/**
 * How to load a model.
 *
 * @param contextSize tokens of context to allocate; 0 means the model's own context length
 * @param threads     CPU threads for generation; 0 means one per available core
 * @param parallel    generations one loaded model runs at once (parallel slots; each gets
 *                    {@code contextSize} tokens of context); engines without slots use 1
 */
public record LoadOptions(int contextSize, int threads, int parallel) {
    public LoadOptions {
        if (contextSize < 0 || threads < 0) {
            throw new IllegalArgumentException("context size and threads must be >= 0");
        }
        if (parallel < 1) {
            throw new IllegalArgumentException("parallel must be >= 1, got " + parallel);
        }
    }

    /** One generation at a time. */
    public LoadOptions(int contextSize, int threads) {
        this(contextSize, threads, 1);
    }

    /** The same options with {@code parallel} slots. */
    public LoadOptions withParallel(int parallel) {
        return new LoadOptions(contextSize, threads, parallel);
    }

    public static LoadOptions defaults() {
        return new LoadOptions(0, 0);
    }

    public int effectiveThreads() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }
}
