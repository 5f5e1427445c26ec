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
 * @param grammar         a GBNF grammar the answer must follow (e.g. from {@code JsonSchemaGrammar}), or null
 */
public record ChatOptions(Integer maxTokens, List<String> stops, SamplingParams sampling, boolean useChatTemplate,
                          String grammar) {
    public ChatOptions {
        stops = stops == null ? List.of() : List.copyOf(stops);
        sampling = sampling == null ? SamplingParams.defaults() : sampling;
    }

    /** Options without a grammar. */
    public ChatOptions(Integer maxTokens, List<String> stops, SamplingParams sampling, boolean useChatTemplate) {
        this(maxTokens, stops, sampling, useChatTemplate, null);
    }

    /** The same options with a grammar (null: none). */
    public ChatOptions withGrammar(String gbnf) {
        return new ChatOptions(maxTokens, stops, sampling, useChatTemplate, gbnf);
    }
}
