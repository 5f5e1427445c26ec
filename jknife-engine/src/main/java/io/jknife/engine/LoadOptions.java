package io.jknife.engine;

/**
 * How to load a model.
 *
 * @param contextSize tokens of context to allocate; 0 means the model's own context length
 * @param threads     CPU threads for generation; 0 means one per available core
 * @param parallel    generations one loaded model runs at once (parallel slots; each gets
 *                    {@code contextSize} tokens of context); engines without slots use 1
 * @param idleAfterLoad nothing waits for the model right after it loads (an interactive chat waiting
 *                    for its first prompt): an engine may finish preparing the model in the background
 *                    (the Java engine then repacks its weights after the load instead of during it)
 */
public record LoadOptions(int contextSize, int threads, int parallel, boolean idleAfterLoad) {
    public LoadOptions {
        if (contextSize < 0 || threads < 0) {
            throw new IllegalArgumentException("context size and threads must be >= 0");
        }
        if (parallel < 1) {
            throw new IllegalArgumentException("parallel must be >= 1, got " + parallel);
        }
    }

    /** A load that a request waits for. */
    public LoadOptions(int contextSize, int threads, int parallel) {
        this(contextSize, threads, parallel, false);
    }

    /** One generation at a time. */
    public LoadOptions(int contextSize, int threads) {
        this(contextSize, threads, 1);
    }

    /** The same options with {@code parallel} slots. */
    public LoadOptions withParallel(int parallel) {
        return new LoadOptions(contextSize, threads, parallel, idleAfterLoad);
    }

    /** The same options for a model that nothing waits for right after its load. */
    public LoadOptions withIdleAfterLoad() {
        return new LoadOptions(contextSize, threads, parallel, true);
    }

    public static LoadOptions defaults() {
        return new LoadOptions(0, 0);
    }

    public int effectiveThreads() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }
}
