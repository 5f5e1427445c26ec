package io.jknife.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jknife.testkit.CacheTree;
import io.jknife.testkit.TinyGguf;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jknife embed} end to end on a tiny generated BERT GGUF with the real llama.cpp engine. */
class EmbedCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;
    static Path hf;

    @BeforeAll
    static void cache() throws Exception {
        hf = tmp.resolve("hf");
        CacheTree cache = CacheTree.at(hf);
        cache.repo("org/bert-GGUF").file("bert.gguf", TinyGguf.bert(tmp.resolve("b.gguf"), TinyGguf.Options.defaults()));
        cache.repo("org/tiny-GGUF").file("tiny-F32.gguf", TinyGguf.llama(tmp.resolve("m.gguf"), TinyGguf.Options.defaults()));
    }

    static List<JsonNode> lines(String out) throws Exception {
        List<JsonNode> rows = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (!line.isBlank()) {
                rows.add(JSON.readTree(line));
            }
        }
        return rows;
    }

    static double norm(JsonNode v) {
        double s = 0;
        for (JsonNode x : v) {
            s += x.asDouble() * x.asDouble();
        }
        return Math.sqrt(s);
    }

    @Test
    void textGivesOneJsonLine() throws Exception {
        Cli.Result r = new Cli(hf).run("embed", "bert", "hello", "world");
        assertEquals(0, r.exitCode(), r.toString());
        List<JsonNode> rows = lines(r.out());
        assertEquals(1, rows.size(), r.out());
        JsonNode row = rows.getFirst();
        assertEquals(List.of("index", "embedding", "tokens"), iterableToList(row.fieldNames()));
        assertEquals(0, row.get("index").asInt());
        assertEquals(4, row.get("tokens").asInt()); // [CLS] hello world [SEP]
        assertEquals(64, row.get("embedding").size());
        assertEquals(1.0, norm(row.get("embedding")), 1e-4);
    }

    @Test
    void stdinGivesOneLinePerInputAndMatchesSingleInputs() throws Exception {
        StringBuilder in = new StringBuilder("hello world\n\nthe cat\n");
        for (int i = 0; i < 70; i++) {
            in.append("test ").append(i).append('\n');
        }
        Cli.Result piped = new Cli(hf).stdin(in.toString()).run("embed", "bert");
        Cli.Result dash = new Cli(hf).stdin(in.toString()).run("embed", "bert", "-");
        assertEquals(0, piped.exitCode(), piped.toString());
        assertEquals(piped.out(), dash.out());
        List<JsonNode> rows = lines(piped.out());
        assertEquals(72, rows.size()); // the blank line is skipped
        for (int i = 0; i < rows.size(); i++) {
            assertEquals(i, rows.get(i).get("index").asInt());
        }
        JsonNode alone = lines(new Cli(hf).run("embed", "bert", "the cat").out()).getFirst();
        for (int d = 0; d < 64; d++) {
            assertEquals(alone.get("embedding").get(d).asDouble(), rows.get(1).get("embedding").get(d).asDouble(), 1e-5);
        }
        JsonNode last = lines(new Cli(hf).run("embed", "bert", "test 69").out()).getFirst();
        assertEquals(last.get("embedding").get(0).asDouble(), rows.get(71).get("embedding").get(0).asDouble(), 1e-5);
    }

    @Test
    void jsonEnvelopeValidatesAgainstTheSchema() {
        Cli.Result r = new Cli(hf).stdin("a tiny model\nsearch query\n").run("embed", "org/bert-GGUF", "--json");
        assertEquals(0, r.exitCode(), r.toString());
        SchemaValidator.assertValid(r.json());
        JsonNode d = r.data();
        assertEquals("org/bert-GGUF", d.get("model").asText());
        assertEquals(64, d.get("dimensions").asInt());
        assertEquals(2, d.get("embeddings").size());
        assertEquals(d.at("/embeddings/0/tokens").asInt() + d.at("/embeddings/1/tokens").asInt(), d.at("/usage/prompt_tokens").asInt());
    }

    @Test
    void failuresSayWhy() {
        Cli.Result text = new Cli(hf).run("embed", "tiny", "hello", "--json");
        assertEquals(1, text.exitCode(), text.toString());
        SchemaValidator.assertValid(text.json());
        assertTrue(text.json().at("/error/message").asText().contains("not an embedding model"), text.out());

        Cli.Result tooLong = new Cli(hf).stdin("ok\n" + "hello world ".repeat(200) + "\n").run("embed", "bert");
        assertEquals(1, tooLong.exitCode(), tooLong.toString());
        assertTrue(tooLong.err().contains("input 1 has 402 tokens") && tooLong.err().contains("at most 256"), tooLong.err());

        Cli.Result none = new Cli(hf).stdin("\n\n").run("embed", "bert");
        assertEquals(1, none.exitCode(), none.toString());
        assertTrue(none.err().contains("No input"), none.err());

        Cli.Result terminal = new Cli(hf).interactive("").run("embed", "bert");
        assertEquals(1, terminal.exitCode(), terminal.toString());

        Cli.Result unknown = new Cli(hf).run("embed", "no-such-model", "x", "--json");
        assertEquals(1, unknown.exitCode());
        SchemaValidator.assertValid(unknown.json());

        // run points at embed
        Cli.Result run = new Cli(hf).run("run", "bert", "hello");
        assertEquals(1, run.exitCode());
        assertTrue(run.err().contains("jknife embed"), run.err());
    }

    private static List<String> iterableToList(java.util.Iterator<String> it) {
        List<String> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
