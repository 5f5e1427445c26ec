package io.jknife.java.weights;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.jknife.formats.FormatException;
import io.jknife.formats.gguf.GgufFile;
import io.jknife.java.model.Family;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** config.json to the engine's settings: nested text configs, transformers' defaults, MLX quantization blocks. */
class HfConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static HfConfig of(String json) throws Exception {
        return HfConfig.of(JSON.readTree(json));
    }

    @Test
    void llavasTextConfigTakesLlamaDefaultsForWhatItLeavesOut() throws Exception {
        // as llava-hf/llava-1.5-7b-hf writes it
        HfConfig c = of("{\"model_type\":\"llava\",\"text_config\":{\"model_type\":\"llama\",\"max_position_embeddings\":4096,"
                + "\"rms_norm_eps\":1e-05,\"vocab_size\":32064},\"vision_config\":{}}");
        assertEquals(Family.LLAMA, c.family());
        GgufFile g = c.gguf();
        assertEquals(4096L, g.integer("llama.embedding_length").orElseThrow());
        assertEquals(11008L, g.integer("llama.feed_forward_length").orElseThrow());
        assertEquals(32L, g.integer("llama.block_count").orElseThrow());
        assertEquals(32L, g.integer("llama.attention.head_count_kv").orElseThrow());
        assertEquals(4096L, g.integer("llama.context_length").orElseThrow(), "the config's own value wins");
        assertEquals(1e-5, g.number("llama.attention.layer_norm_rms_epsilon").orElseThrow(), 1e-12);
    }

    @Test
    void onlyMlxQuantizationBlocksCount() throws Exception {
        String base = "{\"model_type\":\"llama\",\"hidden_size\":64,\"num_attention_heads\":4,\"num_hidden_layers\":1,"
                + "\"intermediate_size\":128,";
        HfConfig mlx = of(base + "\"quantization\":{\"bits\":4,\"group_size\":64,"
                + "\"model.layers.0.mlp.down_proj\":{\"bits\":8,\"group_size\":32}}}");
        assertArrayEquals(new int[]{4, 64}, mlx.quantization("model.layers.0.self_attn.q_proj"));
        assertArrayEquals(new int[]{8, 32}, mlx.quantization("model.layers.0.mlp.down_proj"));
        assertArrayEquals(new int[]{4, 32}, of(base + "\"quantization_config\":{\"bits\":4,\"group_size\":32}}")
                .quantization("lm_head"));
        HfConfig awq = of(base + "\"quantization_config\":{\"quant_method\":\"awq\",\"bits\":4,\"group_size\":128}}");
        assertNull(awq.quantization());
        FormatException e = assertThrows(FormatException.class, () -> awq.quantization("lm_head"));
        assertTrue(e.getMessage().contains("no quantization block"), e.getMessage());
        FormatException mode = assertThrows(FormatException.class, () -> of(base
                + "\"quantization\":{\"bits\":4,\"group_size\":32,\"mode\":\"mxfp4\"}}").quantization("lm_head"));
        assertTrue(mode.getMessage().contains("mode 'mxfp4'"), mode.getMessage());
    }

    @Test
    void gemmaSoftCappingNullIsNoneAndMissingIsTransformersDefault() throws Exception {
        String base = "{\"hidden_size\":64,\"num_attention_heads\":4,\"num_hidden_layers\":2,\"intermediate_size\":128,";
        GgufFile missing = of(base + "\"model_type\":\"gemma2\"}").gguf();
        assertEquals(50.0, missing.number("gemma2.attn_logit_softcapping").orElseThrow());
        assertEquals(30.0, missing.number("gemma2.final_logit_softcapping").orElseThrow());
        GgufFile none = of(base + "\"model_type\":\"gemma2\",\"attn_logit_softcapping\":null,"
                + "\"final_logit_softcapping\":null}").gguf();
        assertEquals(0.0, none.number("gemma2.attn_logit_softcapping").orElseThrow());
        assertEquals(0.0, none.number("gemma2.final_logit_softcapping").orElseThrow());
        assertEquals(0.0, of(base + "\"model_type\":\"gemma3_text\"}").gguf().number("gemma3.final_logit_softcapping")
                .orElseThrow());
    }

    @Test
    void unsupportedRopeScalingAndModelTypesAreRefusedByName() throws Exception {
        String base = "{\"hidden_size\":64,\"num_attention_heads\":4,\"num_hidden_layers\":1,\"intermediate_size\":128,";
        FormatException yarn = assertThrows(FormatException.class,
                () -> of(base + "\"model_type\":\"qwen2\",\"rope_scaling\":{\"type\":\"yarn\",\"factor\":4}}").gguf());
        assertTrue(yarn.getMessage().contains("rope scaling 'yarn'"), yarn.getMessage());
        FormatException mamba = assertThrows(FormatException.class, () -> of(base + "\"model_type\":\"mamba\"}"));
        assertTrue(mamba.getMessage().contains("model_type 'mamba'"), mamba.getMessage());
    }
}
