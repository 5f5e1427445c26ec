package io.jknife.engine;

/** The whole text of a finished generation (special tokens never included), why it ended, and usage. */
public record GenerationResult(String text, FinishReason finishReason, Usage usage) {
}
