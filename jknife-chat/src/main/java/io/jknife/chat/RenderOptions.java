package io.jknife.chat;

import java.time.ZonedDateTime;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a chat template is rendered with besides the messages.
 *
 * @param addGenerationPrompt end with the header that opens the assistant's reply (true to generate)
 * @param bosToken            the tokenizer's BOS string ({@code bos_token}); null renders as ""
 * @param eosToken            the tokenizer's EOS string ({@code eos_token}); null renders as ""
 * @param tools               tool (function) schemas in OpenAI's shape for {@code tools}, or null
 *                            for none (templates then see {@code tools} undefined)
 * @param extraVariables      more template variables, e.g. {@code enable_thinking},
 *                            {@code reasoning_effort}; they win over the standard ones
 * @param now                 the clock for {@code strftime_now} and {@code date_string}; null
 *                            for the current time (set it for reproducible prompts and tests)
 */
public record RenderOptions(boolean addGenerationPrompt, String bosToken, String eosToken,
                            List<Map<String, Object>> tools, Map<String, Object> extraVariables,
                            ZonedDateTime now) {

    public RenderOptions {
        tools = tools == null ? null : List.copyOf(tools);
        // Map.copyOf refuses null values, which a caller may want to pass (e.g. tools=None)
        extraVariables = extraVariables == null ? Map.of()
                : Collections.unmodifiableMap(new LinkedHashMap<>(extraVariables));
    }

    /** Generation prompt on, no special tokens, no tools, no extras, the current time. */
    public static RenderOptions defaults() {
        return new RenderOptions(true, null, null, null, Map.of(), null);
    }

    public RenderOptions withAddGenerationPrompt(boolean add) {
        return new RenderOptions(add, bosToken, eosToken, tools, extraVariables, now);
    }

    public RenderOptions withTokens(String bos, String eos) {
        return new RenderOptions(addGenerationPrompt, bos, eos, tools, extraVariables, now);
    }

    public RenderOptions withTools(List<Map<String, Object>> toolSchemas) {
        return new RenderOptions(addGenerationPrompt, bosToken, eosToken, toolSchemas, extraVariables, now);
    }

    /** The options with one more template variable (replacing one of the same name). */
    public RenderOptions withVariable(String name, Object value) {
        Map<String, Object> vars = new LinkedHashMap<>(extraVariables);
        vars.put(name, value);
        return new RenderOptions(addGenerationPrompt, bosToken, eosToken, tools, vars, now);
    }

    /** {@code enable_thinking} as Qwen3-style templates read it. */
    public RenderOptions withEnableThinking(boolean enable) {
        return withVariable("enable_thinking", enable);
    }

    public RenderOptions withNow(ZonedDateTime time) {
        return new RenderOptions(addGenerationPrompt, bosToken, eosToken, tools, extraVariables, time);
    }
}
