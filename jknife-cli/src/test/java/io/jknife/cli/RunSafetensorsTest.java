package io.jknife.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.jknife.testkit.CacheTree;
import io.jknife.testkit.TinySafetensors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jknife run} on Hugging Face checkpoints in the cache: MLX 4-bit and BF16, through the Java engine. */
class RunSafetensorsTest {
    @TempDir
    static Path tmp;
    static Path hf;

    @BeforeAll
    static void cache() throws Exception {
        hf = tmp.resolve("hf");
        CacheTree cache = CacheTree.at(hf);
        cache.repo("mlx-community/Tiny-4bit").files(TinySafetensors.llama(tmp.resolve("q4"),
                TinySafetensors.Options.defaults().withMlx(4, 64)));
        cache.repo("org/Tiny-Qwen2").files(TinySafetensors.llama(tmp.resolve("qwen2"),
                TinySafetensors.Options.defaults().withModelType("qwen2").withShards(2)));
    }

    @Test
    void mlxAndPlainCheckpointsRunDeterministically() {
        for (String model : new String[]{"Tiny-4bit", "org/Tiny-Qwen2"}) {
            Cli.Result a = new Cli(hf).run("run", model, "Hello", "there", "--temperature", "0", "--max-tokens", "6", "--json");
            assertEquals(0, a.exitCode(), a.toString());
            SchemaValidator.assertValid(a.json());
            JsonNode d = a.data();
            assertEquals("length", d.get("finish_reason").asText(), a.toString());
            assertEquals(6, d.at("/usage/completion_tokens").asInt());
            Cli.Result b = new Cli(hf).run("run", model, "Hello", "there", "--temperature", "0", "--max-tokens", "6", "--json");
            assertEquals(d.get("response"), b.data().get("response"));
        }
        Cli.Result plain = new Cli(hf).run("run", "Tiny-4bit", "Hello", "--temperature", "0", "--max-tokens", "4");
        assertEquals(0, plain.exitCode(), plain.toString());
        assertFalse(plain.out().contains("<|"), "no special tokens printed: " + plain.out());
    }

    @Test
    void llamaCppIsRefusedForSafetensorsWithItsReason() {
        Cli.Result r = new Cli(hf).run("run", "Tiny-4bit", "hi", "--engine", "llamacpp");
        assertEquals(1, r.exitCode(), r.toString());
        assertTrue(r.err().contains("does not load safetensors models"), r.err());
    }
}
