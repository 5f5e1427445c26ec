package io.jknife.llamacpp.bench;

import io.jknife.formats.GgmlType;
import io.jknife.formats.Gpt2ByteAlphabet;
import io.jknife.formats.gguf.GgufFileType;
import io.jknife.formats.gguf.GgufWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Writes a GGUF model with the shapes of Llama 3.2 1B (hidden 2048, 16 layers, 32 heads, 8 KV
 * heads, FFN 8192, vocabulary 128256, tied embeddings) and random weights, for decode benchmarks:
 * the work per token is that of the real model, the text is nonsense.
 *
 * <p>The vocabulary is synthetic: the 256 byte tokens of GPT-2's byte-level BPE, letter pairs
 * with their merges, filler tokens, and the 256 Llama-3 special tokens at 128000+ (control
 * tokens). Their embedding rows are zero, so their logits are exactly 0 while the largest of the
 * others is positive: greedy decoding never picks an end-of-generation token and always runs to
 * the token limit.
 */
public final class SyntheticLlama {
    public static final int HIDDEN = 2048;
    public static final int LAYERS = 16;
    public static final int HEADS = 32;
    public static final int KV_HEADS = 8;
    public static final int FFN = 8192;
    public static final int VOCAB = 128256;
    public static final int FIRST_SPECIAL = 128000;
    public static final int CONTEXT = 131072;

    private static final int TOKEN_NORMAL = 1;
    private static final int TOKEN_CONTROL = 3;

    private SyntheticLlama() {
    }

    /** Writes the model unless {@code file} already exists; returns {@code file}. */
    public static Path writeIfMissing(Path file, GgmlType type) throws IOException {
        if (Files.isRegularFile(file)) {
            return file;
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        write(file, type);
        return file;
    }

    /** Writes the model with 2-D weights of {@code type} (Q4_0, Q8_0, F16, ...). */
    public static void write(Path file, GgmlType type) throws IOException {
        int headDim = HIDDEN / HEADS;
        int kvDim = headDim * KV_HEADS;
        List<String> tokens = new ArrayList<>(VOCAB);
        List<String> merges = new ArrayList<>();
        int[] types = new int[VOCAB];
        vocabulary(tokens, merges, types);

        GgufWriter w = GgufWriter.create()
                .putString("general.architecture", "llama")
                .putString("general.name", "synthetic-llama-1b-shape")
                .putString("general.type", "model")
                .putUint32("llama.context_length", CONTEXT)
                .putUint32("llama.embedding_length", HIDDEN)
                .putUint32("llama.block_count", LAYERS)
                .putUint32("llama.feed_forward_length", FFN)
                .putUint32("llama.attention.head_count", HEADS)
                .putUint32("llama.attention.head_count_kv", KV_HEADS)
                .putFloat32("llama.attention.layer_norm_rms_epsilon", 1e-5f)
                .putUint32("llama.rope.dimension_count", headDim)
                .putFloat32("llama.rope.freq_base", 500_000f)
                .putUint32("llama.vocab_size", VOCAB)
                .putUint32("general.file_type", GgufFileType.forTensorType(type).orElseThrow().id());
        if (type.isQuantized()) {
            w.putUint32("general.quantization_version", 2);
        }
        w.putString("tokenizer.ggml.model", "gpt2")
                .putString("tokenizer.ggml.pre", "llama-bpe")
                .putStrings("tokenizer.ggml.tokens", tokens)
                .putInt32s("tokenizer.ggml.token_type", types)
                .putStrings("tokenizer.ggml.merges", merges)
                .putUint32("tokenizer.ggml.bos_token_id", FIRST_SPECIAL)
                .putUint32("tokenizer.ggml.eos_token_id", FIRST_SPECIAL + 9)
                .putUint32("tokenizer.ggml.eot_token_id", FIRST_SPECIAL + 9)
                .putBool("tokenizer.ggml.add_bos_token", true);

        w.tensor("token_embd.weight", new long[]{HIDDEN, VOCAB}, embeddings(), type);
        for (int i = 0; i < LAYERS; i++) {
            String b = "blk." + i + ".";
            w.tensor(b + "attn_norm.weight", new long[]{HIDDEN}, ones(HIDDEN), GgmlType.F32);
            w.tensor(b + "attn_q.weight", new long[]{HIDDEN, HIDDEN}, random(b + "q", HIDDEN, HIDDEN), type);
            w.tensor(b + "attn_k.weight", new long[]{HIDDEN, kvDim}, random(b + "k", HIDDEN, kvDim), type);
            w.tensor(b + "attn_v.weight", new long[]{HIDDEN, kvDim}, random(b + "v", HIDDEN, kvDim), type);
            w.tensor(b + "attn_output.weight", new long[]{HIDDEN, HIDDEN}, random(b + "o", HIDDEN, HIDDEN), type);
            w.tensor(b + "ffn_norm.weight", new long[]{HIDDEN}, ones(HIDDEN), GgmlType.F32);
            w.tensor(b + "ffn_gate.weight", new long[]{HIDDEN, FFN}, random(b + "gate", HIDDEN, FFN), type);
            w.tensor(b + "ffn_up.weight", new long[]{HIDDEN, FFN}, random(b + "up", HIDDEN, FFN), type);
            w.tensor(b + "ffn_down.weight", new long[]{FFN, HIDDEN}, random(b + "down", FFN, HIDDEN), type);
        }
        w.tensor("output_norm.weight", new long[]{HIDDEN}, ones(HIDDEN), GgmlType.F32);
        // no output.weight: llama.cpp ties the output projection to token_embd, as Llama 3.2 1B does
        w.write(file);
    }

    private static void vocabulary(List<String> tokens, List<String> merges, int[] types) {
        int[] cp = Gpt2ByteAlphabet.codePoints();
        for (int b : Gpt2ByteAlphabet.byteOrder()) {
            tokens.add(Character.toString(cp[b]));
        }
        for (char x = 'a'; x <= 'z'; x++) {
            for (char y = 'a'; y <= 'z'; y++) {
                tokens.add("" + x + y);
                merges.add(x + " " + y);
            }
        }
        int n = 0;
        while (tokens.size() < FIRST_SPECIAL) {
            tokens.add("tok" + Integer.toString(n++, 36)); // unreachable by merges, but generable
        }
        String[] named = {"<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>",
                "<|reserved_special_token_1|>", "<|finetune_right_pad_id|>", "<|reserved_special_token_2|>",
                "<|start_header_id|>", "<|end_header_id|>", "<|eom_id|>", "<|eot_id|>", "<|python_tag|>"};
        for (int i = 0; i < VOCAB - FIRST_SPECIAL; i++) {
            tokens.add(i < named.length ? named[i] : "<|reserved_special_token_" + (i - named.length + 3) + "|>");
        }
        for (int i = 0; i < VOCAB; i++) {
            types[i] = i >= FIRST_SPECIAL ? TOKEN_CONTROL : TOKEN_NORMAL;
        }
    }

    private static Supplier<float[]> ones(int n) {
        return () -> {
            float[] v = new float[n];
            java.util.Arrays.fill(v, 1f);
            return v;
        };
    }

    /** Uniform weights with standard deviation 1/sqrt(cols), from a fast generator seeded by the tensor name. */
    private static Supplier<float[]> random(String name, int cols, int rows) {
        return () -> {
            float[] v = new float[Math.toIntExact((long) cols * rows)];
            fill(v, name.hashCode(), (float) (Math.sqrt(3.0 / cols)));
            return v;
        };
    }

    /** Embeddings (also the output projection): random rows, zero rows for the special tokens. */
    private static Supplier<float[]> embeddings() {
        return () -> {
            float[] v = new float[Math.toIntExact((long) HIDDEN * VOCAB)];
            fill(v, 12345, (float) Math.sqrt(3.0 / HIDDEN) * 4);
            java.util.Arrays.fill(v, FIRST_SPECIAL * HIDDEN, v.length, 0f);
            return v;
        };
    }

    private static void fill(float[] v, long seed, float scale) {
        long s = seed * 0x9E3779B97F4A7C15L + 1;
        for (int i = 0; i < v.length; i++) {
            s += 0x9E3779B97F4A7C15L; // splitmix64
            long z = s;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z ^= z >>> 31;
            v[i] = ((z >>> 40) * 0x1.0p-24f * 2f - 1f) * scale;
        }
    }
}
