package io.jknife.java.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jknife.formats.FormatException;
import io.jknife.formats.gguf.GgufFile;
import io.jknife.formats.gguf.GgufValueType;
import io.jknife.java.model.Family;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A Hugging Face {@code config.json} read as the Java engine needs it: the text model's settings
 * (the nested {@code text_config} of a multimodal checkpoint, with transformers' defaults for the
 * keys such configs leave out) translated to the GGUF metadata keys llama.cpp's converter would
 * write, so one {@link io.jknife.java.model.ModelConfig} reader serves both formats.
 *
 * @param modelType  the text model's {@code model_type} ({@code llama}, {@code gemma3_text}, ...)
 * @param family     the architecture it runs as
 * @param text       the text model's settings
 * @param quantization MLX's {@code quantization} block, or null
 */
public record HfConfig(String modelType, Family family, JsonNode text, JsonNode quantization) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The {@code model_type}s the engine runs, and the GGUF architecture each becomes. */
    static final Map<String, Family> FAMILIES = Map.of(
            "llama", Family.LLAMA, "mistral", Family.LLAMA, "qwen2", Family.QWEN2, "qwen3", Family.QWEN3,
            "gemma2", Family.GEMMA2, "gemma3_text", Family.GEMMA3, "gemma3", Family.GEMMA3, "phi3", Family.PHI3);

    /**
     * transformers' defaults ({@code LlamaConfig}, {@code MistralConfig}, {@code Gemma3TextConfig}) for
     * the keys multimodal configs leave out of {@code text_config}; text-only checkpoints write their keys in full.
     */
    private static final Map<String, Map<String, Object>> TEXT_DEFAULTS = Map.of(
            "llama", Map.of("vocab_size", 32_000, "hidden_size", 4096, "intermediate_size", 11_008,
                    "num_hidden_layers", 32, "num_attention_heads", 32, "max_position_embeddings", 2048,
                    "rms_norm_eps", 1e-6, "rope_theta", 10_000.0),
            "mistral", Map.of("vocab_size", 32_000, "hidden_size", 4096, "intermediate_size", 14_336,
                    "num_hidden_layers", 32, "num_attention_heads", 32, "num_key_value_heads", 8,
                    "max_position_embeddings", 131_072, "rms_norm_eps", 1e-6, "rope_theta", 10_000.0),
            "gemma3_text", Map.ofEntries(
                    Map.entry("vocab_size", 262_208), Map.entry("hidden_size", 2304), Map.entry("intermediate_size", 9216),
                    Map.entry("num_hidden_layers", 26), Map.entry("num_attention_heads", 8), Map.entry("num_key_value_heads", 4),
                    Map.entry("head_dim", 256), Map.entry("max_position_embeddings", 131_072), Map.entry("rms_norm_eps", 1e-6),
                    Map.entry("rope_theta", 1_000_000.0), Map.entry("query_pre_attn_scalar", 256),
                    Map.entry("sliding_window", 4096)));

    /** Multimodal {@code model_type}s whose {@code text_config} model the engine runs (as text, without images). */
    static final java.util.Set<String> MULTIMODAL = java.util.Set.of("gemma3", "llava");

    /** The {@code model_type}s the engine runs: text models, and multimodal ones as text. */
    public static java.util.Set<String> modelTypes() {
        java.util.Set<String> all = new java.util.TreeSet<>(FAMILIES.keySet());
        all.addAll(MULTIMODAL);
        return all;
    }

    /** Reads {@code dir/config.json}. */
    public static HfConfig read(Path dir) throws FormatException {
        return of(configJson(dir));
    }

    /** {@code dir/config.json} as a JSON object; one clear error when it is missing or not an object. */
    public static JsonNode configJson(Path dir) throws FormatException {
        Path file = dir.resolve("config.json");
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new FormatException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new FormatException(file + " is not a JSON object");
        }
        return root;
    }

    /** The text model of {@code root}: itself, or its {@code text_config}. */
    public static HfConfig of(JsonNode root) throws FormatException {
        JsonNode text = root;
        String type = root.path("model_type").asText("");
        if (root.path("text_config").isObject()) {
            ObjectNode t = ((ObjectNode) root.get("text_config")).deepCopy();
            String inner = t.path("model_type").asText("");
            if (inner.isEmpty()) {
                inner = type.equals("gemma3") ? "gemma3_text" : type;
                t.put("model_type", inner);
            }
            TEXT_DEFAULTS.getOrDefault(inner, Map.of()).forEach((k, v) -> {
                if (!t.has(k) || t.get(k).isNull()) {
                    t.set(k, JSON.valueToTree(v));
                }
            });
            text = t;
            type = inner;
        }
        Family family = FAMILIES.get(type);
        if (family == null) {
            throw new FormatException("model_type '" + type + "' is not supported by the Java engine ("
                    + String.join(", ", FAMILIES.keySet().stream().sorted().toList()) + ")");
        }
        // MLX's block; a quantization_config counts only without a quant_method (AWQ, GPTQ and the like carry one)
        JsonNode qc = root.path("quantization_config");
        JsonNode q = root.path("quantization").isObject() ? root.get("quantization")
                : qc.path("group_size").isNumber() && !qc.has("quant_method") ? qc : null;
        return new HfConfig(type, family, text, q);
    }

    /** The settings under the GGUF keys llama.cpp's converter writes for this architecture. */
    public GgufFile gguf() throws FormatException {
        String a = family.ggufName();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(GgufFile.KEY_ARCHITECTURE, a);
        int hidden = requiredInt("hidden_size");
        int heads = requiredInt("num_attention_heads");
        m.put(a + ".embedding_length", (long) hidden);
        m.put(a + ".block_count", (long) requiredInt("num_hidden_layers"));
        m.put(a + ".attention.head_count", (long) heads);
        m.put(a + ".attention.head_count_kv", (long) optInt("num_key_value_heads", heads));
        m.put(a + ".feed_forward_length", (long) requiredInt("intermediate_size"));
        m.put(a + ".context_length", (long) optInt("max_position_embeddings", 4096));
        m.put(a + ".attention.layer_norm_rms_epsilon", optDouble("rms_norm_eps", 1e-6));
        m.put(a + ".rope.freq_base", optDouble("rope_theta", 10_000));
        int headDim = text.path("head_dim").canConvertToInt() ? text.get("head_dim").asInt() : hidden / heads;
        m.put(a + ".attention.key_length", (long) headDim);
        m.put(a + ".attention.value_length", (long) headDim);
        double partial = optDouble("partial_rotary_factor", 1.0);
        m.put(a + ".rope.dimension_count", (long) (int) (headDim * partial));
        ropeScaling(a, m);
        switch (family) {
            case GEMMA2, GEMMA3 -> {
                // soft-capping: null is none; a missing key is transformers' default (Gemma2 50/30, Gemma3 none)
                boolean g2 = family == Family.GEMMA2;
                m.put(a + ".attention.sliding_window", (long) optInt("sliding_window", 4096));
                m.put(a + ".attn_logit_softcapping", text.path("attn_logit_softcapping").isNull() ? 0.0
                        : optDouble("attn_logit_softcapping", g2 ? 50 : 0));
                m.put(a + ".final_logit_softcapping", text.path("final_logit_softcapping").isNull() ? 0.0
                        : optDouble("final_logit_softcapping", g2 ? 30 : 0));
            }
            case PHI3 -> {
                int window = optInt("sliding_window", 0);
                if (window > 0) { // null: ModelConfig's rule for conversions without the key
                    m.put(a + ".attention.sliding_window", (long) window);
                }
            }
            default -> { }
        }
        Map<String, GgufValueType> types = new LinkedHashMap<>();
        m.forEach((k, v) -> types.put(k, v instanceof String ? GgufValueType.STRING
                : v instanceof Long ? GgufValueType.UINT64 : GgufValueType.FLOAT64));
        return new GgufFile(null, 3, 0, 32, 0, m, types, List.of());
    }

    /** {@code rope_scaling}: llama3 and linear as keys; phi3's long-rope factors come as tensors ({@link #ropeFactors}). */
    private void ropeScaling(String a, Map<String, Object> m) throws FormatException {
        JsonNode rs = text.path("rope_scaling");
        if (!rs.isObject()) {
            return;
        }
        String type = rs.path("rope_type").asText(rs.path("type").asText("none"));
        switch (type) {
            case "default", "none" -> { }
            case "linear" -> {
                m.put(a + ".rope.scaling.type", "linear");
                m.put(a + ".rope.scaling.factor", rs.path("factor").asDouble(1));
            }
            case "llama3" -> {
                m.put(a + ".rope.scaling.type", "llama3");
                m.put(a + ".rope.scaling.factor", rs.path("factor").asDouble(8));
                m.put(a + ".rope.scaling.low_freq_factor", rs.path("low_freq_factor").asDouble(1));
                m.put(a + ".rope.scaling.high_freq_factor", rs.path("high_freq_factor").asDouble(4));
                m.put(a + ".rope.scaling.original_context_length",
                        rs.path("original_max_position_embeddings").asDouble(8192));
            }
            case "longrope", "su" -> {
                long orig = text.path("original_max_position_embeddings").asLong(optInt("max_position_embeddings", 4096));
                double scale = (double) optInt("max_position_embeddings", 4096) / orig;
                m.put(a + ".rope.scaling.original_context_length", orig);
                // the converter's attention factor for long-rope checkpoints
                m.put(a + ".rope.scaling.attn_factor", scale <= 1 ? 1.0 : Math.sqrt(1 + Math.log(scale) / Math.log(orig)));
            }
            default -> throw new FormatException("rope scaling '" + type
                    + "' is not supported by the Java engine (linear, llama3, longrope)");
        }
    }

    /** Phi-3's long-rope {@code short_factor} or {@code long_factor}, when the config has them. */
    Optional<float[]> ropeFactors(String which) {
        JsonNode f = text.path("rope_scaling").path(which);
        if (!f.isArray()) {
            return Optional.empty();
        }
        float[] out = new float[f.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) f.get(i).asDouble();
        }
        return Optional.of(out);
    }

    /** {@code query_pre_attn_scalar^-0.5} where the config states it (Gemma). */
    Optional<Float> queryScale() {
        JsonNode q = text.path("query_pre_attn_scalar");
        return q.isNumber() && q.asDouble() > 0 ? Optional.of((float) (1 / Math.sqrt(q.asDouble()))) : Optional.empty();
    }

    /** The {@code (bits, group size)} MLX used for the module at {@code path} (e.g. {@code model.layers.0.mlp.down_proj}). */
    int[] quantization(String path) throws FormatException {
        if (quantization == null) {
            throw new FormatException(path + " is quantized but config.json has no quantization block");
        }
        JsonNode own = quantization.path(path);
        JsonNode q = own.isObject() ? own : quantization;
        if (!q.path("mode").asText("affine").equals("affine")) {
            throw new FormatException(path + " uses MLX quantization mode '" + q.get("mode").asText()
                    + "'; the Java engine runs affine quantization");
        }
        if (!q.path("bits").canConvertToInt() || !q.path("group_size").canConvertToInt()) {
            throw new FormatException("config.json's quantization block has no bits/group_size for " + path);
        }
        return new int[]{q.get("bits").asInt(), q.get("group_size").asInt()};
    }

    private int requiredInt(String key) throws FormatException {
        JsonNode v = text.path(key);
        if (!v.canConvertToInt() || v.asInt() <= 0) {
            throw new FormatException("config.json has no positive " + key);
        }
        return v.asInt();
    }

    private int optInt(String key, int dflt) {
        JsonNode v = text.path(key);
        return v.canConvertToInt() ? v.asInt() : dflt;
    }

    private double optDouble(String key, double dflt) {
        JsonNode v = text.path(key);
        return v.isNumber() ? v.asDouble() : dflt;
    }
}
