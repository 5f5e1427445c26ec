package io.jknife.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.jknife.testkit.CacheTree;
import io.jknife.testkit.TinySafetensors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code list} and {@code show} on Hugging Face checkpoints in the cache: safetensors and MLX
 * models are reported as runnable by the Java engine, .bin-only ones with the reason they are not.
 */
class ListShowSafetensorsTest {
    @TempDir
    Path tmp;
    Path hf;

    @BeforeEach
    void setUp() throws IOException {
        hf = tmp.resolve("hf");
        CacheTree cache = CacheTree.at(hf);
        TinySafetensors.Options o = TinySafetensors.Options.defaults();
        cache.repo("mlx-community/Tiny-4bit").files(TinySafetensors.llama(tmp.resolve("q4"), o.withMlx(4, 64)));
        cache.repo("org/Tiny-Gemma2").files(TinySafetensors.llama(tmp.resolve("gemma2"), o.withModelType("gemma2")));
        Path bin = TinySafetensors.llama(tmp.resolve("bin"), o);
        Files.delete(bin.resolve("model.safetensors"));
        Files.write(bin.resolve("pytorch_model.bin"), new byte[]{'P', 'K', 3, 4, 0, 0, 0, 0});
        cache.repo("org/Tiny-Bin").files(bin);
    }

    private Cli.Result json(String... args) {
        Cli.Result r = new Cli(hf).run(args);
        SchemaValidator.assertValid(r.json());
        return r;
    }

    @Test
    void listReportsSafetensorsAndMlxModelsRunnableByJava() {
        Cli.Result r = json("list", "--json");
        assertEquals(0, r.exitCode(), r.toString());
        Map<String, JsonNode> byName = new HashMap<>();
        r.data().get("models").forEach(m -> byName.put(m.get("name").asText(), m));
        assertEquals(3, byName.size(), r.toString());

        JsonNode mlx = byName.get("mlx-community/Tiny-4bit");
        assertEquals("MLX", mlx.get("framework").asText());
        assertTrue(mlx.get("runtime_compatible").asBoolean(), mlx.toString());
        assertEquals("java", mlx.get("engine").asText());
        assertTrue(mlx.get("reason").isNull(), mlx.toString());

        JsonNode gemma = byName.get("org/Tiny-Gemma2");
        assertEquals("PyTorch", gemma.get("framework").asText());
        assertTrue(gemma.get("runtime_compatible").asBoolean(), gemma.toString());
        assertEquals("java", gemma.get("engine").asText());

        JsonNode bin = byName.get("org/Tiny-Bin");
        assertEquals("healthy", bin.get("health").asText(), bin.toString());
        assertFalse(bin.get("runtime_compatible").asBoolean());
        assertTrue(bin.get("engine").isNull());
        assertEquals("pytorch .bin weights are not supported by java (gguf, safetensors only)", bin.get("reason").asText());

        // the table lists runnable models only (mlx-community/ names without the prefix, as the original shows them)
        Cli.Result table = new Cli(hf).run("list");
        assertEquals(0, table.exitCode(), table.toString());
        List<String> rows = List.of(table.out().split("\n"));
        assertTrue(rows.stream().anyMatch(l -> l.startsWith("Tiny-4bit ")), table.out());
        assertTrue(rows.stream().anyMatch(l -> l.startsWith("org/Tiny-Gemma2 ")), table.out());
        assertTrue(rows.stream().noneMatch(l -> l.startsWith("org/Tiny-Bin ")), table.out());
    }

    @Test
    void showReportsTheEngineFormatAndTensorTypes() {
        Cli.Result r = json("show", "mlx-community/Tiny-4bit", "--json");
        assertEquals(0, r.exitCode(), r.toString());
        JsonNode m = r.data().get("model");
        assertEquals("MLX", m.get("framework").asText());
        assertEquals("safetensors", m.get("format").asText());
        assertEquals("llama", m.get("architecture").asText());
        assertEquals("4-bit (group_size=64)", m.get("quantization").asText());
        assertTrue(m.get("runtime_compatible").asBoolean(), m.toString());
        assertEquals("java", m.get("engine").asText());
        assertEquals("safetensors", r.data().at("/metadata/weights_format").asText());
        assertEquals("[\"BF16\",\"MLX_Q4_G64\"]", r.data().at("/metadata/tensor_types").toString());

        Cli.Result gemma = json("show", "org/Tiny-Gemma2", "--json");
        assertEquals("gemma2", gemma.data().at("/model/architecture").asText());
        assertEquals("java", gemma.data().at("/model/engine").asText());
        assertTrue(gemma.data().at("/model/runtime_compatible").asBoolean());

        Cli.Result human = new Cli(hf).run("show", "mlx-community/Tiny-4bit");
        assertEquals(0, human.exitCode(), human.toString());
        assertTrue(human.out().contains("\nEngine: java\n"), human.out());
        assertTrue(human.out().contains("\nHealth: healthy\n"), human.out());
        assertFalse(human.out().contains("Reason:"), human.out());

        Cli.Result bin = new Cli(hf).run("show", "org/Tiny-Bin");
        assertTrue(bin.out().contains("\nHealth: healthy (files OK, runtime incompatible)\n"), bin.out());
        assertTrue(bin.out().contains("\nReason: pytorch .bin weights are not supported by java (gguf, safetensors only)\n"),
                bin.out());
    }
}
