package io.jknife.engine;

import java.util.function.Consumer;

/**
 * A running generation. {@link #stream(Consumer)} delivers text pieces as they are decoded
 * (whole UTF-8 characters, never special tokens, never text past a stop string) and returns when
 * the generation ends; {@link #cancel()} may be called from any thread and ends it with
 * {@link FinishReason#CANCELLED}.
 */
public interface Generation {
    /** Runs to the end, handing each new piece of text to {@code onText}; returns the whole result. */
    GenerationResult stream(Consumer<String> onText);

    /** Runs to the end without streaming. */
    default GenerationResult collect() {
        return stream(piece -> { });
    }

    /** Stops the generation at the next token; safe from any thread, also before {@link #stream}. */
    void cancel();
}
