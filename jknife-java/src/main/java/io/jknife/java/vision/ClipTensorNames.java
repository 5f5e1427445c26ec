package io.jknife.java.vision;

import java.util.Map;
import java.util.Optional;
import java.util.function.IntPredicate;

/**
 * Hugging Face vision tensor names ↔ clip.cpp's mmproj names, as llama.cpp's converters write them:
 * the CLIP/SigLIP tower under {@link #TOWER} ({@code v.*}), the LLaVA MLP ({@code linear_1/2} →
 * {@code mm.0/2}) and Gemma 3's projector ({@code mm.input_projection}, {@code mm.soft_emb_norm})
 * under {@link #PROJECTOR}. The legacy LLaVA converter wrote {@code mlp.fc1} as {@code ffn_down} and
 * {@code fc2} as {@code ffn_up}; clip.cpp tells such layers by shape, and so does the caller here.
 */
final class ClipTensorNames {
    /** The prefix the towers are asked for under. */
    static final String TOWER = "vision_tower.vision_model.";
    /** The prefix the projectors are asked for under. */
    static final String PROJECTOR = "multi_modal_projector.";
    private static final String LAYERS = "encoder.layers.";

    private static final Map<String, String> TOWER_NAMES = Map.ofEntries(
            Map.entry("embeddings.class_embedding", "v.class_embd"),
            Map.entry("embeddings.patch_embedding.weight", "v.patch_embd.weight"),
            Map.entry("embeddings.patch_embedding.bias", "v.patch_embd.bias"),
            Map.entry("embeddings.position_embedding.weight", "v.position_embd.weight"),
            Map.entry("pre_layrnorm.weight", "v.pre_ln.weight"),
            Map.entry("pre_layrnorm.bias", "v.pre_ln.bias"),
            Map.entry("post_layernorm.weight", "v.post_ln.weight"),
            Map.entry("post_layernorm.bias", "v.post_ln.bias"));

    private static final Map<String, String> LAYER_NAMES = Map.ofEntries(
            Map.entry("self_attn.q_proj", "attn_q"),
            Map.entry("self_attn.k_proj", "attn_k"),
            Map.entry("self_attn.v_proj", "attn_v"),
            Map.entry("self_attn.out_proj", "attn_out"),
            Map.entry("layer_norm1", "ln1"),
            Map.entry("layer_norm2", "ln2"),
            Map.entry("mlp.fc1", "ffn_up"),
            Map.entry("mlp.fc2", "ffn_down"));

    private static final Map<String, String> PROJECTOR_NAMES = Map.ofEntries(
            Map.entry("linear_1.weight", "mm.0.weight"),
            Map.entry("linear_1.bias", "mm.0.bias"),
            Map.entry("linear_2.weight", "mm.2.weight"),
            Map.entry("linear_2.bias", "mm.2.bias"),
            Map.entry("mm_input_projection_weight", "mm.input_projection.weight"),
            Map.entry("mm_soft_emb_norm.weight", "mm.soft_emb_norm.weight"));

    private ClipTensorNames() {
    }

    /**
     * clip.cpp's name for the Hugging Face tensor {@code hf}; empty for names an mmproj file does not
     * hold. {@code ffnSwapped} says which layers store {@code fc1} as {@code ffn_down} (legacy naming).
     */
    static Optional<String> clipName(String hf, IntPredicate ffnSwapped) {
        if (hf.startsWith(PROJECTOR)) {
            return Optional.ofNullable(PROJECTOR_NAMES.get(hf.substring(PROJECTOR.length())));
        }
        if (!hf.startsWith(TOWER)) {
            return Optional.empty();
        }
        String rest = hf.substring(TOWER.length());
        if (!rest.startsWith(LAYERS)) {
            return Optional.ofNullable(TOWER_NAMES.get(rest));
        }
        rest = rest.substring(LAYERS.length());
        int dot = rest.indexOf('.');
        int end = rest.lastIndexOf('.');
        if (dot <= 0 || end <= dot) {
            return Optional.empty();
        }
        int layer;
        try {
            layer = Integer.parseInt(rest.substring(0, dot));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        if (layer < 0 || !rest.substring(0, dot).equals(Integer.toString(layer))) {
            return Optional.empty();
        }
        String module = LAYER_NAMES.get(rest.substring(dot + 1, end));
        String kind = rest.substring(end + 1);
        if (module == null || !(kind.equals("weight") || kind.equals("bias"))) {
            return Optional.empty();
        }
        if (module.startsWith("ffn_") && ffnSwapped.test(layer)) {
            module = module.equals("ffn_up") ? "ffn_down" : "ffn_up";
        }
        return Optional.of("v.blk." + layer + "." + module + "." + kind);
    }
}
