package io.jknife.java.vision;

import com.fasterxml.jackson.databind.JsonNode;
import io.jknife.formats.FormatException;
import io.jknife.java.weights.HfConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A LLaVA checkpoint's vision settings: the CLIP tower ({@code vision_config}, keys it leaves out
 * taking {@code CLIPVisionConfig}'s defaults, as llava-1.5's own config relies on) and the
 * top-level keys of {@code LlavaConfig} (with its defaults); or those of a clip.cpp mmproj file
 * ({@link #of(MmprojFile, int)}).
 *
 * @param hiddenSize        the tower's width
 * @param intermediateSize  its MLP's width
 * @param layers            encoder layers in the checkpoint (an mmproj file may hold none: features of the embeddings)
 * @param heads             attention heads
 * @param imageSize         the square image side it takes
 * @param patchSize         the side of a patch (the convolution's kernel and stride)
 * @param channels          input channels (3)
 * @param layerNormEps      LayerNorm epsilon
 * @param hiddenAct         the tower's MLP activation
 * @param featureLayers     the {@code hidden_states} indexes whose features go to the projector (several
 *                          are concatenated), normalized to {@code [0, layers]}: 0 is the embeddings after
 *                          {@code pre_layrnorm}, {@code i} the output of layer {@code i - 1}
 * @param keepClassToken    strategy {@code full} (true) or {@code default} (the CLS row dropped)
 * @param projectorAct      the projector's activation
 * @param projectorBias     whether the projector's linears have biases
 * @param imageTokenId      the {@code <image>} token
 */
public record ClipVisionConfig(int hiddenSize, int intermediateSize, int layers, int heads, int imageSize, int patchSize,
                               int channels, double layerNormEps, Activation hiddenAct, List<Integer> featureLayers,
                               boolean keepClassToken, Activation projectorAct, boolean projectorBias, int imageTokenId) {

    public ClipVisionConfig {
        featureLayers = List.copyOf(featureLayers);
        if (hiddenSize <= 0 || intermediateSize <= 0 || layers < 0 || heads <= 0 || imageSize <= 0 || patchSize <= 0
                || channels <= 0) {
            throw new IllegalArgumentException("vision sizes must be positive");
        }
        if (hiddenSize % heads != 0) {
            throw new IllegalArgumentException("hidden_size " + hiddenSize + " is not a multiple of num_attention_heads " + heads);
        }
        if (imageSize % patchSize != 0) {
            throw new IllegalArgumentException("image_size " + imageSize + " is not a multiple of patch_size " + patchSize);
        }
        if (featureLayers.isEmpty()) {
            throw new IllegalArgumentException("no feature layer");
        }
        for (int l : featureLayers) {
            if (l < 0 || l > layers) {
                throw new IllegalArgumentException("feature layer " + l + " is outside [0, " + layers + "]");
            }
        }
    }

    /** Patches per image: {@code (imageSize / patchSize)²}. */
    public int patches() {
        int side = imageSize / patchSize;
        return side * side;
    }

    /** The tower's sequence: the class token and the patches. */
    public int positions() {
        return patches() + 1;
    }

    /** Features per image, i.e. the text positions one {@code <image>} token expands to. */
    public int imageTokens() {
        return keepClassToken ? positions() : patches();
    }

    public int headDim() {
        return hiddenSize / heads;
    }

    /** The width of a feature row the projector takes: the hidden size times the feature layers. */
    public int featureWidth() {
        return hiddenSize * featureLayers.size();
    }

    /** The deepest layer the features need: the encoder runs no further. */
    public int layersToRun() {
        return featureLayers.stream().mapToInt(Integer::intValue).max().orElseThrow();
    }

    /** Reads {@code dir/config.json}. */
    public static ClipVisionConfig read(Path dir) throws FormatException {
        return of(HfConfig.configJson(dir));
    }

    /** The vision settings of a LLaVA {@code config.json}. */
    public static ClipVisionConfig of(JsonNode root) throws FormatException {
        JsonNode v = root.get("vision_config");
        if (v == null || !v.isObject()) {
            throw new FormatException("config.json has no vision_config: not a vision model");
        }
        String type = v.path("model_type").asText("clip_vision_model");
        if (!type.equals("clip_vision_model")) {
            throw new FormatException("vision tower '" + type + "' is not supported (clip_vision_model)");
        }
        int layers = integer(v, "num_hidden_layers", 12);
        String strategy = root.path("vision_feature_select_strategy").asText("default");
        boolean keepCls = switch (strategy) {
            case "default" -> false;
            case "full" -> true;
            default -> throw new FormatException("vision_feature_select_strategy '" + strategy
                    + "' is not supported (default, full)");
        };
        JsonNode tokenNode = root.has("image_token_index") ? root.get("image_token_index") : root.get("image_token_id");
        if (tokenNode != null && (!tokenNode.isIntegralNumber() || !tokenNode.canConvertToInt())) {
            throw new FormatException("image_token_index is not an integer: " + tokenNode);
        }
        try {
            return new ClipVisionConfig(integer(v, "hidden_size", 768), integer(v, "intermediate_size", 3072), layers,
                    integer(v, "num_attention_heads", 12), integer(v, "image_size", 224), integer(v, "patch_size", 32),
                    integer(v, "num_channels", 3), number(v, "layer_norm_eps", 1e-5),
                    Activation.named(v.path("hidden_act").asText("quick_gelu"), "vision_config.hidden_act"),
                    featureLayers(root.get("vision_feature_layer"), layers), keepCls,
                    Activation.named(root.path("projector_hidden_act").asText("gelu"), "projector_hidden_act"),
                    root.path("multimodal_projector_bias").asBoolean(true),
                    tokenNode == null ? 32000 : tokenNode.asInt());
        } catch (IllegalArgumentException e) {
            throw new FormatException("config.json: " + e.getMessage(), e);
        }
    }

    /**
     * The vision settings of a LLaVA mmproj file ({@code clip.projector_type mlp}) beside a text model
     * whose {@code <image>} token is {@code imageTokenId}. Features are those of
     * {@code clip.vision.feature_layer}; without it clip.cpp stops one layer short of the file's
     * {@code block_count} (hidden state {@code block_count - 1}), which the legacy converter's files
     * rely on. The class token is dropped; the projector is {@code mm.0} → GELU → {@code mm.2}.
     */
    static ClipVisionConfig of(MmprojFile f, int imageTokenId) throws FormatException {
        if (!f.projectorType().equals("mlp")) {
            throw new FormatException(f.path().getFileName() + ": projector type '" + f.projectorType()
                    + "' is not a LLaVA MLP (mlp)");
        }
        if (f.hasTensor("v.post_ln.weight")) {
            throw new FormatException(f.path().getFileName() + ": has v.post_ln.weight, which clip.cpp applies to "
                    + "LLaVA features; the Java engine does not");
        }
        List<Integer> features = f.featureLayers();
        if (features.isEmpty()) {
            features = List.of(Math.max(0, f.layers() - 1));
        }
        try {
            return new ClipVisionConfig(f.hiddenSize(), f.intermediateSize(), f.layers(), f.heads(), f.imageSize(),
                    f.patchSize(), 3, f.layerNormEps(), f.activation(Activation.GELU), features, false, Activation.GELU,
                    f.hasTensor("mm.0.bias"), imageTokenId);
        } catch (IllegalArgumentException e) {
            throw new FormatException(f.path().getFileName() + ": " + e.getMessage(), e);
        }
    }

    /** {@code vision_feature_layer} (default -2; an int or a list) as {@code hidden_states} indexes from 0. */
    private static List<Integer> featureLayers(JsonNode n, int layers) throws FormatException {
        List<JsonNode> items = new ArrayList<>();
        if (n == null || n.isNull()) {
            return List.of(layers - 1);
        } else if (n.isArray()) {
            n.forEach(items::add);
        } else {
            items.add(n);
        }
        List<Integer> out = new ArrayList<>();
        for (JsonNode i : items) {
            if (!i.isIntegralNumber()) {
                throw new FormatException("vision_feature_layer is not an integer or a list of integers: " + n);
            }
            int l = i.asInt();
            int index = l < 0 ? layers + 1 + l : l;
            if (index < 0 || index > layers) {
                throw new FormatException("vision_feature_layer " + l + " does not exist in a tower of " + layers
                        + " layers (hidden states 0.." + layers + ")");
            }
            out.add(index);
        }
        if (out.isEmpty()) {
            throw new FormatException("vision_feature_layer is an empty list");
        }
        return out;
    }

    private static int integer(JsonNode v, String key, int def) throws FormatException {
        JsonNode n = v.get(key);
        if (n == null || n.isNull()) {
            return def;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw new FormatException("vision_config." + key + " is not an integer: " + n);
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
