package io.jknife.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Scenarios beyond the basic conversation (tools and tool calls, reasoning history,
 * {@code enable_thinking}, content parts, templates refusing a conversation) rendered by the real
 * templates, compared with the output of the reference renderer {@code @huggingface/jinja}
 * recorded in {@code templates/hf-jinja-golden.json} (see the README there).
 */
class HfGoldenScenariosTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static Stream<Arguments> scenarios() throws IOException {
        try (InputStream in = HfGoldenScenariosTest.class.getResourceAsStream("/templates/hf-jinja-golden.json")) {
            JsonNode all = JSON.readTree(in);
            List<Arguments> out = new ArrayList<>();
            for (JsonNode s : all) {
                out.add(Arguments.of(s.get("name").asText(), s));
            }
            return out.stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void rendersAsTheReferenceDoes(String name, JsonNode scenario) throws Exception {
        ChatTemplate template = Templates.template(scenario.get("template").asText());
        List<ChatMessage> messages = new ArrayList<>();
        for (JsonNode m : scenario.get("messages")) {
            messages.add(message(m));
        }
        RenderOptions options = Templates.options(text(scenario.get("bos_token")), text(scenario.get("eos_token")));
        Map<String, Object> vars = JSON.convertValue(scenario.get("variables"), new TypeReference<>() { });
        for (Map.Entry<String, Object> v : vars.entrySet()) {
            switch (v.getKey()) {
                case "add_generation_prompt" -> options = options.withAddGenerationPrompt((Boolean) v.getValue());
                case "tools" -> options = options.withTools(JSON.convertValue(v.getValue(), new TypeReference<>() { }));
                default -> options = options.withVariable(v.getKey(), v.getValue());
            }
        }
        if (scenario.hasNonNull("expected")) {
            assertEquals(scenario.get("expected").asText(), template.render(messages, options));
        } else {
            RenderOptions o = options;
            ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> template.render(messages, o));
            assertEquals(scenario.get("error").asText(), e.getMessage());
            assertTrue(e.raisedByTemplate());
        }
    }

    private static String text(JsonNode n) {
        return n == null || n.isNull() ? null : n.asText();
    }

    /** An OpenAI-style message as JSON to a {@link ChatMessage}. */
    static ChatMessage message(JsonNode m) {
        String role = m.get("role").asText();
        JsonNode content = m.get("content");
        List<ContentPart> parts = null;
        String text = null;
        if (content != null && content.isArray()) {
            parts = new ArrayList<>();
            for (JsonNode p : content) {
                parts.add(new ContentPart(p.get("type").asText(), text(p.get("text"))));
            }
        } else {
            text = text(content);
        }
        List<ToolCall> calls = new ArrayList<>();
        if (m.has("tool_calls")) {
            for (JsonNode c : m.get("tool_calls")) {
                JsonNode fn = c.get("function");
                Object args = fn.get("arguments").isTextual() ? fn.get("arguments").asText()
                        : JSON.convertValue(fn.get("arguments"), Map.class);
                calls.add(new ToolCall(text(c.get("id")), fn.get("name").asText(), args));
            }
        }
        return new ChatMessage(role, text, text(m.get("reasoning_content")), parts, calls, text(m.get("tool_call_id")));
    }
}
