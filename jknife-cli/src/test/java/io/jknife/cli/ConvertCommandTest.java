package io.jknife.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jknife.testkit.CacheTree;
import io.jknife.testkit.TinySafetensors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jknife convert} end to end; results read back by show. */
class ConvertCommandTest {
    @TempDir
    Path tmp;
    Path hf;
    Path home;
    Path src;

    @BeforeEach
    void setUp() throws IOException {
        hf = tmp.resolve("hf");
        home = Files.createDirectories(tmp.resolve("ws"));
        src = TinySafetensors.llama(home.resolve("llama"), TinySafetensors.Options.defaults().withShards(2));
    }

    private Cli cli() {
        return new Cli(hf).env("JKNIFE_WORKSPACE_HOME", home.toString());
    }

    private Cli.Result json(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--json");
        Cli.Result r = cli().run(all.toArray(String[]::new));
        SchemaValidator.assertValid(r.json());
        return r;
    }

    @Test
    void quantizeMakesAHealthyCleanMlxWorkspace() throws IOException {
        Cli.Result r = json("convert", "llama", "llama-4bit", "--quantize", "4");
        assertEquals(0, r.exitCode(), r.toString());
        JsonNode d = r.data();
        assertEquals("quantize", d.get("mode").asText());
        assertEquals(4, d.get("bits").asInt());
        assertEquals(64, d.get("group_size").asInt());
        assertEquals("healthy", d.get("health_status").asText());
        Path out = home.resolve("llama-4bit");
        JsonNode sentinel = new ObjectMapper().readTree(out.resolve(".jknife_workspace.json").toFile());
        assertEquals("convert", sentinel.get("operation").asText());
        assertEquals("quantize", sentinel.get("mode").asText());
        assertEquals(src.toString(), sentinel.get("source_repo").asText());
        assertEquals(4, sentinel.get("quantization").get("bits").asInt());
        assertEquals(d.get("content_hash").asText(), sentinel.get("content_hash").asText());

        JsonNode model = json("show", out.toString()).data().get("model");
        assertEquals("MLX", model.get("framework").asText(), model.toString());
        assertEquals("4-bit (group_size=64)", model.get("quantization").asText());
        assertEquals("healthy", model.get("health").asText());
        assertTrue(model.get("clean").asBoolean());
        try (Stream<Path> s = Files.list(home)) {
            assertEquals(2, s.count(), "no staging directory left");
        }
        Cli.Result human = cli().run("convert", "llama", "llama-8bit", "--quantize", "8", "--group-size", "32");
        assertEquals("convert: llama → llama-8bit\n  Mode: quantize\n  Quantized to 8-bit successfully\n  ✓ Health check: passed\n",
                human.out());
    }

    @Test
    void repairIndexFixesABrokenIndex() throws IOException {
        Files.writeString(src.resolve("model.safetensors.index.json"), "{\"weight_map\": {\"x\": \"model-00009-of-00009.safetensors\"}}");
        assertEquals("unhealthy", json("show", src.toString()).data().get("model").get("health").asText());
        Cli.Result r = json("convert", src.toString(), tmp.resolve("fixed").toString(), "--repair-index");
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals("Index rebuilt successfully", r.data().get("message").asText());
        assertEquals("healthy", json("show", tmp.resolve("fixed").toString()).data().get("model").get("health").asText());
    }

    @Test
    void flagAndSourceProblemsAreRefused() throws IOException {
        Cli.Result both = json("convert", "llama", "x", "--repair-index", "--quantize", "4");
        assertEquals(1, both.exitCode());
        assertEquals("InvalidArgumentError", both.json().get("error").get("type").asText());
        assertEquals("--repair-index and --quantize are mutually exclusive", both.json().get("error").get("message").asText());
        assertEquals("--quantize must be 4 or 8 (got 3)", json("convert", "llama", "x", "--quantize", "3").json().get("error").get("message").asText());
        assertEquals("Must specify conversion mode (--repair-index or --quantize N)",
                json("convert", "llama", "x").json().get("error").get("message").asText());
        Path llava = TinySafetensors.visionLlava(home.resolve("llava"));
        Cli.Result mm = json("convert", llava.toString(), tmp.resolve("mm").toString(), "--quantize", "4");
        assertEquals("unsupported_multimodal", mm.json().get("error").get("type").asText());
        assertEquals("llava", mm.json().get("error").get("detail").get("model_type").asText());
        assertFalse(mm.json().get("error").get("retryable").asBoolean());
        assertFalse(Files.exists(tmp.resolve("mm")), "nothing half-written");
        try (Stream<Path> s = Files.list(tmp)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".jknife_stage_")));
        }
        CacheTree.at(hf).repo("org/llama").files(src);
        Path cached = hf.resolve("hub/models--org--llama/snapshots").resolve(CacheTree.commitFor("org/llama", 0));
        Cli.Result fromCache = json("convert", cached.toString(), tmp.resolve("c").toString(), "--quantize", "4");
        assertEquals("ValidationError", fromCache.json().get("error").get("type").asText());
        assertTrue(fromCache.json().get("error").get("message").asText().startsWith("Source path is in the Hugging Face cache"));
        Cli.Result human = cli().run("convert", "nope", "x", "--quantize", "4");
        assertEquals("convert: Error: Source path does not exist: nope\n", human.err());
    }
}
