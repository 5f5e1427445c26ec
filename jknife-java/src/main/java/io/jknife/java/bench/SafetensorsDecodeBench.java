package io.jknife.java.bench;

import io.jknife.formats.GgmlType;
import io.jknife.formats.gguf.GgufWriter;
import io.jknife.formats.mlx.MlxQuantized;
import io.jknife.formats.mlx.MlxQuantizer;
import io.jknife.formats.safetensors.SafetensorsDType;
import io.jknife.formats.safetensors.SafetensorsWriter;
import io.jknife.java.JavaEngine;
import io.jknife.java.model.Model;
import io.jknife.java.model.Transformer;
import io.jknife.java.weights.RotaryRows;
import io.jknife.java.weights.SafetensorsModel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Decode speed of the Java engine on a Hugging Face checkpoint against the GGUF of the same
 * weights (issue 9's target: MLX 4-bit group 64 at least 90 % of GGUF Q4_0, BF16 at least 90 % of
 * GGUF F16). One set of random weights with the shapes of Llama 3.2 1B is written four times into
 * {@code --dir} (once; about 6.5 GB): safetensors BF16, MLX 4-bit (group 64, BF16 scales), GGUF F16,
 * GGUF Q4_0 (q/k rows permuted as llama.cpp's converter does). All four are loaded at once and
 * decoded in turns, token by token through the transformer (no tokenizer, no sampling); the
 * medians of {@code --reps} runs are compared.
 *
 * <pre>
 * SafetensorsDecodeBench [--dir DIR] [--tokens 32] [--reps 5] [--threads 2]
 * </pre>
 * Needs {@code --add-modules jdk.incubator.vector} and about 4 GB of heap while writing.
 */
public final class SafetensorsDecodeBench {
    static final int HIDDEN = 2048, LAYERS = 16, HEADS = 32, KV_HEADS = 8, FFN = 8192, VOCAB = 128256;
    static final int HEAD_DIM = HIDDEN / HEADS, KV_DIM = HEAD_DIM * KV_HEADS;

    private SafetensorsDecodeBench() {
    }

    /** One weight of the model: its Hugging Face name, GGUF name and shape [rows, cols] (cols 0: a vector). */
    private record W(String hf, String gguf, int rows, int cols) {
        boolean matrix() {
            return cols > 0;
        }

        float[] values() {
            SplittableRandom r = new SplittableRandom(hf.hashCode() * 0x9E3779B97F4A7C15L);
            int n = matrix() ? rows * cols : rows;
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = matrix() ? (float) (r.nextGaussian() * 0.02) : 1f + (float) (r.nextGaussian() * 0.05);
            }
            return v;
        }
    }

    static List<W> weights() {
        List<W> w = new ArrayList<>();
        w.add(new W("model.embed_tokens.weight", "token_embd.weight", VOCAB, HIDDEN));
        for (int l = 0; l < LAYERS; l++) {
            String h = "model.layers." + l + ".", g = "blk." + l + ".";
            w.add(new W(h + "input_layernorm.weight", g + "attn_norm.weight", HIDDEN, 0));
            w.add(new W(h + "self_attn.q_proj.weight", g + "attn_q.weight", HIDDEN, HIDDEN));
            w.add(new W(h + "self_attn.k_proj.weight", g + "attn_k.weight", KV_DIM, HIDDEN));
            w.add(new W(h + "self_attn.v_proj.weight", g + "attn_v.weight", KV_DIM, HIDDEN));
            w.add(new W(h + "self_attn.o_proj.weight", g + "attn_output.weight", HIDDEN, HIDDEN));
            w.add(new W(h + "post_attention_layernorm.weight", g + "ffn_norm.weight", HIDDEN, 0));
            w.add(new W(h + "mlp.gate_proj.weight", g + "ffn_gate.weight", FFN, HIDDEN));
            w.add(new W(h + "mlp.up_proj.weight", g + "ffn_up.weight", FFN, HIDDEN));
            w.add(new W(h + "mlp.down_proj.weight", g + "ffn_down.weight", HIDDEN, FFN));
        }
        w.add(new W("model.norm.weight", "output_norm.weight", HIDDEN, 0));
        w.add(new W("lm_head.weight", "output.weight", VOCAB, HIDDEN));
        return w;
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of("jknife-java/target/bench-models");
        int tokens = 32, reps = 5, threads = 2;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--dir" -> dir = Path.of(args[++i]);
                case "--tokens" -> tokens = Integer.parseInt(args[++i]);
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Path bf16 = writeSafetensors(dir.resolve("llama1b-shape-bf16"), 0);
        Path mlx4 = writeSafetensors(dir.resolve("llama1b-shape-mlx4-g64"), 4);
        Path f16 = writeGguf(dir.resolve("llama1b-shape-F16.gguf"), GgmlType.F16);
        Path q40 = writeGguf(dir.resolve("llama1b-shape-Q4_0.gguf"), GgmlType.Q4_0);
        String[] names = {"MLX 4-bit g64", "GGUF Q4_0", "safetensors BF16", "GGUF F16"};
        Model[] models = new Model[4];
        try {
            models[0] = Model.load(SafetensorsModel.open(mlx4), JavaEngine.kernels(threads), 512, 32);
            models[1] = Model.load(List.of(q40), JavaEngine.kernels(threads), 512, 32);
            models[2] = Model.load(SafetensorsModel.open(bf16), JavaEngine.kernels(threads), 512, 32);
            models[3] = Model.load(List.of(f16), JavaEngine.kernels(threads), 512, 32);
            double[][] tps = new double[4][reps];
            for (Model m : models) {
                decode(m.transformer(), 4); // warm-up: JIT and page cache
            }
            for (int r = 0; r < reps; r++) {
                for (int m = 0; m < 4; m++) {
                    tps[m][r] = decode(models[m].transformer(), tokens);
                    System.err.printf(Locale.ROOT, "rep %d %-17s %6.2f tok/s%n", r + 1, names[m], tps[m][r]);
                }
            }
            for (int m = 0; m < 4; m++) {
                System.out.printf(Locale.ROOT, "%-17s decode %6.2f tok/s (median of %d, %d threads)%n",
                        names[m], median(tps[m]), reps, threads);
            }
            System.out.printf(Locale.ROOT, "MLX 4-bit / GGUF Q4_0: %.3f   safetensors BF16 / GGUF F16: %.3f%n",
                    median(tps[0]) / median(tps[1]), median(tps[2]) / median(tps[3]));
        } finally {
            for (Model m : models) {
                if (m != null) {
                    m.close();
                }
            }
        }
    }

    /** Tokens per second of {@code n} single-token steps after a short prompt, from an empty cache. */
    static double decode(Transformer t, int n) {
        int[] prompt = {1, 2, 3, 4, 5, 6, 7, 8};
        float[] logits = t.forward(prompt, 0, prompt.length, 0);
        int[] next = new int[1];
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            next[0] = argmax(logits) % VOCAB;
            logits = t.forward(next, 0, 1, prompt.length + i);
        }
        return n / ((System.nanoTime() - t0) / 1e9);
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    private static Path writeSafetensors(Path dir, int bits) throws IOException {
        if (Files.isRegularFile(dir.resolve("model.safetensors"))) {
            return dir;
        }
        Files.createDirectories(dir);
        System.err.println("writing " + dir + " ...");
        SafetensorsWriter st = new SafetensorsWriter();
        for (W w : weights()) {
            float[] v = w.values();
            if (!w.matrix()) {
                st.tensor(w.hf(), SafetensorsDType.BF16, new long[]{w.rows()}, v);
            } else if (bits == 0) {
                st.tensor(w.hf(), SafetensorsDType.BF16, new long[]{w.rows(), w.cols()}, v);
            } else {
                MlxQuantized q = MlxQuantizer.quantize(v, w.rows(), w.cols(), bits, 64, SafetensorsDType.BF16);
                String module = w.hf().substring(0, w.hf().length() - ".weight".length());
                st.tensor(w.hf(), q.weightShape(), q.weight());
                st.tensor(module + ".scales", SafetensorsDType.BF16, q.scalesShape(), q.scales());
                st.tensor(module + ".biases", SafetensorsDType.BF16, q.scalesShape(), q.biases());
            }
        }
        Path tmp = dir.resolve("model.safetensors.tmp");
        st.write(tmp);
        String quant = bits == 0 ? "" : ", \"quantization\": {\"group_size\": 64, \"bits\": " + bits + "}";
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"llama\", \"architectures\": [\"LlamaForCausalLM\"],"
                + " \"hidden_size\": " + HIDDEN + ", \"intermediate_size\": " + FFN + ", \"num_hidden_layers\": " + LAYERS
                + ", \"num_attention_heads\": " + HEADS + ", \"num_key_value_heads\": " + KV_HEADS
                + ", \"max_position_embeddings\": 131072, \"rms_norm_eps\": 1e-5, \"rope_theta\": 500000.0,"
                + " \"vocab_size\": " + VOCAB + ", \"tie_word_embeddings\": false, \"torch_dtype\": \"bfloat16\"" + quant + "}",
                StandardCharsets.UTF_8);
        Files.move(tmp, dir.resolve("model.safetensors"), StandardCopyOption.ATOMIC_MOVE);
        return dir;
    }

    private static Path writeGguf(Path file, GgmlType type) throws IOException {
        if (Files.isRegularFile(file)) {
            return file;
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        System.err.println("writing " + file + " ...");
        GgufWriter g = GgufWriter.create()
                .putString("general.architecture", "llama")
                .putUint32("llama.embedding_length", HIDDEN)
                .putUint32("llama.block_count", LAYERS)
                .putUint32("llama.attention.head_count", HEADS)
                .putUint32("llama.attention.head_count_kv", KV_HEADS)
                .putUint32("llama.feed_forward_length", FFN)
                .putUint32("llama.context_length", 131072)
                .putFloat32("llama.attention.layer_norm_rms_epsilon", 1e-5f)
                .putFloat32("llama.rope.freq_base", 500000f);
        for (W w : weights()) {
            if (!w.matrix()) {
                g.tensor(w.gguf(), new long[]{w.rows()}, w::values, GgmlType.F32);
                continue;
            }
            boolean q = w.gguf().endsWith("attn_q.weight"), k = w.gguf().endsWith("attn_k.weight");
            g.tensor(w.gguf(), new long[]{w.cols(), w.rows()},
                    () -> q || k ? RotaryRows.halvesToPairs(bf16(w.values()), w.rows(), w.cols(), q ? HEADS : KV_HEADS) : bf16(w.values()), type);
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        g.write(tmp);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        return file;
    }

    /** The values as the BF16 checkpoint holds them, so both files start from the same numbers. */
    private static float[] bf16(float[] v) {
        for (int i = 0; i < v.length; i++) {
            v[i] = Float.intBitsToFloat((Float.floatToRawIntBits(v[i]) + 0x8000) & 0xFFFF0000);
        }
        return v;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
