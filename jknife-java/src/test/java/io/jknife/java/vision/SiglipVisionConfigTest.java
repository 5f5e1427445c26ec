package io.jknife.java.vision;

import com.fasterxml.jackson.databind.JsonNode;
import io.jknife.formats.FormatException;
import io.jknife.formats.safetensors.SafetensorsDType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SiglipVisionConfigTest {
    @TempDir
    Path tmp;

    private static JsonNode json(String s) throws Exception {
        return LlavaCheckpoints.JSON.readTree(s);
    }

    @Test
    void keysLeftOutTakeTransformersDefaults() throws Exception {
        // SiglipVisionConfig's 224 px / 16 px patches make a 14x14 grid: pooled 2x2 to 7x7 = 49 tokens
        SiglipVisionConfig c = SiglipVisionConfig.of(json("{\"mm_tokens_per_image\": 49, \"vision_config\": {}}"));
        assertEquals(new SiglipVisionConfig(768, 3072, 12, 12, 224, 16, 3, 1e-6, Activation.GELU_TANH, 49, 255999,
                256000, 262144), c);
        assertEquals(196, c.patches());
        assertEquals(7, c.tokensPerSide());
        assertEquals(2, c.poolKernel());
        assertEquals(64, c.headDim());
        // and Gemma3Config's 256 tokens do not fit those defaults (transformers' pooling would fail too)
        FormatException e = assertThrows(FormatException.class,
                () -> SiglipVisionConfig.of(json("{\"model_type\": \"gemma3\", \"vision_config\": {}}")));
        assertEquals("config.json: mm_tokens_per_image 256 (16x16) does not pool a grid of 14x14 patches", e.getMessage());
    }

    @Test
    void gemma3Sizes() throws Exception {
        // google/gemma-3-4b-it's vision_config: 896 px, 14 px patches → 64x64 patches pooled 4x4 to 16x16 = 256
        SiglipVisionConfig c = SiglipVisionConfig.of(json("{\"mm_tokens_per_image\": 256, \"boi_token_index\": 255999,"
                + " \"eoi_token_index\": 256000, \"image_token_index\": 262144, \"vision_config\": {\"hidden_size\": 1152,"
                + " \"image_size\": 896, \"intermediate_size\": 4304, \"model_type\": \"siglip_vision_model\","
                + " \"num_attention_heads\": 16, \"num_hidden_layers\": 27, \"patch_size\": 14, \"vision_use_head\": false}}"));
        assertEquals(4096, c.patches());
        assertEquals(4, c.poolKernel());
        assertEquals(72, c.headDim());
    }

    @Test
    void theTinyCheckpoint() throws Exception {
        Path dir = Gemma3Checkpoints.tiny(tmp.resolve("g"), SafetensorsDType.F32);
        SiglipVisionConfig c = SiglipVisionConfig.read(dir);
        assertEquals(32, c.hiddenSize());
        assertEquals(16, c.patches());
        assertEquals(4, c.mmTokensPerImage());
        assertEquals(2, c.poolKernel());
        assertEquals(1e-6, c.layerNormEps());
        JsonNode root = LlavaCheckpoints.JSON.readTree(dir.resolve("config.json").toFile());
        assertEquals(root.get("image_token_index").asInt(), c.imageTokenId());
        assertEquals(root.get("boi_token_index").asInt(), c.boiTokenId());
        assertEquals(root.get("eoi_token_index").asInt(), c.eoiTokenId());
    }

    @Test
    void imageTokenIdIsAnAlias() throws Exception {
        assertEquals(7, SiglipVisionConfig.of(json("{\"image_token_id\": 7, \"mm_tokens_per_image\": 49, \"vision_config\": {}}"))
                .imageTokenId());
    }

    private static String error(String config) {
        return assertThrows(FormatException.class, () -> SiglipVisionConfig.of(json(config))).getMessage();
    }

    @Test
    void badConfigsAreClearErrors() {
        assertEquals("config.json has no vision_config: not a vision model", error("{\"model_type\": \"gemma3\"}"));
        assertEquals("vision tower 'clip_vision_model' is not supported (siglip_vision_model)",
                error("{\"vision_config\": {\"model_type\": \"clip_vision_model\"}}"));
        assertEquals("config.json: mm_tokens_per_image 5 is not a square number",
                error("{\"mm_tokens_per_image\": 5, \"vision_config\": {}}"));
        assertEquals("config.json: mm_tokens_per_image 9 (3x3) does not pool a grid of 14x14 patches",
                error("{\"mm_tokens_per_image\": 9, \"vision_config\": {}}"));
        assertEquals("config.json: hidden_size 100 is not a multiple of num_attention_heads 12",
                error("{\"mm_tokens_per_image\": 49, \"vision_config\": {\"hidden_size\": 100}}"));
        assertEquals("config.json: image_size 225 is not a multiple of patch_size 16",
                error("{\"vision_config\": {\"image_size\": 225}}"));
        assertEquals("config.json: vision sizes must be positive", error("{\"mm_tokens_per_image\": 49, \"vision_config\": {\"num_hidden_layers\": 0}}"));
        assertEquals("vision_config.hidden_size is not an integer: \"big\"",
                error("{\"vision_config\": {\"hidden_size\": \"big\"}}"));
        assertEquals("mm_tokens_per_image is not an integer: 2.5", error("{\"mm_tokens_per_image\": 2.5, \"vision_config\": {}}"));
        assertEquals("vision_config.layer_norm_eps is not a number: \"x\"",
                error("{\"vision_config\": {\"layer_norm_eps\": \"x\"}}"));
        assertEquals("config.json: image token ids must not be negative", error("{\"boi_token_index\": -1, \"mm_tokens_per_image\": 49, \"vision_config\": {}}"));
        assertTrue(error("{\"vision_config\": {\"hidden_act\": \"relu\"}}").startsWith("vision_config.hidden_act 'relu'"));
    }
}
