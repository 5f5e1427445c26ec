package io.jknife.java;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jknife.engine.FinishReason;
import io.jknife.engine.GenerationRequest;
import io.jknife.engine.GenerationResult;
import io.jknife.engine.LoadOptions;
import io.jknife.engine.SamplingParams;
import io.jknife.java.grammar.GrammarMatcher;
import io.jknife.java.grammar.TokenMatcher;
import io.jknife.java.grammar.TokenState;
import io.jknife.testkit.TinyGguf;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Grammars applied by the Java engine to a tiny model with random weights: whatever the weights
 * would say, the text follows the grammar (the grammars are what {@code JsonSchemaGrammar} writes
 * for {@code json_object} and for a schema; the runtime's tests run the converter itself).
 */
class JavaModelGrammarTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String PROMPT = TinyGguf.BOS + TinyGguf.START_HEADER + "user" + TinyGguf.END_HEADER
            + "\n\nGive me JSON" + TinyGguf.EOT + TinyGguf.START_HEADER + "assistant" + TinyGguf.END_HEADER + "\n\n";

    static final String PRIMITIVES = """
            space ::= | " " | "\\n" [ \\t]{0,20}
            boolean ::= ("true" | "false") space
            null ::= "null" space
            char ::= [^"\\\\\\x7F\\x00-\\x1F\\uD800-\\uDFFF\\U00110000-\\UFFFFFFFF] | [\\\\] (["\\\\/bfnrt] | "u" [0-9a-fA-F]{4})
            string ::= "\\"" char* "\\"" space
            integral-part ::= [0] | [1-9] [0-9]{0,15}
            decimal-part ::= [0-9]{1,16}
            integer ::= ("-"? integral-part) space
            number ::= ("-"? integral-part) ("." decimal-part)? ([eE] [-+]? integral-part)? space
            value ::= object | array | string | number | boolean | null
            object ::= "{" space (string ":" space value ("," space string ":" space value)*)? "}" space
            array ::= "[" space (value ("," space value)*)? "]" space
            """;
    /** json_object. */
    static final String ANY_OBJECT = "root ::= object\n" + PRIMITIVES;
    /**
     * {"type":"object","properties":{"name":{"type":"string","maxLength":6},"kind":{"enum":["cat","dog",3]},
     * "tags":{"type":"array","items":{"type":"integer"},"minItems":1,"maxItems":3},"ok":{"type":"boolean"}},
     * "required":["name","kind","tags"],"additionalProperties":false}
     */
    static final String SCHEMA = """
            root ::= "{" space (root-name-kv "," space root-kind-kv "," space root-tags-kv ("," space root-ok-kv)?) "}" space
            root-name-kv ::= "\\"name\\"" space ":" space "\\"" char{0,6} "\\"" space
            root-kind-kv ::= "\\"kind\\"" space ":" space ("\\"cat\\"" space | "\\"dog\\"" space | "3" space)
            root-tags ::= "[" space integer ("," space integer){0,2} "]" space
            root-tags-kv ::= "\\"tags\\"" space ":" space root-tags
            root-ok-kv ::= "\\"ok\\"" space ":" space boolean
            """ + PRIMITIVES;

    @TempDir
    static Path dir;
    static JavaModel model;

    @BeforeAll
    static void load() throws Exception {
        Path file = TinyGguf.llama(dir.resolve("tiny.gguf"), TinyGguf.Options.defaults().withContextLength(1024));
        model = new JavaEngine().loadFile(file, new LoadOptions(0, 2));
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    static SamplingParams random(long seed) {
        return SamplingParams.defaults().withTemperature(1.0).withTopK(0).withTopP(1).withMinP(0).withSeed(seed);
    }

    static GenerationResult generate(String grammar, SamplingParams sampling, int maxTokens) {
        return model.generate(GenerationRequest.ofText(PROMPT, maxTokens, List.of(), sampling).withGrammar(grammar)).collect();
    }

    /** The text is a prefix the grammar can go on from (for answers cut at the token limit). */
    static void assertViablePrefix(String grammar, String text) {
        TokenMatcher m = new TokenMatcher(GrammarMatcher.of(grammar));
        TokenState s = m.advance(m.start(), text.getBytes(StandardCharsets.UTF_8));
        assertNotNull(s, "the grammar refuses: " + text);
    }

    @Test
    void jsonObjectAnswersAreObjects() throws Exception {
        int complete = 0;
        for (long seed = 1; seed <= 5; seed++) {
            GenerationResult r = generate(ANY_OBJECT, random(seed), 500);
            assertTrue(r.text().startsWith("{"), r.text());
            assertViablePrefix(ANY_OBJECT, r.text());
            if (r.finishReason() == FinishReason.STOP) {
                assertTrue(JSON.readTree(r.text()).isObject(), r.text());
                complete++;
            } else {
                assertEquals(FinishReason.LENGTH, r.finishReason());
            }
        }
        assertTrue(complete > 0, "some answer ended before the token limit");
    }

    @Test
    void schemaAnswersAlwaysParseAndSatisfyTheSchema() throws Exception {
        for (long seed = 1; seed <= 8; seed++) {
            GenerationResult r = generate(SCHEMA, random(seed), 900);
            assertEquals(FinishReason.STOP, r.finishReason(), "seed " + seed + ": " + r.text());
            JsonNode doc = JSON.readTree(r.text());
            List<String> names = new ArrayList<>();
            doc.fieldNames().forEachRemaining(names::add);
            assertTrue(names.equals(List.of("name", "kind", "tags")) || names.equals(List.of("name", "kind", "tags", "ok")),
                    r.text());
            assertTrue(doc.get("name").isTextual() && doc.get("name").asText().codePointCount(0,
                    doc.get("name").asText().length()) <= 6, r.text());
            assertTrue(Set.of("\"cat\"", "\"dog\"", "3").contains(doc.get("kind").toString()), r.text());
            JsonNode tags = doc.get("tags");
            assertTrue(tags.isArray() && tags.size() >= 1 && tags.size() <= 3, r.text());
            tags.forEach(t -> assertTrue(t.isIntegralNumber(), r.text()));
            assertTrue(!doc.has("ok") || doc.get("ok").isBoolean(), r.text());
        }
    }

    @Test
    void greedyAndPenalizedSamplingFollowTheGrammarToo() throws Exception {
        GenerationResult greedy = generate(SCHEMA, SamplingParams.greedy(), 900);
        assertEquals(FinishReason.STOP, greedy.finishReason(), greedy.text());
        assertTrue(JSON.readTree(greedy.text()).has("tags"), greedy.text());
        GenerationResult topK = generate(SCHEMA, SamplingParams.defaults().withSeed(4).withRepeatPenalty(1.3), 900);
        assertEquals(FinishReason.STOP, topK.finishReason(), topK.text());
        assertTrue(JSON.readTree(topK.text()).has("tags"), topK.text());
    }

    @Test
    void aYesNoGrammarYieldsExactlyOneOfThemAndStops() {
        String yesNo = "root ::= \"yes\" | \"no\"";
        Set<String> seen = new java.util.HashSet<>();
        for (long seed = 0; seed <= 12; seed++) {
            GenerationResult r = generate(yesNo, seed == 0 ? SamplingParams.greedy() : random(seed), 50);
            assertTrue(r.text().equals("yes") || r.text().equals("no"), r.text());
            assertEquals(FinishReason.STOP, r.finishReason());
            assertTrue(r.usage().completionTokens() <= 3, r.toString());
            seen.add(r.text());
        }
        assertEquals(Set.of("yes", "no"), seen, "random weights pick both over 12 seeds");
    }

    @Test
    void theGrammarMayEndWhereTheModelEndsAndStopStringsStillApply() {
        // "a"+ may end after any a: the model's end-of-generation token is then allowed
        GenerationResult r = model.generate(GenerationRequest.ofText(PROMPT, 40, List.of("aaaa"), random(3))
                .withGrammar("root ::= [a]+ [b]?")).collect();
        assertTrue(r.text().matches("a{0,3}|a+b"), r.text());
        assertEquals(FinishReason.STOP, r.finishReason());
    }

    @Test
    void badGrammarsAreRefusedWhenTheGenerationIsPrepared() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.generate(
                GenerationRequest.ofText(PROMPT, 4, List.of(), SamplingParams.greedy()).withGrammar("root ::= \"a\"\nx ::= [b")));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> model.generate(
                GenerationRequest.ofText(PROMPT, 4, List.of(), SamplingParams.greedy()).withGrammar("start ::= \"a\"")));
    }

    @Test
    void aGrammarNoTokenCanContinueFailsClearly() {
        // after "x" only a surrogate code point may follow, which no UTF-8 token can spell
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> generate("root ::= \"x\" [\\uD800]",
                SamplingParams.greedy(), 10));
        assertTrue(e.getMessage().contains("no token"), e.getMessage());
    }
}
