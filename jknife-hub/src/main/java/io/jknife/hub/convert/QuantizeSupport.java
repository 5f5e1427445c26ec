package io.jknife.hub.convert;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which models {@code convert --quantize} turns into MLX affine quantization. Only text decoders of
 * the Llama family, whose every 2-D {@code *.weight} is a linear layer or the embedding (what
 * mlx-lm's {@code nn.quantize} quantizes); multimodal towers and speech models are refused rather
 * than silently broken.
 */
public final class QuantizeSupport {
    /** Text model types quantized like mlx-lm does. */
    public static final Set<String> TEXT_TYPES = Set.of("llama", "mistral", "qwen2", "qwen3", "gemma2", "gemma3_text", "phi3");
    /** mlx-knife's vision types: their vision towers need per-model rules. */
    static final Set<String> VISION_TYPES = Set.of("llava", "pixtral", "qwen2_vl", "qwen2_5_vl", "idefics2", "idefics3",
            "mllama", "mistral3", "gemma3", "mimo", "gemma4", "paligemma", "llava_next");
    static final Set<String> SPEECH_TYPES = Set.of("whisper", "vibevoice", "voxtral");

    private QuantizeSupport() {
    }

    /** Throws the refusal for a config that cannot be quantized correctly; returns its model type. */
    public static String check(JsonNode config) throws ConvertException {
        String type = config.path("model_type").asText("");
        if (SPEECH_TYPES.contains(type)) {
            throw new ConvertException("not_implemented", "Quantization of speech-to-text model type '" + type
                    + "' is not currently supported.", detail(type), null);
        }
        if (VISION_TYPES.contains(type) || config.path("vision_config").isObject() || config.path("audio_config").isObject()) {
            Map<String, Object> d = detail(type.isEmpty() ? "unknown" : type);
            d.put("verified_types", List.copyOf(new TreeSet<>(TEXT_TYPES)));
            throw new ConvertException("unsupported_multimodal", "Model type '" + (type.isEmpty() ? "unknown" : type)
                    + "' has vision or audio towers; convert --quantize handles text models only ("
                    + String.join(", ", new TreeSet<>(TEXT_TYPES)) + ").", d, null);
        }
        if (!TEXT_TYPES.contains(type)) {
            Map<String, Object> d = detail(type.isEmpty() ? "unknown" : type);
            d.put("verified_types", List.copyOf(new TreeSet<>(TEXT_TYPES)));
            throw new ConvertException("not_implemented", "Quantization of model type '" + (type.isEmpty() ? "unknown" : type)
                    + "' is not supported (supported: " + String.join(", ", new TreeSet<>(TEXT_TYPES)) + ").", d, null);
        }
        return type;
    }

    private static Map<String, Object> detail(String type) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("model_type", type);
        d.put("operation", "convert --quantize");
        return d;
    }
}
