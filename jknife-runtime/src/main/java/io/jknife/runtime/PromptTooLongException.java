package io.jknife.runtime;

/** A prompt that does not fit the context: says how long each is, never truncates silently. */
public final class PromptTooLongException extends Exception {
    private final int promptTokens;
    private final int contextSize;

    public PromptTooLongException(int promptTokens, int contextSize) {
        super("The prompt is " + promptTokens + " tokens but the context holds " + contextSize
                + " (leave room for the answer; a larger --ctx-size may help if the model supports it)");
        this.promptTokens = promptTokens;
        this.contextSize = contextSize;
    }

    public int promptTokens() {
        return promptTokens;
    }

    public int contextSize() {
        return contextSize;
    }
}
