package io.jknife.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import io.jknife.formats.GgmlType;
import io.jknife.formats.gguf.GgufValueType;
import io.jknife.formats.gguf.GgufWriter;
import io.jknife.formats.safetensors.SafetensorsHeader;
import io.jknife.formats.safetensors.SafetensorsReader;
import io.jknife.formats.safetensors.SafetensorsTensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The GGUF files llama.cpp's converters make of a multimodal Hugging Face checkpoint written by
 * {@link TinySafetensors#visionLlava} or {@link TinySafetensors#gemma3Vision}, independently of the
 * engine: the projector file ({@code mmproj}, clip.cpp's names and layout) and the text model.
 * <ul>
 * <li>LLaVA ({@code clip.projector_type mlp}) as the legacy {@code convert_image_encoder_to_gguf.py}
 * writes it: encoder layers past the deepest {@code vision_feature_layer} dropped
 * ({@code block_count} = that layer, {@code clip.vision.feature_layer} kept), {@code post_layernorm}
 * left out, {@code mlp.fc1}/{@code fc2} named {@code ffn_down}/{@code ffn_up}, the convolution and
 * the projector's matrices always F16.</li>
 * <li>Gemma 3 ({@code gemma3}) as {@code convert_hf_to_gguf.py --mmproj} writes it: every layer,
 * {@code fc1} as {@code ffn_up}, {@code mm.soft_emb_norm} stored as {@code 1 + w},
 * {@code mm.input_projection} always F16, the embeddings always F32, the pooling as
 * {@code clip.vision.projector.scale_factor}.</li>
 * </ul>
 * GGUF dimensions are the PyTorch shape reversed over the same bytes.
 */
public final class TinyMmproj {
    private TinyMmproj() {
    }

    /** The mmproj file of the checkpoint in {@code hfDir}, its matrices {@code type} (F32 or F16) where the converter lets them be. */
    public static Path write(Path hfDir, Path out, GgmlType type) throws IOException {
        if (type != GgmlType.F32 && type != GgmlType.F16) {
            throw new IllegalArgumentException("the converters write F32 or F16, not " + type);
        }
        JsonNode config = HfJson.MAPPER.readTree(hfDir.resolve("config.json").toFile());
        Map<String, Weight> weights = read(hfDir);
        String modelType = config.path("model_type").asText();
        GgufWriter g = switch (modelType) {
            case "llava" -> llava(hfDir, config, weights, type);
            case "gemma3" -> gemma3(hfDir, config, weights, type);
            default -> throw new IllegalArgumentException("not a LLaVA or Gemma 3 checkpoint: " + modelType);
        };
        Files.createDirectories(out.toAbsolutePath().getParent());
        g.write(out);
        return out;
    }

    // ---- LLaVA (legacy converter) --------------------------------------------------------------

    private static GgufWriter llava(Path dir, JsonNode config, Map<String, Weight> weights, GgmlType type)
            throws IOException {
        JsonNode v = config.get("vision_config");
        int layers = v.get("num_hidden_layers").asInt();
        List<Integer> feature = new ArrayList<>();
        JsonNode f = config.get("vision_feature_layer");
        if (f != null) {
            for (JsonNode n : f.isArray() ? f : HfJson.array(f.asInt())) {
                feature.add(n.asInt() >= 0 ? n.asInt() : layers + n.asInt() + 1);
            }
        }
        int kept = feature.isEmpty() ? layers - 1 : feature.stream().mapToInt(Integer::intValue).max().orElseThrow();
        JsonNode pre = HfJson.MAPPER.readTree(dir.resolve("preprocessor_config.json").toFile());
        GgufWriter g = GgufWriter.create()
                .putString("general.architecture", "clip")
                .putBool("clip.has_text_encoder", false)
                .putBool("clip.has_vision_encoder", true)
                .putBool("clip.has_llava_projector", true)
                .putUint32("general.file_type", type == GgmlType.F16 ? 1 : 0)
                .putString("general.name", dir.getFileName().toString())
                .putString("general.description", "image encoder for LLaVA")
                .putString("clip.projector_type", "mlp")
                .putUint32("clip.vision.image_size", v.get("image_size").asInt())
                .putUint32("clip.vision.patch_size", v.get("patch_size").asInt())
                .putUint32("clip.vision.embedding_length", v.get("hidden_size").asInt())
                .putUint32("clip.vision.feed_forward_length", v.get("intermediate_size").asInt())
                .putUint32("clip.vision.projection_dim", v.path("projection_dim").asInt(512))
                .putUint32("clip.vision.attention.head_count", v.get("num_attention_heads").asInt())
                .putFloat32("clip.vision.attention.layer_norm_epsilon", (float) v.path("layer_norm_eps").asDouble(1e-5))
                .putUint32("clip.vision.block_count", kept);
        if (!feature.isEmpty()) {
            g.putInt32s("clip.vision.feature_layer", feature.stream().mapToInt(Integer::intValue).toArray());
        }
        g.putFloat32s("clip.vision.image_mean", floats(pre.get("image_mean")))
                .putFloat32s("clip.vision.image_std", floats(pre.get("image_std")))
                .putBool("clip.use_gelu", v.path("hidden_act").asText("quick_gelu").equals("gelu"));
        String proj = "multi_modal_projector.";
        for (String[] p : new String[][]{{"linear_1", "mm.0"}, {"linear_2", "mm.2"}}) {
            add(g, p[1] + ".weight", weights.get(proj + p[0] + ".weight"), GgmlType.F16);
            add(g, p[1] + ".bias", weights.get(proj + p[0] + ".bias"), GgmlType.F32);
        }
        String tower = "vision_tower.vision_model.";
        for (Map.Entry<String, Weight> e : new TreeMap<>(weights).entrySet()) {
            if (!e.getKey().startsWith(tower) || e.getKey().startsWith(tower + "post_layernorm.")) {
                continue;
            }
            String rest = e.getKey().substring(tower.length());
            if (rest.startsWith("encoder.layers.")
                    && Integer.parseInt(rest.split("\\.")[2]) >= kept) {
                continue; // the converter drops the layers past the deepest feature layer
            }
            String name = legacyName("v." + rest);
            Weight w = e.getValue();
            GgmlType t = w.shape.length == 4 ? GgmlType.F16
                    : type == GgmlType.F16 && name.endsWith(".weight") && w.shape.length == 2 ? GgmlType.F16 : GgmlType.F32;
            add(g, name, w, t);
        }
        return g;
    }

    /** The legacy converter's renaming, as its chain of replacements does it. */
    private static String legacyName(String n) {
        return n.replace("encoder.layers", "blk").replace("embeddings.", "").replace("_proj", "")
                .replace("self_attn.", "attn_").replace("layer_norm", "ln").replace("layernorm", "ln")
                .replace("mlp.fc1", "ffn_down").replace("mlp.fc2", "ffn_up").replace("embedding", "embd")
                .replace("layrnorm", "ln");
    }

    // ---- Gemma 3 (convert_hf_to_gguf.py --mmproj) ----------------------------------------------

    private static GgufWriter gemma3(Path dir, JsonNode config, Map<String, Weight> weights, GgmlType type)
            throws IOException {
        JsonNode v = config.get("vision_config");
        JsonNode pre = HfJson.MAPPER.readTree(dir.resolve("preprocessor_config.json").toFile());
        int image = v.path("image_size").asInt(224);
        int patch = v.path("patch_size").asInt(16);
        int perSide = (int) Math.sqrt(pre.path("image_seq_length").asInt(256));
        int scale = (image / patch) / perSide;
        GgufWriter g = GgufWriter.create()
                .putString("general.architecture", "clip")
                .putUint32("general.file_type", type == GgmlType.F16 ? 1 : 0)
                .putString("general.name", dir.getFileName().toString())
                .putBool("clip.has_vision_encoder", true)
                .putUint32("clip.vision.image_size", image)
                .putUint32("clip.vision.patch_size", patch)
                .putUint32("clip.vision.embedding_length", v.path("hidden_size").asInt(768))
                .putUint32("clip.vision.feed_forward_length", v.path("intermediate_size").asInt(3072))
                .putUint32("clip.vision.projection_dim", config.get("text_config").get("hidden_size").asInt())
                .putUint32("clip.vision.block_count", v.path("num_hidden_layers").asInt(12))
                .putUint32("clip.vision.attention.head_count", v.path("num_attention_heads").asInt(12))
                .putFloat32s("clip.vision.image_mean", floats(pre.get("image_mean")))
                .putFloat32s("clip.vision.image_std", floats(pre.get("image_std")))
                .putString("clip.projector_type", "gemma3")
                .putFloat32("clip.vision.attention.layer_norm_epsilon", (float) v.path("layer_norm_eps").asDouble(1e-6))
                .putBool("clip.use_gelu", true);
        if (scale > 0 && scale != 4) {
            g.putUint32("clip.vision.projector.scale_factor", scale);
        }
        for (Map.Entry<String, Weight> e : new TreeMap<>(weights).entrySet()) {
            String hf = e.getKey();
            if (!hf.startsWith("vision_tower.") && !hf.startsWith("multi_modal_projector.")) {
                continue;
            }
            Weight w = e.getValue();
            String name = gemma3Name(hf);
            GgmlType t;
            if (name.startsWith("mm.input_projection")) {
                t = GgmlType.F16;
            } else if (hf.contains(".embeddings.") || w.shape.length == 1) {
                t = GgmlType.F32;
            } else {
                t = type;
            }
            if (name.equals("mm.soft_emb_norm.weight")) {
                float[] plus = w.values.clone(); // Gemma's RMSNorm scales by 1 + w; the file stores 1 + w
                for (int i = 0; i < plus.length; i++) {
                    plus[i] += 1;
                }
                w = new Weight(w.shape, plus);
            }
            add(g, name, w, t);
        }
        return g;
    }

    private static String gemma3Name(String hf) {
        String n = hf.replace("_weight", ".weight");
        return switch (n) {
            case "multi_modal_projector.mm_input_projection.weight" -> "mm.input_projection.weight";
            case "multi_modal_projector.mm_soft_emb_norm.weight" -> "mm.soft_emb_norm.weight";
            default -> {
                String r = n.substring("vision_tower.vision_model.".length());
                if (r.startsWith("embeddings.")) {
                    yield "v." + r.substring("embeddings.".length()).replace("_embedding", "_embd");
                }
                if (r.startsWith("post_layernorm.")) {
                    yield "v.post_ln." + r.substring("post_layernorm.".length());
                }
                String[] p = r.split("\\.", 4); // encoder, layers, N, module.kind
                String module = p[3].substring(0, p[3].lastIndexOf('.'));
                String kind = p[3].substring(p[3].lastIndexOf('.') + 1);
                String m = switch (module) {
                    case "self_attn.q_proj" -> "attn_q";
                    case "self_attn.k_proj" -> "attn_k";
                    case "self_attn.v_proj" -> "attn_v";
                    case "self_attn.out_proj" -> "attn_out";
                    case "layer_norm1" -> "ln1";
                    case "layer_norm2" -> "ln2";
                    case "mlp.fc1" -> "ffn_up";
                    case "mlp.fc2" -> "ffn_down";
                    default -> throw new IllegalArgumentException("unexpected tensor " + hf);
                };
                yield "v.blk." + p[2] + "." + m + "." + kind;
            }
        };
    }

    // ---- the text model ------------------------------------------------------------------------

    /**
     * The text model of the checkpoint as {@code convert_hf_to_gguf.py} writes it (llama for LLaVA,
     * gemma3 for Gemma 3), every weight F32: llama's q/k rows permuted to llama.cpp's rotary pairing,
     * Gemma's norms as {@code 1 + w}, tied embeddings without {@code output.weight}; the vocabulary
     * ({@code tokenizer.ggml.tokens} with token types, added tokens included) from {@code tokenizer.json}.
     */
    public static Path textModel(Path hfDir, Path out) throws IOException {
        JsonNode config = HfJson.MAPPER.readTree(hfDir.resolve("config.json").toFile());
        JsonNode t = config.get("text_config");
        String arch = switch (config.path("model_type").asText()) {
            case "llava" -> "llama";
            case "gemma3" -> "gemma3";
            default -> throw new IllegalArgumentException("not a LLaVA or Gemma 3 checkpoint");
        };
        boolean gemma = arch.equals("gemma3");
        int hidden = t.get("hidden_size").asInt();
        int heads = t.get("num_attention_heads").asInt();
        int kvHeads = t.path("num_key_value_heads").asInt(heads);
        int headDim = t.path("head_dim").asInt(hidden / heads);
        GgufWriter g = GgufWriter.create()
                .putString("general.architecture", arch)
                .putUint32(arch + ".embedding_length", hidden)
                .putUint32(arch + ".block_count", t.get("num_hidden_layers").asInt())
                .putUint32(arch + ".attention.head_count", heads)
                .putUint32(arch + ".attention.head_count_kv", kvHeads)
                .putUint32(arch + ".attention.key_length", headDim)
                .putUint32(arch + ".attention.value_length", headDim)
                .putUint32(arch + ".feed_forward_length", t.get("intermediate_size").asInt())
                .putUint32(arch + ".context_length", t.path("max_position_embeddings").asInt(4096))
                .putFloat32(arch + ".attention.layer_norm_rms_epsilon", (float) t.path("rms_norm_eps").asDouble(1e-6))
                .putFloat32(arch + ".rope.freq_base", (float) t.path("rope_theta").asDouble(10000));
        if (gemma) {
            if (t.path("sliding_window").isNumber()) {
                g.putUint32(arch + ".attention.sliding_window", t.get("sliding_window").asInt());
            }
            g.putFloat32(arch + ".attn_logit_softcapping", (float) t.path("attn_logit_softcapping").asDouble(0));
            g.putFloat32(arch + ".final_logit_softcapping", (float) t.path("final_logit_softcapping").asDouble(0));
        }
        vocabulary(hfDir, g);
        Map<String, Weight> weights = read(hfDir);
        for (Map.Entry<String, Weight> e : new TreeMap<>(weights).entrySet()) {
            String name = textName(e.getKey(), gemma);
            if (name == null) {
                continue;
            }
            Weight w = e.getValue();
            float[] v = w.values;
            if (gemma && name.endsWith("norm.weight")) {
                v = v.clone();
                for (int i = 0; i < v.length; i++) {
                    v[i] += 1;
                }
            }
            if (!gemma && (name.endsWith("attn_q.weight") || name.endsWith("attn_k.weight"))) {
                v = pairRotaryRows(v, (int) w.shape[0], (int) w.shape[1], name.endsWith("attn_q.weight") ? heads : kvHeads);
            }
            add(g, name, new Weight(w.shape, v), GgmlType.F32);
        }
        Files.createDirectories(out.toAbsolutePath().getParent());
        g.write(out);
        return out;
    }

    /** llama.cpp's name of a text tensor, null for the others (the vision tower, the projector). */
    private static String textName(String hf, boolean gemma) {
        String lm = "language_model.";
        if (!hf.startsWith(lm)) {
            return null;
        }
        String n = hf.substring(lm.length());
        switch (n) {
            case "model.embed_tokens.weight":
                return "token_embd.weight";
            case "model.norm.weight":
                return "output_norm.weight";
            case "lm_head.weight":
                return "output.weight";
            default:
                break;
        }
        String[] p = n.split("\\.", 4); // model, layers, N, rest
        String rest = switch (p[3]) {
            case "input_layernorm.weight" -> "attn_norm.weight";
            case "post_attention_layernorm.weight" -> gemma ? "post_attention_norm.weight" : "ffn_norm.weight";
            case "pre_feedforward_layernorm.weight" -> "ffn_norm.weight";
            case "post_feedforward_layernorm.weight" -> "post_ffw_norm.weight";
            case "self_attn.q_proj.weight" -> "attn_q.weight";
            case "self_attn.k_proj.weight" -> "attn_k.weight";
            case "self_attn.v_proj.weight" -> "attn_v.weight";
            case "self_attn.o_proj.weight" -> "attn_output.weight";
            case "self_attn.q_norm.weight" -> "attn_q_norm.weight";
            case "self_attn.k_norm.weight" -> "attn_k_norm.weight";
            case "mlp.gate_proj.weight" -> "ffn_gate.weight";
            case "mlp.up_proj.weight" -> "ffn_up.weight";
            case "mlp.down_proj.weight" -> "ffn_down.weight";
            default -> throw new IllegalArgumentException("unexpected tensor " + hf);
        };
        return "blk." + p[2] + "." + rest;
    }

    /**
     * The converter's permutation of llama's q/k rows: Hugging Face keeps each head's rotary pairs
     * as its two halves, llama.cpp as adjacent rows.
     */
    private static float[] pairRotaryRows(float[] w, int rows, int cols, int heads) {
        int hd = rows / heads;
        float[] out = new float[w.length];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < hd / 2; i++) {
                System.arraycopy(w, (h * hd + i) * cols, out, (h * hd + 2 * i) * cols, cols);
                System.arraycopy(w, (h * hd + hd / 2 + i) * cols, out, (h * hd + 2 * i + 1) * cols, cols);
            }
        }
        return out;
    }

    /** {@code tokenizer.ggml.tokens} and token types from {@code tokenizer.json}: the model's vocabulary, then added tokens (control). */
    private static void vocabulary(Path dir, GgufWriter g) throws IOException {
        JsonNode tok = HfJson.MAPPER.readTree(dir.resolve("tokenizer.json").toFile());
        Map<Integer, String> byId = new HashMap<>();
        Map<Integer, Integer> types = new HashMap<>();
        JsonNode vocab = tok.path("model").path("vocab");
        if (vocab.isObject()) {
            vocab.properties().forEach(e -> byId.put(e.getValue().asInt(), e.getKey()));
        } else {
            for (int i = 0; i < vocab.size(); i++) {
                byId.put(i, vocab.get(i).get(0).asText());
            }
        }
        for (JsonNode a : tok.path("added_tokens")) {
            byId.put(a.get("id").asInt(), a.get("content").asText());
            types.put(a.get("id").asInt(), a.path("special").asBoolean(false) ? 3 : 4);
        }
        int n = byId.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        List<String> tokens = new ArrayList<>(n);
        int[] type = new int[n];
        for (int i = 0; i < n; i++) {
            tokens.add(byId.getOrDefault(i, "[PAD" + i + "]"));
            type[i] = types.getOrDefault(i, byId.containsKey(i) ? 1 : 5);
        }
        g.putString("tokenizer.ggml.model", "llama")
                .putStrings("tokenizer.ggml.tokens", tokens)
                .putArray("tokenizer.ggml.token_type", GgufValueType.INT32, Arrays.stream(type).boxed().toList());
    }

    // ---- reading the checkpoint ----------------------------------------------------------------

    /** A tensor as floats with its PyTorch shape. */
    private record Weight(long[] shape, float[] values) {
    }

    private static Map<String, Weight> read(Path dir) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList();
        }
        Map<String, Weight> out = new HashMap<>();
        for (Path f : files) {
            SafetensorsHeader h = SafetensorsReader.read(f);
            for (SafetensorsTensor t : h.tensors().values()) {
                if (t.name().endsWith(".scales") || t.name().endsWith(".biases")) {
                    throw new IllegalArgumentException("MLX-quantized checkpoints are not converted here: " + t.name());
                }
                out.put(t.name(), new Weight(t.shape(), SafetensorsReader.readFloats(f, t)));
            }
        }
        return out;
    }

    private static void add(GgufWriter g, String name, Weight w, GgmlType type) {
        if (w == null) {
            throw new IllegalArgumentException("the checkpoint lacks a tensor for " + name);
        }
        long[] dims = new long[w.shape.length];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = w.shape[w.shape.length - 1 - i];
        }
        g.tensor(name, dims, w.values, type);
    }

    private static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) array.get(i).asDouble();
        }
        return out;
    }
}
