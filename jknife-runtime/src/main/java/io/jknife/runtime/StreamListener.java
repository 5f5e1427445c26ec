package io.jknife.runtime;

/** Receives a generation as it happens: reasoning and answer text separately. */
public interface StreamListener {
    StreamListener NONE = new StreamListener() {
    };

    /** A piece of a reasoning model's thinking ({@code <think>…</think>}), markers removed. */
    default void onReasoning(String piece) {
    }

    /** A piece of the answer. */
    default void onAnswer(String piece) {
    }

    /** Polled after every piece: true stops the generation (e.g. the reader of stdout went away). */
    default boolean cancelled() {
        return false;
    }
}
