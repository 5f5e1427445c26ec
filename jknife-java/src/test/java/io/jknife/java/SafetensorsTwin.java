package io.jknife.java;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jknife.formats.GgmlType;
import io.jknife.formats.gguf.GgufWriter;
import io.jknife.formats.mlx.MlxQuantized;
import io.jknife.formats.mlx.MlxQuantizer;
import io.jknife.formats.safetensors.SafetensorsHeader;
import io.jknife.formats.safetensors.SafetensorsReader;
import io.jknife.formats.safetensors.SafetensorsTensor;
import io.jknife.java.weights.RotaryRows;
import io.jknife.testkit.TinySafetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The GGUF file llama.cpp's converter would make from a generated Hugging Face checkpoint, written
 * independently of the engine's own translation (names, metadata from the generator's options,
 * llama's q/k row permutation), every weight as F32; MLX-quantized weights are dequantized first.
 * The oracle of the safetensors parity tests.
 */
final class SafetensorsTwin {
    private SafetensorsTwin() {
    }

    static Path write(Path hfDir, TinySafetensors.Options o, Path out) throws IOException {
        Map<String, float[]> w = new HashMap<>();
        Map<String, long[]> shapes = new HashMap<>();
        read(hfDir, o, w, shapes);
        String arch = switch (o.modelType()) {
            case "llama", "mistral" -> "llama";
            case "gemma3_text" -> "gemma3";
            default -> o.modelType();
        };
        boolean gemma = arch.startsWith("gemma");
        JsonNode config = new ObjectMapper().readTree(hfDir.resolve("config.json").toFile());
        int hd = o.headDim();
        GgufWriter g = GgufWriter.create()
                .putString("general.architecture", arch)
                .putUint32(arch + ".embedding_length", o.hiddenSize())
                .putUint32(arch + ".block_count", o.layers())
                .putUint32(arch + ".attention.head_count", o.heads())
                .putUint32(arch + ".attention.head_count_kv", o.kvHeads())
                .putUint32(arch + ".attention.key_length", hd)
                .putUint32(arch + ".attention.value_length", hd)
                .putUint32(arch + ".feed_forward_length", o.intermediateSize())
                .putUint32(arch + ".context_length", o.maxPositions())
                .putFloat32(arch + ".attention.layer_norm_rms_epsilon", (float) o.rmsNormEps())
                .putFloat32(arch + ".rope.freq_base", (float) o.ropeTheta());
        if (gemma || arch.equals("phi3")) {
            if (config.path("sliding_window").isNumber()) {
                g.putUint32(arch + ".attention.sliding_window", config.get("sliding_window").asInt());
            }
            g.putFloat32(arch + ".attn_logit_softcapping", (float) config.path("attn_logit_softcapping").asDouble(0));
            g.putFloat32(arch + ".final_logit_softcapping", (float) config.path("final_logit_softcapping").asDouble(0));
        }
        for (Map.Entry<String, float[]> e : w.entrySet()) {
            String name = gguf(e.getKey(), gemma);
            if (name == null) {
                continue;
            }
            float[] v = e.getValue();
            long[] s = shapes.get(e.getKey());
            if (gemma && name.endsWith("norm.weight")) {
                v = v.clone(); // Gemma computes x * (1 + w); GGUF stores 1 + w
                for (int i = 0; i < v.length; i++) {
                    v[i] += 1;
                }
            }
            if (arch.equals("llama") && (name.endsWith("attn_q.weight") || name.endsWith("attn_k.weight"))) {
                v = RotaryRows.halvesToPairs(v, (int) s[0], (int) s[1], name.endsWith("attn_q.weight") ? o.heads() : o.kvHeads());
            }
            long[] dims = s.length == 2 ? new long[]{s[1], s[0]} : new long[]{s[0]};
            g.tensor(name, dims, v, GgmlType.F32);
        }
        g.write(out);
        return out;
    }

    /** Every float tensor of the checkpoint; MLX triples dequantized under their {@code .weight} name. */
    private static void read(Path dir, TinySafetensors.Options o, Map<String, float[]> w, Map<String, long[]> shapes)
            throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList();
        }
        Map<String, SafetensorsTensor> all = new HashMap<>();
        Map<String, Path> where = new HashMap<>();
        for (Path f : files) {
            SafetensorsHeader h = SafetensorsReader.read(f);
            h.tensors().forEach((n, t) -> {
                all.put(n, t);
                where.put(n, f);
            });
        }
        for (SafetensorsTensor t : all.values()) {
            String n = t.name();
            if (n.endsWith(".scales") || n.endsWith(".biases")) {
                continue;
            }
            String module = n.substring(0, n.lastIndexOf('.'));
            SafetensorsTensor scales = all.get(module + ".scales");
            if (scales != null) {
                SafetensorsTensor biases = all.get(module + ".biases");
                TinySafetensors.MlxLayer layer = o.mlxFor(module);
                int rows = (int) t.shape()[0];
                int cols = (int) (t.shape()[1] * 32 / layer.bits());
                ByteBuffer b = ByteBuffer.wrap(SafetensorsReader.readData(where.get(n), t)).order(ByteOrder.LITTLE_ENDIAN);
                int[] packed = new int[b.remaining() / 4];
                b.asIntBuffer().get(packed);
                MlxQuantized q = new MlxQuantized(rows, cols, layer.bits(), layer.groupSize(), packed,
                        SafetensorsReader.readFloats(where.get(n), scales), SafetensorsReader.readFloats(where.get(n), biases));
                w.put(n, MlxQuantizer.dequantize(q));
                shapes.put(n, new long[]{rows, cols});
            } else {
                w.put(n, SafetensorsReader.readFloats(where.get(n), t));
                shapes.put(n, t.shape());
            }
        }
    }

    private static String gguf(String hf, boolean gemma) {
        if (hf.equals("model.embed_tokens.weight")) {
            return "token_embd.weight";
        }
        if (hf.equals("model.norm.weight")) {
            return "output_norm.weight";
        }
        if (hf.equals("lm_head.weight")) {
            return "output.weight";
        }
        String[] p = hf.split("\\.", 4); // model, layers, N, rest
        if (p.length < 4 || !p[1].equals("layers")) {
            return null;
        }
        String rest = switch (p[3]) {
            case "input_layernorm.weight" -> "attn_norm.weight";
            case "post_attention_layernorm.weight" -> gemma ? "post_attention_norm.weight" : "ffn_norm.weight";
            case "pre_feedforward_layernorm.weight" -> "ffn_norm.weight";
            case "post_feedforward_layernorm.weight" -> "post_ffw_norm.weight";
            case "self_attn.qkv_proj.weight" -> "attn_qkv.weight";
            case "mlp.gate_up_proj.weight" -> "ffn_up.weight";
            case "self_attn.q_proj.weight" -> "attn_q.weight";
            case "self_attn.k_proj.weight" -> "attn_k.weight";
            case "self_attn.v_proj.weight" -> "attn_v.weight";
            case "self_attn.q_proj.bias" -> "attn_q.bias";
            case "self_attn.k_proj.bias" -> "attn_k.bias";
            case "self_attn.v_proj.bias" -> "attn_v.bias";
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
}
