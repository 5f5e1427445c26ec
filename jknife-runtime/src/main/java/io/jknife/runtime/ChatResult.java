package io.jknife.runtime;

import io.jknife.engine.FinishReason;
import io.jknife.engine.Usage;

/**
 * A finished chat turn.
 *
 * @param answer    the answer text, reasoning and special tokens removed
 * @param reasoning a reasoning model's thinking, or null
 */
public record ChatResult(String answer, String reasoning, FinishReason finishReason, Usage usage) {
}
