package io.jknife.java.weights;

import io.jknife.java.model.Family;

import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hugging Face tensor names of a decoder to llama.cpp's ({@code model.layers.3.self_attn.q_proj}
 * becomes {@code blk.3.attn_q}), as llama.cpp's converter maps them. Names are module paths without
 * the {@code .weight}/{@code .bias}/{@code .scales}/{@code .biases} suffix; the text model's prefix
 * ({@code model.}, or {@code language_model.model.} in multimodal checkpoints) is cut off first.
 * Names of other parts (a vision tower, rotary caches) have no GGUF name and are ignored.
 */
final class HfTensorNames {
    private static final Pattern LAYER = Pattern.compile("layers\\.(\\d+)\\.(.+)");

    private static final Map<String, String> IN_LAYER = Map.ofEntries(
            Map.entry("input_layernorm", "attn_norm"),
            Map.entry("self_attn.q_proj", "attn_q"),
            Map.entry("self_attn.k_proj", "attn_k"),
            Map.entry("self_attn.v_proj", "attn_v"),
            Map.entry("self_attn.qkv_proj", "attn_qkv"),
            Map.entry("self_attn.o_proj", "attn_output"),
            Map.entry("self_attn.q_norm", "attn_q_norm"),
            Map.entry("self_attn.k_norm", "attn_k_norm"),
            Map.entry("pre_feedforward_layernorm", "ffn_norm"),
            Map.entry("post_feedforward_layernorm", "post_ffw_norm"),
            Map.entry("mlp.gate_proj", "ffn_gate"),
            Map.entry("mlp.up_proj", "ffn_up"),
            Map.entry("mlp.gate_up_proj", "ffn_up"), // phi3: gate and up fused, gate first, as GGUF keeps them
            Map.entry("mlp.down_proj", "ffn_down"));

    private final Family family;

    HfTensorNames(Family family) {
        this.family = family;
    }

    /** The GGUF module name of {@code module} (prefix already cut), if it is part of the text decoder. */
    Optional<String> gguf(String module) {
        switch (module) {
            case "embed_tokens" -> {
                return Optional.of("token_embd");
            }
            case "norm" -> {
                return Optional.of("output_norm");
            }
            default -> { }
        }
        Matcher m = LAYER.matcher(module);
        if (!m.matches()) {
            return Optional.empty();
        }
        String rest = m.group(2);
        String g = rest.equals("post_attention_layernorm")
                // gemma normalizes the attention output itself and has a separate pre-FFN norm
                ? (family == Family.GEMMA2 || family == Family.GEMMA3 ? "post_attention_norm" : "ffn_norm")
                : IN_LAYER.get(rest);
        return g == null ? Optional.empty() : Optional.of("blk." + m.group(1) + "." + g);
    }
}
