package io.jknife.store.probe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Reading config.json's MLX block: defaults, per-layer overrides, and blocks that are not MLX's. */
class MlxQuantizationTest {
    private static JsonNode json(String s) throws Exception {
        return new ObjectMapper().readTree(s);
    }

    @Test
    void overridesAreKeyedByModulePathAndFallBackToTheBlock() throws Exception {
        MlxQuantization q = MlxQuantization.of(json("""
                {"quantization": {"group_size": 64, "bits": 4,
                  "model.layers.0.mlp.down_proj": {"group_size": 32, "bits": 8},
                  "model.layers.1.mlp.down_proj": {"bits": 6},
                  "model.layers.2.mlp.down_proj": false}}"""));
        assertEquals("MLX_Q4_G64", q.forModule("model.layers.0.self_attn.q_proj").typeName());
        assertEquals("MLX_Q8_G32", q.forModule("model.layers.0.mlp.down_proj").typeName());
        assertEquals("MLX_Q6_G64", q.forModule("model.layers.1.mlp.down_proj").typeName());
        assertEquals("MLX_Q4_G64", q.forModule("model.layers.2.mlp.down_proj").typeName(), "only objects are overrides");
    }

    @Test
    void quantizationConfigCountsOnlyWhenItIsMlxs() throws Exception {
        assertEquals("MLX_Q8_G128", MlxQuantization.of(json("""
                {"quantization_config": {"group_size": 128, "bits": 8}}""")).forModule("x").typeName());
        assertSame(MlxQuantization.UNDECLARED, MlxQuantization.of(json("""
                {"quantization_config": {"quant_method": "awq", "group_size": 128, "bits": 4}}""")));
        assertSame(MlxQuantization.UNDECLARED, MlxQuantization.of(null));
        assertEquals("MLX_Q?_G?", MlxQuantization.UNDECLARED.forModule("x").typeName(), "unknown settings are no engine's");
        assertEquals("MLX_Q4_G?", MlxQuantization.of(json("""
                {"quantization": {"bits": 4}}""")).forModule("x").typeName());
    }

    @Test
    void modesOtherThanAffineAreTypesOfTheirOwn() throws Exception {
        MlxQuantization q = MlxQuantization.of(json("""
                {"quantization": {"group_size": 32, "bits": 4, "mode": "mxfp4",
                  "lm_head": {"group_size": 64, "bits": 8, "mode": "affine"}}}"""));
        assertEquals("MLX_MXFP4_Q4_G32", q.forModule("model.layers.0.mlp.up_proj").typeName());
        assertEquals("MLX_Q8_G64", q.forModule("lm_head").typeName());
        assertEquals("MLX_Q4_G64", MlxQuantization.of(json("""
                {"quantization": {"group_size": 64, "bits": 4, "mode": "affine"}}""")).forModule("x").typeName());
    }
}
