package io.jknife.java;

import io.jknife.engine.EngineException;
import io.jknife.engine.GenerationRequest;
import io.jknife.engine.GenerationResult;
import io.jknife.engine.LoadOptions;
import io.jknife.engine.SamplingParams;
import io.jknife.formats.safetensors.SafetensorsDType;
import io.jknife.testkit.TinySafetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine on Hugging Face checkpoints: tokenizer.json, end tokens from the configs, MLX weights, generation. */
class JavaEngineSafetensorsTest {
    @TempDir
    Path tmp;

    @Test
    void mlxCheckpointGeneratesWithItsOwnTokenizerAndEndTokens() throws Exception {
        Path dir = TinySafetensors.llama(tmp.resolve("Tiny-4bit"), TinySafetensors.Options.defaults().withMlx(4, 64));
        try (JavaModel m = new JavaEngine().loadDirectory(dir, new LoadOptions(256, 2))) {
            assertEquals(256, m.contextSize());
            int eos = m.tokenize("<|eot_id|>", true)[m.tokenize("<|eot_id|>", true).length - 1];
            assertTrue(m.endOfGenerationTokens().contains(eos), m.endOfGenerationTokens() + " has " + eos);
            String text = "Hello world, the tiny model";
            int[] ids = m.tokenize(text, false);
            assertEquals("<|begin_of_text|>", m.detokenize(new int[]{ids[0]}), "the tokenizer's post-processor adds the BOS");
            assertEquals(text, m.detokenize(java.util.Arrays.copyOfRange(ids, 1, ids.length)));
            GenerationResult a = m.generate(GenerationRequest.ofText(text, 12, List.of(), SamplingParams.greedy()))
                    .collect();
            GenerationResult b = m.generate(GenerationRequest.ofText(text, 12, List.of(), SamplingParams.greedy()))
                    .collect();
            assertEquals(a.text(), b.text(), "greedy decoding is deterministic");
            assertTrue(a.usage().completionTokens() > 0);
        }
    }

    @Test
    void plainAndShardedCheckpointsLoadAndUnsupportedOnesAreRefused() throws Exception {
        Path dir = TinySafetensors.llama(tmp.resolve("qwen3"), TinySafetensors.Options.defaults().withModelType("qwen3")
                .withDtype(SafetensorsDType.F16).withShards(2));
        try (JavaModel m = new JavaEngine().loadDirectory(dir, new LoadOptions(64, 1))) {
            GenerationResult r = m.generate(GenerationRequest.ofText("hi", 4, List.of(), SamplingParams.greedy())).collect();
            assertTrue(r.usage().completionTokens() > 0 && r.usage().promptTokens() > 0, r.toString());
        }
        Path bad = TinySafetensors.llama(tmp.resolve("bad"), TinySafetensors.Options.defaults());
        Files.delete(bad.resolve("tokenizer.json"));
        EngineException e = assertThrows(EngineException.class, () -> new JavaEngine().loadDirectory(bad, new LoadOptions(64, 1)));
        assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());
    }
}
