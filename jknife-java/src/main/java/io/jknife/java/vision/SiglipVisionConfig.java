package io.jknife.java.vision;

import com.fasterxml.jackson.databind.JsonNode;
import io.jknife.formats.FormatException;
import io.jknife.java.weights.HfConfig;

import java.nio.file.Path;

/**
 * A Gemma 3 checkpoint's vision settings: the SigLIP tower ({@code vision_config}, keys it leaves
 * out taking {@code SiglipVisionConfig}'s defaults) and the top-level keys of {@code Gemma3Config}
 * (with its defaults) that place the image in the prompt.
 *
 * @param hiddenSize        the tower's width
 * @param intermediateSize  its MLP's width
 * @param layers            encoder layers
 * @param heads             attention heads
 * @param imageSize         the square image side it takes
 * @param patchSize         the side of a patch (the convolution's kernel and stride)
 * @param channels          input channels (3)
 * @param layerNormEps      LayerNorm epsilon of the tower, also the projector's RMSNorm epsilon
 * @param hiddenAct         the tower's MLP activation
 * @param mmTokensPerImage  text positions per image: a square number whose side divides the patch grid's
 * @param boiTokenId        {@code <start_of_image>}
 * @param eoiTokenId        {@code <end_of_image>}
 * @param imageTokenId      {@code <image_soft_token>}, the token whose positions hold image features
 */
public record SiglipVisionConfig(int hiddenSize, int intermediateSize, int layers, int heads, int imageSize,
                                 int patchSize, int channels, double layerNormEps, Activation hiddenAct,
                                 int mmTokensPerImage, int boiTokenId, int eoiTokenId, int imageTokenId) {

    public SiglipVisionConfig {
        if (hiddenSize <= 0 || intermediateSize <= 0 || layers <= 0 || heads <= 0 || imageSize <= 0 || patchSize <= 0
                || channels <= 0 || mmTokensPerImage <= 0) {
            throw new IllegalArgumentException("vision sizes must be positive");
        }
        if (hiddenSize % heads != 0) {
            throw new IllegalArgumentException("hidden_size " + hiddenSize + " is not a multiple of num_attention_heads "
                    + heads);
        }
        if (imageSize % patchSize != 0) {
            throw new IllegalArgumentException("image_size " + imageSize + " is not a multiple of patch_size " + patchSize);
        }
        int side = (int) Math.round(Math.sqrt(mmTokensPerImage));
        if (side * side != mmTokensPerImage) {
            throw new IllegalArgumentException("mm_tokens_per_image " + mmTokensPerImage + " is not a square number");
        }
        if ((imageSize / patchSize) % side != 0) {
            throw new IllegalArgumentException("mm_tokens_per_image " + mmTokensPerImage + " (" + side + "x" + side
                    + ") does not pool a grid of " + imageSize / patchSize + "x" + imageSize / patchSize + " patches");
        }
        if (!(layerNormEps > 0)) {
            throw new IllegalArgumentException("layer_norm_eps must be positive, got " + layerNormEps);
        }
        if (boiTokenId < 0 || eoiTokenId < 0 || imageTokenId < 0) {
            throw new IllegalArgumentException("image token ids must not be negative");
        }
    }

    /** Patches along a side of the image. */
    public int patchesPerSide() {
        return imageSize / patchSize;
    }

    /** The tower's sequence: {@code (imageSize / patchSize)²} patches (no class token). */
    public int patches() {
        return patchesPerSide() * patchesPerSide();
    }

    public int headDim() {
        return hiddenSize / heads;
    }

    /** Pooled rows along a side: {@code sqrt(mmTokensPerImage)}. */
    public int tokensPerSide() {
        return (int) Math.round(Math.sqrt(mmTokensPerImage));
    }

    /** The projector's average-pooling kernel and stride, in patches. */
    public int poolKernel() {
        return patchesPerSide() / tokensPerSide();
    }

    /** Reads {@code dir/config.json}. */
    public static SiglipVisionConfig read(Path dir) throws FormatException {
        return of(HfConfig.configJson(dir));
    }

    /** The vision settings of a Gemma 3 {@code config.json}. */
    public static SiglipVisionConfig of(JsonNode root) throws FormatException {
        JsonNode v = root.get("vision_config");
        if (v == null || !v.isObject()) {
            throw new FormatException("config.json has no vision_config: not a vision model");
        }
        String type = v.path("model_type").asText("siglip_vision_model");
        if (!type.equals("siglip_vision_model")) {
            throw new FormatException("vision tower '" + type + "' is not supported (siglip_vision_model)");
        }
        try {
            return new SiglipVisionConfig(integer(v, "vision_config.", "hidden_size", 768),
                    integer(v, "vision_config.", "intermediate_size", 3072),
                    integer(v, "vision_config.", "num_hidden_layers", 12),
                    integer(v, "vision_config.", "num_attention_heads", 12),
                    integer(v, "vision_config.", "image_size", 224), integer(v, "vision_config.", "patch_size", 16),
                    integer(v, "vision_config.", "num_channels", 3), number(v, "layer_norm_eps", 1e-6),
                    Activation.named(v.path("hidden_act").asText("gelu_pytorch_tanh"), "vision_config.hidden_act"),
                    integer(root, "", "mm_tokens_per_image", 256), integer(root, "", "boi_token_index", 255999),
                    integer(root, "", "eoi_token_index", 256000), imageToken(root));
        } catch (IllegalArgumentException e) {
            throw new FormatException("config.json: " + e.getMessage(), e);
        }
    }

    /** {@code image_token_index}, or {@code image_token_id} as some saves name it; Gemma3Config's default. */
    private static int imageToken(JsonNode root) throws FormatException {
        String key = root.has("image_token_index") || !root.has("image_token_id") ? "image_token_index" : "image_token_id";
        return integer(root, "", key, 262144);
    }

    private static int integer(JsonNode v, String where, String key, int def) throws FormatException {
        JsonNode n = v.get(key);
        if (n == null || n.isNull()) {
            return def;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw new FormatException(where + key + " is not an integer: " + n);
        }
        return n.asInt();
    }

    private static double number(JsonNode v, String key, double def) throws FormatException {
        JsonNode n = v.get(key);
        if (n == null || n.isNull()) {
            return def;
        }
        if (!n.isNumber()) {
            throw new FormatException("vision_config." + key + " is not a number: " + n);
        }
        return n.asDouble();
    }
}
