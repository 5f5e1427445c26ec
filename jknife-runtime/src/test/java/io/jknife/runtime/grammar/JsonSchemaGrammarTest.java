package io.jknife.runtime.grammar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.jknife.engine.EngineCatalog;
import io.jknife.engine.FinishReason;
import io.jknife.engine.LoadOptions;
import io.jknife.engine.SamplingParams;
import io.jknife.runtime.ChatOptions;
import io.jknife.runtime.ChatResult;
import io.jknife.runtime.StreamListener;
import io.jknife.runtime.TextSession;
import io.jknife.chat.ChatMessage;
import io.jknife.store.ModelCatalog;
import io.jknife.store.ModelStore;
import io.jknife.store.StoreConfig;
import io.jknife.store.policy.EngineRegistry;
import io.jknife.store.policy.RoutingPolicy;
import io.jknife.testkit.CacheTree;
import io.jknife.testkit.TinyGguf;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The converter's output, parsed by llama.cpp and applied to a tiny model with random weights:
 * whatever the model would say, the answer parses as JSON and validates against the schema.
 */
class JsonSchemaGrammarTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final StreamListener QUIET = new StreamListener() {
    };

    @TempDir
    static Path tmp;
    static TextSession session;

    @BeforeAll
    static void load() throws Exception {
        Path model = TinyGguf.llama(tmp.resolve("m.gguf"), TinyGguf.Options.defaults().withContextLength(1024));
        CacheTree.at(tmp.resolve("hf")).repo("org/tiny-GGUF").file("tiny-F32.gguf", model);
        ModelStore store = new ModelStore(new StoreConfig(tmp.resolve("hf"), Optional.empty()));
        // pinned to llama.cpp's native grammars; JavaEngineSchemaTest runs the same schemas on the Java engine
        ModelCatalog catalog = new ModelCatalog(store, new RoutingPolicy(EngineRegistry.builtIn()).withEngine("llama.cpp"));
        session = TextSession.open(catalog.describe(store.allEntries().getFirst()), new LoadOptions(0, 2), EngineCatalog.discover());
    }

    @AfterAll
    static void close() {
        session.close();
    }

    static JsonNode json(String s) throws Exception {
        return JSON.readTree(s);
    }

    private static ChatResult answer(String grammar, long seed) throws Exception {
        return answer(grammar, seed, 900);
    }

    private static ChatResult answer(String grammar, long seed, int maxTokens) throws Exception {
        ChatOptions o = new ChatOptions(maxTokens, List.of(),
                SamplingParams.defaults().withTemperature(1.0).withTopK(0).withMinP(0).withTopP(1).withSeed(seed), true)
                .withGrammar(grammar);
        return session.chat(List.of(ChatMessage.user("Give me JSON")), o, QUIET);
    }

    private static void assertValidAnswers(String schemaText, int seeds) throws Exception {
        JsonNode schema = json(schemaText);
        String grammar = JsonSchemaGrammar.forSchema(schema);
        var validator = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(schema);
        for (long seed = 1; seed <= seeds; seed++) {
            ChatResult r = answer(grammar, seed);
            assertEquals(FinishReason.STOP, r.finishReason(), "seed " + seed + ": " + r.answer() + "\n" + grammar);
            JsonNode doc = json(r.answer());
            Set<ValidationMessage> errors = validator.validate(doc);
            assertTrue(errors.isEmpty(), "seed " + seed + ": " + r.answer() + " " + errors + "\n" + grammar);
        }
    }

    @Test
    void objectsWithRequiredOptionalEnumsConstsAndBoundedStrings() throws Exception {
        assertValidAnswers("""
                {"type":"object","properties":{
                  "name":{"type":"string","maxLength":6},
                  "kind":{"enum":["cat","dog",3,null]},
                  "ok":{"type":"boolean"},
                  "v":{"const":"v1"},
                  "n":{"type":"integer"},
                  "tags":{"type":"array","items":{"type":"string","minLength":1,"maxLength":3},"minItems":1,"maxItems":3},
                  "note":{"type":["string","null"],"maxLength":4}
                },"required":["name","kind","ok","v"],"additionalProperties":false}""", 5);
    }

    @Test
    void allOptionalPropertiesNumbersNullAndAnyOf() throws Exception {
        assertValidAnswers("""
                {"type":"object","properties":{
                  "x":{"type":"number"},
                  "y":{"anyOf":[{"type":"null"},{"type":"boolean"},{"type":"integer"}]},
                  "z":{"oneOf":[{"type":"string","maxLength":2},{"type":"integer"}]}
                }}""", 5);
    }

    @Test
    void refsToDefsIncludingRecursion() throws Exception {
        assertValidAnswers("""
                {"$defs":{"node":{"type":"object","properties":{
                    "id":{"type":"integer"},
                    "children":{"type":"array","items":{"$ref":"#/$defs/node"},"maxItems":1}},
                  "required":["id"],"additionalProperties":false}},
                 "$ref":"#/$defs/node"}""", 6);
    }

    @Test
    void stringFormats() throws Exception {
        String grammar = JsonSchemaGrammar.forSchema(json("""
                {"type":"object","properties":{"d":{"type":"string","format":"date"},"u":{"type":"string","format":"uuid"},
                 "t":{"type":"string","format":"date-time"}},"required":["d","u","t"],"additionalProperties":false}"""));
        for (long seed = 1; seed <= 3; seed++) {
            JsonNode doc = json(answer(grammar, seed).answer());
            assertTrue(doc.get("d").asText().matches("\\d{4}-\\d\\d-\\d\\d"), doc.toString());
            assertTrue(doc.get("u").asText().matches("\\p{XDigit}{8}(-\\p{XDigit}{4}){3}-\\p{XDigit}{12}"), doc.toString());
            assertTrue(doc.get("t").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{3})?(Z|[+-]\\d\\d:\\d\\d)"),
                    doc.toString());
        }
    }

    @Test
    void arraysAtTheTopWithBounds() throws Exception {
        assertValidAnswers("""
                {"type":"array","items":{"type":"string","format":"time"},"minItems":2,"maxItems":2}""", 4);
        assertValidAnswers("""
                {"type":"array","items":{"type":"boolean"},"maxItems":0}""", 2);
    }

    @Test
    void anyJsonObject() throws Exception {
        String grammar = JsonSchemaGrammar.anyObject();
        int parsed = 0;
        for (long seed = 1; seed <= 4; seed++) {
            ChatResult r = answer(grammar, seed, 250);
            assertTrue(r.answer().startsWith("{"), r.answer());
            if (r.finishReason() == FinishReason.STOP) {
                assertTrue(json(r.answer()).isObject(), r.answer());
                parsed++;
            }
        }
        assertTrue(parsed > 0, "some answer ended before the token limit");
    }

    @Test
    void unsupportedKeywordsAreNamedWithTheirPlace() {
        SchemaException e = assertThrows(SchemaException.class, () -> JsonSchemaGrammar.forSchema(json("""
                {"type":"object","properties":{"a":{"type":"string","pattern":"^x$"},
                 "b":{"type":"integer","minimum":3}},"allOf":[]}""")));
        assertTrue(e.getMessage().contains("#/properties/a: unsupported keyword pattern"), e.getMessage());
        assertTrue(e.getMessage().contains("#/properties/b: unsupported keyword minimum"), e.getMessage());
        assertTrue(e.getMessage().contains("#: unsupported keyword allOf"), e.getMessage());
    }

    @Test
    void invalidSchemasAreRefused() throws Exception {
        for (String bad : List.of("[]", "\"string\"", "{\"type\":\"thing\"}", "{\"$ref\":\"#/$defs/missing\"}",
                "{\"$ref\":\"http://example.com/s.json\"}", "{\"enum\":[]}", "{\"type\":\"string\",\"format\":\"email\"}",
                "{\"type\":\"string\",\"minLength\":5,\"maxLength\":2}", "{\"type\":\"array\",\"items\":[{}]}",
                "{\"type\":\"object\",\"properties\":{\"a\":{}},\"required\":[\"b\"]}",
                "{\"type\":\"object\",\"properties\":{\"a\":{}},\"additionalProperties\":true}")) {
            assertThrows(SchemaException.class, () -> JsonSchemaGrammar.forSchema(json(bad)), bad);
        }
    }

    @Test
    void annotationsAreIgnoredAndLiteralsEscaped() throws Exception {
        String g = JsonSchemaGrammar.forSchema(json("""
                {"title":"t","description":"d","type":"object","properties":{"q\\"k":{"const":"a\\\\b\\n"}},"required":["q\\"k"]}"""));
        assertTrue(g.startsWith("root ::= "), g);
        assertTrue(g.contains("\"\\\"q\\\\\\\"k\\\"\""), g);
        assertEquals("\"a\\\"b\\\\\\n\"", JsonSchemaGrammar.quote("a\"b\\\n"));
    }
}
