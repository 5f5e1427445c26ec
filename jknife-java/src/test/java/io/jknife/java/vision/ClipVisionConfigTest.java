package io.jknife.java.vision;

import com.fasterxml.jackson.databind.JsonNode;
import io.jknife.formats.FormatException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClipVisionConfigTest {

    private static ClipVisionConfig parse(String json) throws Exception {
        return ClipVisionConfig.of(LlavaCheckpoints.JSON.readTree(json));
    }

    private static String error(String json) {
        return assertThrows(FormatException.class, () -> parse(json)).getMessage();
    }

    @Test
    void llava15ConfigTakesTheClassDefaults() throws Exception {
        // llava-hf/llava-1.5-7b-hf's vision_config as published: no hidden_act, no layer_norm_eps
        ClipVisionConfig c = parse("""
                {"model_type": "llava", "image_token_index": 32000, "projector_hidden_act": "gelu",
                 "vision_feature_layer": -2, "vision_feature_select_strategy": "default",
                 "vision_config": {"hidden_size": 1024, "image_size": 336, "intermediate_size": 4096,
                   "model_type": "clip_vision_model", "num_attention_heads": 16, "num_hidden_layers": 24,
                   "patch_size": 14, "projection_dim": 768, "vocab_size": 32000}}""");
        assertEquals(Activation.QUICK_GELU, c.hiddenAct());
        assertEquals(1e-5, c.layerNormEps());
        assertEquals(576, c.patches());
        assertEquals(577, c.positions());
        assertEquals(576, c.imageTokens());
        assertEquals(List.of(23), c.featureLayers());
        assertEquals(23, c.layersToRun());
        assertEquals(64, c.headDim());
        assertEquals(Activation.GELU, c.projectorAct());
        assertEquals(32000, c.imageTokenId());
        assertTrue(c.projectorBias());
    }

    @Test
    void topLevelDefaultsAndFullStrategy() throws Exception {
        ClipVisionConfig c = parse("""
                {"image_token_id": 7, "vision_feature_select_strategy": "full",
                 "multimodal_projector_bias": false, "vision_config": {}}""");
        assertEquals(7, c.imageTokenId());
        assertEquals(50, c.imageTokens()); // (224 / 32)² + the class token
        assertEquals(List.of(11), c.featureLayers());
        assertEquals(false, c.projectorBias());
        assertEquals(32000, parse("{\"vision_config\": {}}").imageTokenId());
    }

    @Test
    void unsupportedOrMissingSettingsAreClearErrors() {
        assertEquals("config.json has no vision_config: not a vision model", error("{\"model_type\": \"llava\"}"));
        assertEquals("vision tower 'siglip_vision_model' is not supported (clip_vision_model)",
                error("{\"vision_config\": {\"model_type\": \"siglip_vision_model\"}}"));
        assertEquals("vision_feature_select_strategy 'cls' is not supported (default, full)",
                error("{\"vision_feature_select_strategy\": \"cls\", \"vision_config\": {}}"));
        assertEquals("projector_hidden_act 'relu' is not supported (quick_gelu, gelu, gelu_pytorch_tanh, gelu_new)",
                error("{\"projector_hidden_act\": \"relu\", \"vision_config\": {}}"));
        assertEquals("vision_config.hidden_act 'silu' is not supported (quick_gelu, gelu, gelu_pytorch_tanh, gelu_new)",
                error("{\"vision_config\": {\"hidden_act\": \"silu\"}}"));
        assertEquals("vision_feature_layer -14 does not exist in a tower of 12 layers (hidden states 0..12)",
                error("{\"vision_feature_layer\": -14, \"vision_config\": {}}"));
        assertEquals("vision_feature_layer is not an integer or a list of integers: \"x\"",
                error("{\"vision_feature_layer\": \"x\", \"vision_config\": {}}"));
        assertEquals("vision_config.patch_size is not an integer: 1.5",
                error("{\"vision_config\": {\"patch_size\": 1.5}}"));
        assertEquals("config.json: image_size 100 is not a multiple of patch_size 32",
                error("{\"vision_config\": {\"image_size\": 100}}"));
        assertEquals("config.json: hidden_size 100 is not a multiple of num_attention_heads 12",
                error("{\"vision_config\": {\"hidden_size\": 100}}"));
    }

    @Test
    void readsTheTinyCheckpoint(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        ClipVisionConfig c = ClipVisionConfig.read(LlavaCheckpoints.tiny(tmp, io.jknife.formats.safetensors.SafetensorsDType.F32));
        JsonNode root = LlavaCheckpoints.JSON.readTree(tmp.resolve("config.json").toFile());
        assertEquals(root.get("image_token_index").asInt(), c.imageTokenId());
        assertEquals(16, c.imageTokens());
        assertEquals(root.get("image_seq_length").asInt(), c.imageTokens());
        assertEquals(List.of(0), c.featureLayers());
    }
}
