package io.jknife.store.probe;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * MLX affine quantization as {@code config.json} declares it: the block's {@code bits} and
 * {@code group_size}, and the per-layer overrides mlx-lm's mixed recipes write into the same block
 * (objects keyed by module path, e.g. {@code "model.layers.0.mlp.down_proj": {"bits": 8, "group_size": 64}}).
 * A module is quantized when its checkpoint has a {@code .scales} tensor; this says with what.
 *
 * @param defaults  the block's own setting
 * @param overrides per-module settings, keyed by module path
 */
record MlxQuantization(Layer defaults, Map<String, Layer> overrides) {

    /**
     * One setting; a null field is missing from the block.
     *
     * @param mode MLX's quantization mode; null is {@code affine} (scales and biases), the only one before
     *             mlx 0.29, whose {@code mxfp4} and similar modes are other math
     */
    record Layer(Integer bits, Integer groupSize, String mode) {
        /**
         * The tensor type engines declare for it: {@code MLX_Q4_G64} for affine quantization,
         * {@code MLX_MXFP4_Q4_G32} for another mode; {@code ?} marks a missing value, which no
         * engine declares, so such a model is refused rather than misread.
         */
        String typeName() {
            String m = mode == null || mode.equalsIgnoreCase("affine") ? "" : mode.toUpperCase(java.util.Locale.ROOT) + "_";
            return "MLX_" + m + "Q" + (bits == null ? "?" : bits) + "_G" + (groupSize == null ? "?" : groupSize);
        }

        private static Layer of(JsonNode n) {
            return new Layer(n.path("bits").canConvertToInt() ? n.get("bits").asInt() : null,
                    n.path("group_size").canConvertToInt() ? n.get("group_size").asInt() : null,
                    n.path("mode").isTextual() ? n.get("mode").asText() : null);
        }
    }

    /** No block: quantized tensors found anyway (MLX safetensors metadata alone) have unknown settings. */
    static final MlxQuantization UNDECLARED = new MlxQuantization(new Layer(null, null, null), Map.of());

    /**
     * The MLX block of {@code config}: {@code quantization}, else a {@code quantization_config} that
     * is MLX's (bits and group_size but no {@code quant_method}, which AWQ, GPTQ and the like carry).
     */
    static MlxQuantization of(JsonNode config) {
        if (config == null) {
            return UNDECLARED;
        }
        JsonNode block = config.get("quantization");
        if (block == null || !block.isObject()) {
            JsonNode qc = config.get("quantization_config");
            block = qc != null && qc.isObject() && !qc.has("quant_method") && qc.has("bits") && qc.has("group_size") ? qc : null;
        }
        if (block == null) {
            return UNDECLARED;
        }
        Map<String, Layer> overrides = new LinkedHashMap<>();
        block.properties().forEach(e -> {
            if (e.getValue().isObject()) {
                overrides.put(e.getKey(), Layer.of(e.getValue()));
            }
        });
        return new MlxQuantization(Layer.of(block), Map.copyOf(overrides));
    }

    /** The setting of the module at {@code path} (its {@code .weight} name without the suffix). */
    Layer forModule(String path) {
        Layer own = overrides.get(path);
        if (own == null) {
            return defaults;
        }
        // an override names what it changes; the rest comes from the block (mlx-lm writes both keys)
        return new Layer(own.bits() != null ? own.bits() : defaults.bits(),
                own.groupSize() != null ? own.groupSize() : defaults.groupSize(),
                own.mode() != null ? own.mode() : defaults.mode());
    }
}
