package io.jknife.runtime;

import io.jknife.engine.SamplingParams;

import java.util.List;

/**
 * Options of one chat or completion request.
 *
 * @param maxTokens       the most tokens to generate; null means what fits in the context
 * @param stops           user stop strings
 * @param sampling        sampling settings
 * @param useChatTemplate false sends the last user message as raw text
 */
public record ChatOptions(Integer maxTokens, List<String> stops, SamplingParams sampling, boolean useChatTemplate) {
    public ChatOptions {
        stops = stops == null ? List.of() : List.copyOf(stops);
        sampling = sampling == null ? SamplingParams.defaults() : sampling;
    }
}
