package io.jknife.runtime.grammar;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import io.jknife.chat.ChatMessage;
import io.jknife.engine.EngineCatalog;
import io.jknife.engine.FinishReason;
import io.jknife.engine.LoadOptions;
import io.jknife.engine.SamplingParams;
import io.jknife.java.grammar.GrammarMatcher;
import io.jknife.runtime.ChatOptions;
import io.jknife.runtime.ChatResult;
import io.jknife.runtime.TextSession;
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

import static io.jknife.runtime.grammar.JsonSchemaGrammarTest.JSON;
import static io.jknife.runtime.grammar.JsonSchemaGrammarTest.QUIET;
import static io.jknife.runtime.grammar.JsonSchemaGrammarTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The converter's grammars in the Java engine: its GBNF parser and matcher accept the documents a
 * schema accepts and refuse the others, and a tiny model with random weights, routed to the Java
 * engine, answers with JSON that validates against the schema.
 */
class JavaEngineSchemaTest {
    static final String OBJECT_SCHEMA = """
            {"type":"object","properties":{
              "name":{"type":"string","maxLength":6},
              "kind":{"enum":["cat","dog",3,null]},
              "ok":{"type":"boolean"},
              "v":{"const":"v1"},
              "n":{"type":"integer"},
              "tags":{"type":"array","items":{"type":"string","minLength":1,"maxLength":3},"minItems":1,"maxItems":3},
              "note":{"type":["string","null"],"maxLength":4}
            },"required":["name","kind","ok","v"],"additionalProperties":false}""";
    static final String RECURSIVE_SCHEMA = """
            {"$defs":{"node":{"type":"object","properties":{
                "id":{"type":"integer"},
                "children":{"type":"array","items":{"$ref":"#/$defs/node"},"maxItems":1}},
              "required":["id"],"additionalProperties":false}},
             "$ref":"#/$defs/node"}""";

    @TempDir
    static Path tmp;
    static TextSession session;

    @BeforeAll
    static void load() throws Exception {
        Path model = TinyGguf.llama(tmp.resolve("m.gguf"), TinyGguf.Options.defaults().withContextLength(1024));
        CacheTree.at(tmp.resolve("hf")).repo("org/tiny-GGUF").file("tiny-F32.gguf", model);
        ModelStore store = new ModelStore(new StoreConfig(tmp.resolve("hf"), Optional.empty()));
        ModelCatalog catalog = new ModelCatalog(store, new RoutingPolicy(EngineRegistry.builtIn()).withEngine("java"));
        session = TextSession.open(catalog.describe(store.allEntries().getFirst()), new LoadOptions(0, 2), EngineCatalog.discover());
    }

    @AfterAll
    static void close() {
        if (session != null) {
            session.close();
        }
    }

    private static GrammarMatcher matcher(String schema) throws Exception {
        return GrammarMatcher.of(JsonSchemaGrammar.forSchema(json(schema)));
    }

    @Test
    void objectSchemaDocumentsAreAcceptedAndViolationsRefused() throws Exception {
        GrammarMatcher m = matcher(OBJECT_SCHEMA);
        for (String ok : List.of(
                "{\"name\":\"ab\",\"kind\":\"cat\",\"ok\":true,\"v\":\"v1\"}",
                "{ \"name\": \"\u00e9t\u00e9\", \"kind\": null, \"ok\": false, \"v\": \"v1\", \"n\": -12, \"tags\": [\"a\", \"bcd\"], \"note\": null }",
                "{\"name\":\"\",\"kind\":3,\"ok\":true,\"v\":\"v1\",\"tags\":[\"x\"],\"note\":\"four\"}",
                "{\n  \"name\": \"a\\\"b\",\n  \"kind\": \"dog\",\n  \"ok\": true,\n  \"v\": \"v1\"\n}")) {
            assertTrue(m.matches(ok), ok);
        }
        for (String bad : List.of(
                "{\"name\":\"toolong7\",\"kind\":\"cat\",\"ok\":true,\"v\":\"v1\"}",
                "{\"name\":\"ab\",\"kind\":\"cow\",\"ok\":true,\"v\":\"v1\"}",
                "{\"name\":\"ab\",\"kind\":\"cat\",\"ok\":true}",
                "{\"name\":\"ab\",\"kind\":\"cat\",\"ok\":true,\"v\":\"v2\"}",
                "{\"name\":\"ab\",\"kind\":\"cat\",\"ok\":1,\"v\":\"v1\"}",
                "{\"name\":\"ab\",\"kind\":\"cat\",\"ok\":true,\"v\":\"v1\",\"n\":1.5}",
                "{\"name\":\"ab\",\"kind\":\"cat\",\"ok\":true,\"v\":\"v1\",\"tags\":[]}",
                "{\"name\":\"ab\",\"kind\":\"cat\",\"ok\":true,\"v\":\"v1\",\"tags\":[\"a\",\"b\",\"c\",\"d\"]}",
                "{\"name\":\"ab\",\"kind\":\"cat\",\"ok\":true,\"v\":\"v1\",\"extra\":1}",
                "{\"kind\":\"cat\",\"name\":\"ab\",\"ok\":true,\"v\":\"v1\"}")) {
            assertFalse(m.matches(bad), bad);
        }
    }

    @Test
    void recursiveArrayAndFormatSchemasToo() throws Exception {
        GrammarMatcher tree = matcher(RECURSIVE_SCHEMA);
        assertTrue(tree.matches("{\"id\":1,\"children\":[{\"id\":2,\"children\":[{\"id\":3}]}]}"));
        assertFalse(tree.matches("{\"id\":1,\"children\":[{\"id\":2},{\"id\":3}]}"), "maxItems 1");
        assertFalse(tree.matches("{\"children\":[]}"), "id is required");
        GrammarMatcher times = matcher("{\"type\":\"array\",\"items\":{\"type\":\"string\",\"format\":\"time\"},\"minItems\":2,\"maxItems\":2}");
        assertTrue(times.matches("[\"12:30:00Z\", \"23:59:59.123+01:00\"]"));
        assertFalse(times.matches("[\"12:30:00Z\"]"));
        assertFalse(times.matches("[\"24:00:00Z\", \"00:00:00Z\"]"));
        GrammarMatcher any = GrammarMatcher.of(JsonSchemaGrammar.anyObject());
        assertTrue(any.matches("{\"a\": [1, 2.5e-3, {\"b\": null}], \"c\": \"\\u00e9\"}"));
        assertFalse(any.matches("[1]"));
        assertFalse(any.matches("{\"a\": 01}"));
        GrammarMatcher uuid = matcher("{\"type\":\"string\",\"format\":\"uuid\"}");
        assertTrue(uuid.matches("\"123e4567-e89b-12d3-a456-426614174000\""));
        assertFalse(uuid.matches("\"123e4567-e89b-12d3-a456-42661417400\""));
    }

    private static void assertValidAnswers(String schemaText, int seeds) throws Exception {
        JsonNode schema = json(schemaText);
        String grammar = JsonSchemaGrammar.forSchema(schema);
        var validator = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(schema);
        for (long seed = 1; seed <= seeds; seed++) {
            ChatOptions o = new ChatOptions(900, List.of(),
                    SamplingParams.defaults().withTemperature(1.0).withTopK(0).withMinP(0).withTopP(1).withSeed(seed), true)
                    .withGrammar(grammar);
            ChatResult r = session.chat(List.of(ChatMessage.user("Give me JSON")), o, QUIET);
            assertEquals(FinishReason.STOP, r.finishReason(), "seed " + seed + ": " + r.answer());
            var errors = validator.validate(JSON.readTree(r.answer()));
            assertTrue(errors.isEmpty(), "seed " + seed + ": " + r.answer() + " " + errors);
        }
    }

    @Test
    void theJavaEngineAnswersWithValidDocuments() throws Exception {
        assertEquals("java", session.model().engine());
        assertValidAnswers(OBJECT_SCHEMA, 5);
        assertValidAnswers(RECURSIVE_SCHEMA, 4);
        assertValidAnswers("{\"type\":\"array\",\"items\":{\"type\":\"boolean\"},\"maxItems\":0}", 2);
    }
}
