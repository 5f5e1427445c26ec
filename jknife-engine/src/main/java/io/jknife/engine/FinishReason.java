package io.jknife.engine;

/** Why a generation ended, in OpenAI's words. */
public enum FinishReason {
    /** an end-of-generation token or a stop string */
    STOP,
    /** the token limit */
    LENGTH,
    /** {@link Generation#cancel()} or an interrupt */
    CANCELLED;

    public String word() {
        return name().toLowerCase();
    }
}
