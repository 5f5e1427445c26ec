package io.jknife.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.jknife.engine.EngineCatalog;
import io.jknife.engine.EngineException;
import io.jknife.engine.Generation;
import io.jknife.engine.GenerationRequest;
import io.jknife.engine.LoadOptions;
import io.jknife.engine.LoadedModel;
import io.jknife.engine.TextEngine;
import io.jknife.llamacpp.LlamaCppEngine;
import io.jknife.runtime.TextSession;
import io.jknife.store.ModelEntry;
import io.jknife.store.probe.ModelProbe;
import io.jknife.testkit.CacheTree;
import io.jknife.testkit.TinyGguf;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.jknife.server.ServerTest.assertError;
import static io.jknife.server.ServerTest.sse;
import static io.jknife.server.TestServers.JSON;
import static io.jknife.server.TestServers.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code response_format} enforced through a grammar, over real HTTP with a tiny generated model:
 * random weights still answer with JSON that validates against the schema.
 */
class ResponseFormatTest {
    static final String SCHEMA = """
            {"type":"object","properties":{
              "city":{"type":"string","maxLength":8},
              "sunny":{"type":"boolean"},
              "temp":{"type":"integer"},
              "unit":{"enum":["C","F"]},
              "tags":{"type":"array","items":{"$ref":"#/$defs/tag"},"maxItems":2}
            },"required":["city","sunny","unit"],"additionalProperties":false,
            "$defs":{"tag":{"type":"string","maxLength":3}}}""";

    @TempDir
    static Path tmp;
    static Path hf;
    static TestServers.Running server;

    @BeforeAll
    static void start() throws Exception {
        hf = tmp.resolve("hf");
        CacheTree.at(hf).repo("org/tiny-GGUF").file("tiny-F32.gguf",
                TinyGguf.llama(tmp.resolve("m.gguf"), TinyGguf.Options.defaults().withContextLength(1024)));
        // these cases pin llama.cpp's native grammars; the Java engine's own matcher is tested below
        server = TestServers.start(hf, ServerConfig.defaults(), TestServers.plenty(), "llama.cpp");
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    static String chat(String responseFormat, long seed, boolean stream) {
        return "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"Weather as JSON\"}],"
                + "\"temperature\":1.0,\"top_p\":1,\"seed\":" + seed + ",\"max_tokens\":600,\"stream\":" + stream
                + ",\"response_format\":" + responseFormat + "}";
    }

    static String schemaFormat(String schema) {
        return "{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"weather\",\"strict\":true,\"schema\":" + schema + "}}";
    }

    @Test
    void jsonSchemaAnswersValidate() throws Exception {
        var validator = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(JSON.readTree(SCHEMA));
        for (long seed = 1; seed <= 5; seed++) {
            TestServers.Reply r = post(server.base() + "/v1/chat/completions", chat(schemaFormat(SCHEMA), seed, false));
            assertEquals(200, r.status(), r.toString());
            assertEquals("stop", r.json().at("/choices/0/finish_reason").asText(), r.body());
            String content = r.json().at("/choices/0/message/content").asText();
            Set<ValidationMessage> errors = validator.validate(JSON.readTree(content));
            assertTrue(errors.isEmpty(), content + " " + errors);
        }
    }

    @Test
    void streamedAnswersFollowTheSchemaToo() throws Exception {
        var validator = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(JSON.readTree(SCHEMA));
        TestServers.Reply r = post(server.base() + "/v1/chat/completions", chat(schemaFormat(SCHEMA), 9, true));
        assertEquals(200, r.status(), r.toString());
        StringBuilder content = new StringBuilder();
        for (String data : sse(r.body())) {
            if (!data.equals("[DONE]")) {
                content.append(JSON.readTree(data).at("/choices/0/delta/content").asText(""));
            }
        }
        assertTrue(validator.validate(JSON.readTree(content.toString())).isEmpty(), content.toString());
    }

    @Test
    void jsonObjectAnswersAreObjectsAndCompletionsTakeItToo() throws Exception {
        int objects = 0;
        for (long seed = 1; seed <= 4; seed++) {
            JsonNode j = post(server.base() + "/v1/chat/completions", chat("{\"type\":\"json_object\"}", seed, false)).json();
            String content = j.at("/choices/0/message/content").asText();
            assertTrue(content.startsWith("{"), content);
            if (j.at("/choices/0/finish_reason").asText().equals("stop")) {
                assertTrue(JSON.readTree(content).isObject(), content);
                objects++;
            }
        }
        assertTrue(objects > 0, "some answer ended before the token limit");
        JsonNode c = post(server.base() + "/v1/completions", "{\"model\":\"tiny\",\"prompt\":\"x\",\"max_tokens\":200,"
                + "\"temperature\":0,\"response_format\":" + schemaFormat("{\"enum\":[\"yes\",\"no\"]}") + "}").json();
        assertTrue(c.at("/choices/0/text").asText().matches("\"(yes|no)\"\\s*"), c.toString());
    }

    @Test
    void textFormatIsUnconstrained() throws Exception {
        TestServers.Reply r = post(server.base() + "/v1/chat/completions", chat("{\"type\":\"text\"}", 1, false));
        assertEquals(200, r.status(), r.toString());
    }

    @Test
    void schemasThatCannotBeEnforcedAre400sNamingTheReason() throws Exception {
        TestServers.Reply r = post(server.base() + "/v1/chat/completions",
                chat(schemaFormat("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"pattern\":\"^a+$\"}}}"), 1, false));
        assertError(r, 400, "invalid_response_format");
        assertTrue(r.json().at("/error/message").asText().contains("pattern"), r.body());
        assertEquals("response_format", r.json().at("/error/param").asText());
        for (String rf : List.of("{\"type\":\"xml\"}", "\"json\"", "{\"type\":\"json_schema\"}",
                "{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\"}}", schemaFormat("{\"type\":\"thing\"}"),
                schemaFormat("{\"$ref\":\"#/$defs/none\"}"), schemaFormat("[1]"))) {
            TestServers.Reply bad = post(server.base() + "/v1/chat/completions", chat(rf, 1, false));
            assertError(bad, 400, "invalid_response_format");
            TestServers.Reply badStream = post(server.base() + "/v1/chat/completions", chat(rf, 1, true));
            assertError(badStream, 400, "invalid_response_format");
        }
    }

    @Test
    void theJavaEngineEnforcesResponseFormatsToo() throws Exception {
        // the Java engine (preferred for this model) applies grammars with its own matcher
        var validator = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(JSON.readTree(SCHEMA));
        try (TestServers.Running java = TestServers.start(hf, ServerConfig.defaults(), TestServers.plenty(), "java")) {
            for (long seed = 1; seed <= 4; seed++) {
                TestServers.Reply r = post(java.base() + "/v1/chat/completions", chat(schemaFormat(SCHEMA), seed, false));
                assertEquals(200, r.status(), r.toString());
                assertEquals("stop", r.json().at("/choices/0/finish_reason").asText(), r.body());
                String content = r.json().at("/choices/0/message/content").asText();
                Set<ValidationMessage> errors = validator.validate(JSON.readTree(content));
                assertTrue(errors.isEmpty(), content + " " + errors);
            }
            TestServers.Reply streamed = post(java.base() + "/v1/chat/completions", chat(schemaFormat(SCHEMA), 9, true));
            assertEquals(200, streamed.status(), streamed.toString());
            StringBuilder content = new StringBuilder();
            for (String data : sse(streamed.body())) {
                if (!data.equals("[DONE]")) {
                    content.append(JSON.readTree(data).at("/choices/0/delta/content").asText(""));
                }
            }
            assertTrue(validator.validate(JSON.readTree(content.toString())).isEmpty(), content.toString());
            TestServers.Reply object = post(java.base() + "/v1/chat/completions", chat("{\"type\":\"json_object\"}", 1, false));
            assertEquals(200, object.status(), object.toString());
            assertTrue(object.json().at("/choices/0/message/content").asText().startsWith("{"), object.body());
            JsonNode c = post(java.base() + "/v1/completions", "{\"model\":\"tiny\",\"prompt\":\"x\",\"max_tokens\":200,"
                    + "\"temperature\":0,\"response_format\":" + schemaFormat("{\"enum\":[\"yes\",\"no\"]}") + "}").json();
            assertTrue(c.at("/choices/0/text").asText().matches("\"(yes|no)\"\\s*"), c.toString());
        }
    }

    @Test
    void langChain4jStructuredOutputs() throws Exception {
        dev.langchain4j.model.openai.OpenAiChatModel model = dev.langchain4j.model.openai.OpenAiChatModel.builder()
                .baseUrl(server.base() + "/v1").apiKey("lc4j-key").modelName("tiny").temperature(1.0).maxTokens(300).seed(3)
                .supportedCapabilities(dev.langchain4j.model.chat.Capability.RESPONSE_FORMAT_JSON_SCHEMA)
                .strictJsonSchema(true).build();
        var schema = dev.langchain4j.model.chat.request.json.JsonObjectSchema.builder()
                .addEnumProperty("unit", List.of("C", "F")).addBooleanProperty("sunny").addIntegerProperty("temp")
                .required("unit", "sunny", "temp").additionalProperties(false).build();
        var format = dev.langchain4j.model.chat.request.ResponseFormat.builder()
                .type(dev.langchain4j.model.chat.request.ResponseFormatType.JSON)
                .jsonSchema(dev.langchain4j.model.chat.request.json.JsonSchema.builder().name("weather").rootElement(schema).build())
                .build();
        var response = model.chat(dev.langchain4j.model.chat.request.ChatRequest.builder()
                .messages(dev.langchain4j.data.message.UserMessage.from("Weather?")).responseFormat(format).build());
        JsonNode j = JSON.readTree(response.aiMessage().text());
        assertTrue(j.get("unit").asText().matches("[CF]"), j.toString());
        assertTrue(j.get("sunny").isBoolean() && j.get("temp").isIntegralNumber(), j.toString());
        assertEquals(3, j.size(), j.toString());
    }
}
