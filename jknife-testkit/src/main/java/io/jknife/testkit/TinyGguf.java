package io.jknife.testkit;

import io.jknife.formats.GgmlType;
import io.jknife.formats.Gpt2ByteAlphabet;
import io.jknife.formats.gguf.GgufFile;
import io.jknife.formats.gguf.GgufFileType;
import io.jknife.formats.gguf.GgufReader;
import io.jknife.formats.gguf.GgufSplitName;
import io.jknife.formats.gguf.GgufTensorInfo;
import io.jknife.formats.gguf.GgufValueType;
import io.jknife.formats.gguf.GgufWriter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * Writes tiny but real GGUF models with seeded random weights: every metadata key and tensor that
 * llama.cpp's loader requires for the architecture, with the shapes it checks, and a working
 * tokenizer. They load and run (producing nonsense) in llama.cpp, and are small enough for tests.
 *
 * <pre>{@code
 * Path model = TinyGguf.llama(dir.resolve("tiny.gguf"), TinyGguf.Options.defaults());
 * Path qwen = TinyGguf.llama(dir.resolve("q.gguf"), TinyGguf.Options.defaults()
 *         .withArchitecture("qwen3").withWeightType(GgmlType.Q8_0));
 * Path embed = TinyGguf.bert(dir.resolve("e.gguf"), TinyGguf.Options.defaults());
 * List<Path> parts = TinyGguf.split(model, dir, 3);
 * }</pre>
 */
public final class TinyGguf {

    /** Architectures {@link #llama} can write (decoder-only transformers with the llama layout). */
    public static final Set<String> DECODER_ARCHITECTURES = Set.of("llama", "qwen2", "qwen3", "gemma2", "gemma3", "phi3");

    public static final String BOS = "<|begin_of_text|>";
    public static final String EOS = "<|end_of_text|>";
    public static final String START_HEADER = "<|start_header_id|>";
    public static final String END_HEADER = "<|end_header_id|>";
    public static final String EOT = "<|eot_id|>";

    /** A Llama-3-style chat template, as Meta ships it. */
    public static final String LLAMA3_CHAT_TEMPLATE =
            "{% set loop_messages = messages %}{% for message in loop_messages %}"
                    + "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'"
                    + "+ message['content'] | trim + '<|eot_id|>' %}"
                    + "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}"
                    + "{{ content }}{% endfor %}"
                    + "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}";

    // llama.cpp token types
    private static final int TOKEN_NORMAL = 1;
    private static final int TOKEN_UNKNOWN = 2;
    private static final int TOKEN_CONTROL = 3;

    /**
     * What to generate. {@link #defaults()} is a 2-layer llama with 64-wide embeddings.
     *
     * @param architecture      {@code general.architecture}: llama, qwen2, qwen3, gemma2, gemma3 or phi3 for
     *                          {@link #llama}; ignored by {@link #bert}. A "mistral-like" model is
     *                          arch llama with another name.
     * @param name              {@code general.name}; null gives "tiny-ARCH"
     * @param embeddingLength   hidden size (a multiple of 32 for quantized weight types)
     * @param blockCount        layers
     * @param headCount         attention heads (must divide the embedding length)
     * @param headCountKv       key/value heads (must divide headCount)
     * @param feedForwardLength FFN size (a multiple of 32 for quantized weight types)
     * @param contextLength     training context length
     * @param weightType        type of the 2-D weights: F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K or Q6_K
     *                          (norms and biases stay F32; the K types need the embedding and FFN
     *                          sizes to be multiples of 256)
     * @param seed              seed of the random weights
     * @param chatTemplate      whether to write {@code tokenizer.chat_template}
     * @param extraMetadata     more keys written last, replacing generated ones of the same name.
     *                          Values follow {@link GgufWriter#put(String, Object)}, except that
     *                          non-negative Integer/Long up to 2^32-1 become UINT32 and Double
     *                          becomes FLOAT32, the types llama.cpp expects for hyper-parameters
     * @param poolingType       {@code bert.pooling_type} for {@link #bert} (1 mean, 2 CLS)
     */
    public record Options(String architecture, String name, int embeddingLength, int blockCount, int headCount,
                          int headCountKv, int feedForwardLength, int contextLength, GgmlType weightType,
                          long seed, boolean chatTemplate, Map<String, Object> extraMetadata, int poolingType) {

        public Options {
            Objects.requireNonNull(architecture, "architecture");
            Objects.requireNonNull(weightType, "weightType");
            extraMetadata = extraMetadata == null ? Map.of()
                    : Collections.unmodifiableMap(new LinkedHashMap<>(extraMetadata));
            if (embeddingLength <= 0 || blockCount <= 0 || headCount <= 0 || headCountKv <= 0
                    || feedForwardLength <= 0 || contextLength <= 0) {
                throw new IllegalArgumentException("sizes must be positive");
            }
            if (embeddingLength % headCount != 0 || headCount % headCountKv != 0) {
                throw new IllegalArgumentException("headCount must divide embeddingLength and headCountKv headCount");
            }
        }

        public static Options defaults() {
            return new Options("llama", null, 64, 2, 4, 2, 128, 256, GgmlType.F32, 42, true, Map.of(), 1);
        }

        public Options withArchitecture(String a) {
            return new Options(a, name, embeddingLength, blockCount, headCount, headCountKv, feedForwardLength,
                    contextLength, weightType, seed, chatTemplate, extraMetadata, poolingType);
        }

        public Options withName(String n) {
            return new Options(architecture, n, embeddingLength, blockCount, headCount, headCountKv,
                    feedForwardLength, contextLength, weightType, seed, chatTemplate, extraMetadata, poolingType);
        }

        public Options withDims(int embedding, int blocks, int heads, int kvHeads, int feedForward) {
            return new Options(architecture, name, embedding, blocks, heads, kvHeads, feedForward, contextLength,
                    weightType, seed, chatTemplate, extraMetadata, poolingType);
        }

        public Options withContextLength(int n) {
            return new Options(architecture, name, embeddingLength, blockCount, headCount, headCountKv,
                    feedForwardLength, n, weightType, seed, chatTemplate, extraMetadata, poolingType);
        }

        public Options withWeightType(GgmlType t) {
            return new Options(architecture, name, embeddingLength, blockCount, headCount, headCountKv,
                    feedForwardLength, contextLength, t, seed, chatTemplate, extraMetadata, poolingType);
        }

        public Options withSeed(long s) {
            return new Options(architecture, name, embeddingLength, blockCount, headCount, headCountKv,
                    feedForwardLength, contextLength, weightType, s, chatTemplate, extraMetadata, poolingType);
        }

        public Options withChatTemplate(boolean on) {
            return new Options(architecture, name, embeddingLength, blockCount, headCount, headCountKv,
                    feedForwardLength, contextLength, weightType, seed, on, extraMetadata, poolingType);
        }

        public Options withExtraMetadata(Map<String, Object> extra) {
            return new Options(architecture, name, embeddingLength, blockCount, headCount, headCountKv,
                    feedForwardLength, contextLength, weightType, seed, chatTemplate, extra, poolingType);
        }

        /**
         * The tokenizer model: "gpt2" (default, the byte-level BPE vocabulary) or "llama" (the
         * SentencePiece-style {@link TinySpmVocab}), kept as {@code tokenizer.ggml.model} in the extras.
         */
        public Options withTokenizerModel(String model) {
            if (!model.equals("gpt2") && !model.equals("llama")) {
                throw new IllegalArgumentException("tokenizer model must be gpt2 or llama, not " + model);
            }
            return withMetadata("tokenizer.ggml.model", model);
        }

        boolean spmTokenizer() {
            return "llama".equals(extraMetadata.get("tokenizer.ggml.model"));
        }

        /** Adds one extra metadata key. */
        public Options withMetadata(String key, Object value) {
            Map<String, Object> m = new LinkedHashMap<>(extraMetadata);
            m.put(key, value);
            return withExtraMetadata(m);
        }

        public Options withPoolingType(int p) {
            return new Options(architecture, name, embeddingLength, blockCount, headCount, headCountKv,
                    feedForwardLength, contextLength, weightType, seed, chatTemplate, extraMetadata, p);
        }

        int headDim() {
            return embeddingLength / headCount;
        }

        String nameOr(String arch) {
            return name != null ? name : "tiny-" + arch;
        }
    }

    private TinyGguf() {
    }

    // ---- decoder models -------------------------------------------------------------------

    /** {@link #llama(Path, Options)} with {@link Options#defaults()}. */
    public static Path llama(Path file) throws IOException {
        return llama(file, Options.defaults());
    }

    /** The tokens of the byte-level BPE vocabulary every decoder model gets, by id. */
    public static List<String> bpeTokens() {
        return BpeVocab.build().tokens();
    }

    /** The tokens of the WordPiece vocabulary of {@link #bert}, by id, as stored (phantom-space form). */
    public static List<String> wordPieceTokens() {
        return WordPieceVocab.build().tokens();
    }

    /** Writes a tiny decoder-only model (llama, qwen2, qwen3, gemma2, gemma3 or phi3) and returns {@code file}. */
    public static Path llama(Path file, Options o) throws IOException {
        String arch = o.architecture().toLowerCase(Locale.ROOT);
        if (!DECODER_ARCHITECTURES.contains(arch)) {
            throw new IllegalArgumentException("unsupported architecture '" + o.architecture() + "' (supported: "
                    + DECODER_ARCHITECTURES + ")");
        }
        BpeVocab vocab = BpeVocab.build();
        TinySpmVocab spm = o.spmTokenizer() ? TinySpmVocab.build() : null;
        int nVocab = spm != null ? spm.tokens().size() : vocab.tokens().size();
        int embd = o.embeddingLength();
        int headDim = o.headDim();
        int qDim = headDim * o.headCount();
        int kvDim = headDim * o.headCountKv();
        int ff = o.feedForwardLength();
        boolean qwen = arch.startsWith("qwen");
        boolean gemma = arch.equals("gemma3") || arch.equals("gemma2");
        boolean phi3 = arch.equals("phi3");

        GgufWriter w = GgufWriter.create()
                .putString("general.architecture", arch)
                .putString("general.name", o.nameOr(arch))
                .putString("general.type", "model")
                .putUint32(arch + ".context_length", o.contextLength())
                .putUint32(arch + ".embedding_length", embd)
                .putUint32(arch + ".block_count", o.blockCount())
                .putUint32(arch + ".feed_forward_length", ff)
                .putUint32(arch + ".attention.head_count", o.headCount())
                .putUint32(arch + ".attention.head_count_kv", o.headCountKv())
                .putFloat32(arch + ".attention.layer_norm_rms_epsilon", qwen || gemma ? 1e-6f : 1e-5f)
                .putUint32(arch + ".rope.dimension_count", headDim)
                .putFloat32(arch + ".rope.freq_base", qwen || gemma ? 1_000_000f : 10_000f)
                .putUint32(arch + ".vocab_size", nVocab);
        if (gemma || arch.equals("qwen3")) {
            w.putUint32(arch + ".attention.key_length", headDim)
                    .putUint32(arch + ".attention.value_length", headDim);
        }
        if (gemma || phi3) {
            // phi3 in llama.cpp b4916 requires the key; it slides every layer
            w.putUint32(arch + ".attention.sliding_window", Math.max(1, o.contextLength() / 4));
        }
        if (arch.equals("gemma2")) {
            w.putFloat32(arch + ".attn_logit_softcapping", 50f).putFloat32(arch + ".final_logit_softcapping", 30f);
        }
        fileType(w, o.weightType());

        if (spm != null) {
            w.putString("tokenizer.ggml.model", "llama")
                    .putStrings("tokenizer.ggml.tokens", spm.tokens())
                    .putFloat32s("tokenizer.ggml.scores", spm.scores())
                    .putInt32s("tokenizer.ggml.token_type", spm.tokenTypes())
                    .putUint32("tokenizer.ggml.bos_token_id", spm.id(TinySpmVocab.BOS))
                    .putUint32("tokenizer.ggml.eos_token_id", spm.id(TinySpmVocab.EOS))
                    .putUint32("tokenizer.ggml.unknown_token_id", spm.id(TinySpmVocab.UNK))
                    .putBool("tokenizer.ggml.add_bos_token", true)
                    .putBool("tokenizer.ggml.add_eos_token", false);
            if (o.chatTemplate()) {
                w.putString("tokenizer.chat_template", TinyTokenizers.INST_CHAT_TEMPLATE);
            }
        } else {
            w.putString("tokenizer.ggml.model", "gpt2")
                    .putString("tokenizer.ggml.pre", qwen ? "qwen2" : "llama-bpe")
                    .putStrings("tokenizer.ggml.tokens", vocab.tokens())
                    .putInt32s("tokenizer.ggml.token_type", vocab.tokenTypes())
                    .putStrings("tokenizer.ggml.merges", vocab.merges())
                    .putUint32("tokenizer.ggml.bos_token_id", vocab.id(BOS))
                    .putUint32("tokenizer.ggml.eos_token_id", vocab.id(EOT))
                    .putUint32("tokenizer.ggml.eot_token_id", vocab.id(EOT))
                    .putUint32("tokenizer.ggml.padding_token_id", vocab.id(EOS))
                    .putBool("tokenizer.ggml.add_bos_token", true)
                    .putBool("tokenizer.ggml.add_eos_token", false);
            if (o.chatTemplate()) {
                w.putString("tokenizer.chat_template", LLAMA3_CHAT_TEMPLATE);
            }
        }
        extras(w, o);

        Weights r = new Weights(o.seed(), o.weightType());
        r.matrix(w, "token_embd.weight", embd, nVocab);
        for (int i = 0; i < o.blockCount(); i++) {
            String b = "blk." + i + ".";
            r.norm(w, b + "attn_norm.weight", embd);
            if (phi3) {
                r.matrix(w, b + "attn_qkv.weight", embd, qDim + 2 * kvDim); // q, k, v fused as phi3 ships them
            } else {
                r.matrix(w, b + "attn_q.weight", embd, qDim);
                r.matrix(w, b + "attn_k.weight", embd, kvDim);
                r.matrix(w, b + "attn_v.weight", embd, kvDim);
            }
            if (arch.equals("qwen2")) {
                r.bias(w, b + "attn_q.bias", qDim);
                r.bias(w, b + "attn_k.bias", kvDim);
                r.bias(w, b + "attn_v.bias", kvDim);
            }
            if (arch.equals("qwen3") || arch.equals("gemma3")) {
                r.norm(w, b + "attn_q_norm.weight", headDim);
                r.norm(w, b + "attn_k_norm.weight", headDim);
            }
            r.matrix(w, b + "attn_output.weight", qDim, embd);
            if (gemma) {
                r.norm(w, b + "post_attention_norm.weight", embd);
            }
            r.norm(w, b + "ffn_norm.weight", embd);
            if (phi3) {
                r.matrix(w, b + "ffn_up.weight", embd, 2 * ff); // gate then up, fused
            } else {
                r.matrix(w, b + "ffn_gate.weight", embd, ff);
                r.matrix(w, b + "ffn_up.weight", embd, ff);
            }
            r.matrix(w, b + "ffn_down.weight", ff, embd);
            if (gemma) {
                r.norm(w, b + "post_ffw_norm.weight", embd);
            }
        }
        r.norm(w, "output_norm.weight", embd);
        if (!gemma) {
            // gemma2/gemma3 tie the output projection to token_embd, as their real checkpoints do
            r.matrix(w, "output.weight", embd, nVocab);
        }
        w.write(file);
        return file;
    }

    // ---- BERT ------------------------------------------------------------------------------

    /** {@link #bert(Path, Options)} with {@link Options#defaults()}. */
    public static Path bert(Path file) throws IOException {
        return bert(file, Options.defaults());
    }

    /** Writes a tiny BERT embedding model (WordPiece vocabulary, non-causal attention, pooling). */
    public static Path bert(Path file, Options o) throws IOException {
        String arch = "bert";
        WordPieceVocab vocab = WordPieceVocab.build();
        int nVocab = vocab.tokens().size();
        int embd = o.embeddingLength();
        int ff = o.feedForwardLength();
        int tokenTypes = 2;

        GgufWriter w = GgufWriter.create()
                .putString("general.architecture", arch)
                .putString("general.name", o.name() != null ? o.name() : "tiny-bert")
                .putString("general.type", "model")
                .putUint32("bert.context_length", o.contextLength())
                .putUint32("bert.embedding_length", embd)
                .putUint32("bert.block_count", o.blockCount())
                .putUint32("bert.feed_forward_length", ff)
                .putUint32("bert.attention.head_count", o.headCount())
                .putFloat32("bert.attention.layer_norm_epsilon", 1e-12f)
                .putBool("bert.attention.causal", false)
                .putUint32("bert.pooling_type", o.poolingType());
        fileType(w, o.weightType());
        w.putString("tokenizer.ggml.model", "bert")
                .putStrings("tokenizer.ggml.tokens", vocab.tokens())
                .putInt32s("tokenizer.ggml.token_type", vocab.tokenTypes())
                .putUint32("tokenizer.ggml.token_type_count", tokenTypes)
                // like converted BERT checkpoints: [CLS] doubles as BOS and there is no EOS; the
                // [SEP] that ends every input is the separator token
                .putUint32("tokenizer.ggml.bos_token_id", vocab.id("[CLS]"))
                .putUint32("tokenizer.ggml.unknown_token_id", vocab.id("[UNK]"))
                .putUint32("tokenizer.ggml.seperator_token_id", vocab.id("[SEP]"))
                .putUint32("tokenizer.ggml.padding_token_id", vocab.id("[PAD]"))
                .putUint32("tokenizer.ggml.cls_token_id", vocab.id("[CLS]"))
                .putUint32("tokenizer.ggml.mask_token_id", vocab.id("[MASK]"))
                .putBool("tokenizer.ggml.add_bos_token", true)
                .putBool("tokenizer.ggml.add_sep_token", true);
        extras(w, o);

        Weights r = new Weights(o.seed(), o.weightType());
        r.matrix(w, "token_embd.weight", embd, nVocab);
        r.matrix(w, "token_types.weight", embd, tokenTypes, GgmlType.F32);
        r.matrix(w, "position_embd.weight", embd, o.contextLength());
        r.norm(w, "token_embd_norm.weight", embd);
        r.bias(w, "token_embd_norm.bias", embd);
        for (int i = 0; i < o.blockCount(); i++) {
            String b = "blk." + i + ".";
            r.matrix(w, b + "attn_q.weight", embd, embd);
            r.bias(w, b + "attn_q.bias", embd);
            r.matrix(w, b + "attn_k.weight", embd, embd);
            r.bias(w, b + "attn_k.bias", embd);
            r.matrix(w, b + "attn_v.weight", embd, embd);
            r.bias(w, b + "attn_v.bias", embd);
            r.matrix(w, b + "attn_output.weight", embd, embd);
            r.bias(w, b + "attn_output.bias", embd);
            r.norm(w, b + "attn_output_norm.weight", embd);
            r.bias(w, b + "attn_output_norm.bias", embd);
            r.matrix(w, b + "ffn_up.weight", embd, ff);
            r.bias(w, b + "ffn_up.bias", ff);
            r.matrix(w, b + "ffn_down.weight", ff, embd);
            r.bias(w, b + "ffn_down.bias", embd);
            r.norm(w, b + "layer_output_norm.weight", embd);
            r.bias(w, b + "layer_output_norm.bias", embd);
        }
        w.write(file);
        return file;
    }

    // ---- splitting -------------------------------------------------------------------------

    /**
     * Splits a GGUF file into {@code parts} files {@code NAME-00001-of-0000N.gguf} in {@code dir},
     * as llama.cpp's gguf-split does: the first part carries all metadata, every part carries
     * {@code split.no} (UINT16), {@code split.count} (UINT16) and {@code split.tensors.count}
     * (INT32), and tensors are dealt out in order, as evenly as possible.
     *
     * @return the part files in order
     */
    public static List<Path> split(Path source, Path dir, int parts) throws IOException {
        GgufFile src = GgufReader.read(source);
        int n = src.tensors().size();
        if (parts < 1 || parts > n || parts > 99_999) {
            throw new IllegalArgumentException("cannot split " + n + " tensors into " + parts + " parts");
        }
        String base = source.getFileName().toString();
        if (base.endsWith(".gguf")) {
            base = base.substring(0, base.length() - ".gguf".length());
        }
        Files.createDirectories(dir);
        List<Path> out = new ArrayList<>();
        int next = 0;
        for (int p = 0; p < parts; p++) {
            int count = n / parts + (p < n % parts ? 1 : 0);
            GgufWriter w = GgufWriter.create();
            if (p == 0) {
                w.putAll(src);
            }
            // gguf-split sets these last (replacing any old values), so they end the key list
            w.remove(GgufFile.KEY_SPLIT_NO).remove(GgufFile.KEY_SPLIT_COUNT).remove(GgufFile.KEY_SPLIT_TENSORS_COUNT)
                    .putUint16(GgufFile.KEY_SPLIT_NO, p)
                    .putUint16(GgufFile.KEY_SPLIT_COUNT, parts)
                    .putInt32(GgufFile.KEY_SPLIT_TENSORS_COUNT, n);
            for (int i = 0; i < count; i++) {
                GgufTensorInfo t = src.tensors().get(next++);
                w.tensor(t, source);
            }
            Path part = dir.resolve(new GgufSplitName(base, p + 1, parts).fileName());
            w.write(part);
            out.add(part);
        }
        return out;
    }

    // ---- helpers ---------------------------------------------------------------------------

    private static void fileType(GgufWriter w, GgmlType weightType) {
        GgufFileType ft = GgufFileType.forTensorType(weightType).orElseThrow(
                () -> new IllegalArgumentException("no file type for weight type " + weightType));
        w.putUint32("general.file_type", ft.id());
        if (weightType.isQuantized()) {
            w.putUint32("general.quantization_version", 2);
        }
    }

    private static void extras(GgufWriter w, Options o) {
        for (Map.Entry<String, Object> e : o.extraMetadata().entrySet()) {
            Object v = e.getValue();
            if ((v instanceof Integer || v instanceof Long) && ((Number) v).longValue() >= 0
                    && ((Number) v).longValue() <= 0xFFFF_FFFFL) {
                w.put(e.getKey(), GgufValueType.UINT32, ((Number) v).longValue());
            } else if (v instanceof Double d) {
                w.put(e.getKey(), GgufValueType.FLOAT32, d.floatValue());
            } else {
                w.put(e.getKey(), v);
            }
        }
    }

    /** Seeded weights; each tensor's values depend only on the seed and its name, and are made at write time. */
    private record Weights(long seed, GgmlType weightType) {
        void matrix(GgufWriter w, String name, int cols, int rows) {
            matrix(w, name, cols, rows, weightType);
        }

        void matrix(GgufWriter w, String name, int cols, int rows, GgmlType type) {
            float scale = (float) (1.0 / Math.sqrt(cols));
            w.tensor(name, new long[]{cols, rows}, gaussian(name, (long) cols * rows, scale), type);
        }

        void norm(GgufWriter w, String name, int n) {
            SplittableRandom rnd = random(name);
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = 1f + (float) (rnd.nextDouble() - 0.5) * 0.1f;
            }
            w.tensor(name, new long[]{n}, v, GgmlType.F32);
        }

        void bias(GgufWriter w, String name, int n) {
            w.tensor(name, new long[]{n}, gaussian(name, n, 0.01f).get(), GgmlType.F32);
        }

        private Supplier<float[]> gaussian(String name, long count, float scale) {
            return () -> {
                Random rnd = new Random(seed * 31 + name.hashCode());
                float[] v = new float[Math.toIntExact(count)];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) rnd.nextGaussian() * scale;
                }
                return v;
            };
        }

        private SplittableRandom random(String name) {
            return new SplittableRandom(seed * 31 + name.hashCode());
        }
    }

    /**
     * A byte-level BPE vocabulary in GPT-2's encoding: the 256 byte symbols, tokens merged from
     * them for some common words (each merge joins two tokens that exist before it), then the
     * Llama-3 special tokens.
     */
    record BpeVocab(List<String> tokens, int[] tokenTypes, List<String> merges, Map<String, Integer> ids) {
        private static final List<String> WORDS = List.of(
                " the", " and", " of", " to", " a", " in", " is", " it", " you", " that", " for", " on",
                " with", " as", " be", " this", " are", " hello", " world", " llama", " model", " tiny",
                " test", "ing", "er", "ed", "the", "Hello", " I", " am", ".", "\n\n", " user", " assistant",
                "user", "assistant", "system");

        static BpeVocab build() {
            int[] codePoints = Gpt2ByteAlphabet.codePoints();
            String[] byteSymbol = new String[256];
            for (int b = 0; b < 256; b++) {
                byteSymbol[b] = Character.toString(codePoints[b]);
            }
            List<String> tokens = new ArrayList<>();
            List<Integer> types = new ArrayList<>();
            // GPT-2 order: the printable bytes first, then the remapped ones
            for (int b : Gpt2ByteAlphabet.byteOrder()) {
                tokens.add(byteSymbol[b]);
                types.add(TOKEN_NORMAL);
            }
            Set<String> known = new LinkedHashSet<>(tokens);
            List<String> merges = new ArrayList<>();
            for (String word : WORDS) {
                byte[] bytes = word.getBytes(StandardCharsets.UTF_8);
                String acc = byteSymbol[bytes[0] & 0xFF];
                for (int i = 1; i < bytes.length; i++) {
                    String next = byteSymbol[bytes[i] & 0xFF];
                    String merged = acc + next;
                    if (known.add(merged)) {
                        merges.add(acc + " " + next);
                        tokens.add(merged);
                        types.add(TOKEN_NORMAL);
                    }
                    acc = merged;
                }
            }
            for (String special : List.of(BOS, EOS, START_HEADER, END_HEADER, EOT)) {
                tokens.add(special);
                types.add(TOKEN_CONTROL);
            }
            Map<String, Integer> ids = new LinkedHashMap<>();
            for (int i = 0; i < tokens.size(); i++) {
                ids.put(tokens.get(i), i);
            }
            return new BpeVocab(List.copyOf(tokens), types.stream().mapToInt(Integer::intValue).toArray(),
                    List.copyOf(merges), ids);
        }

        int id(String token) {
            Integer id = ids.get(token);
            if (id == null) {
                throw new IllegalArgumentException("no token " + token);
            }
            return id;
        }
    }

    /**
     * A WordPiece vocabulary the way llama.cpp stores BERT's: special tokens as is, word-initial
     * pieces with a leading U+2581, continuation pieces without their {@code ##}.
     */
    record WordPieceVocab(List<String> tokens, int[] tokenTypes, Map<String, Integer> ids) {
        private static final List<String> WORDS = List.of(
                "the", "a", "and", "of", "to", "is", "in", "hello", "world", "tiny", "model", "embed", "test",
                "search", "query", "document", "llama", "cat", "dog");

        static WordPieceVocab build() {
            List<String> tokens = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
            List<Integer> types = new ArrayList<>(List.of(TOKEN_CONTROL, TOKEN_UNKNOWN, TOKEN_CONTROL,
                    TOKEN_CONTROL, TOKEN_CONTROL));
            Set<String> seen = new LinkedHashSet<>(tokens);
            String singles = "abcdefghijklmnopqrstuvwxyz0123456789.,!?'-:;()";
            for (char c : singles.toCharArray()) {
                for (String t : List.of("\u2581" + c, String.valueOf(c))) {
                    if (seen.add(t)) {
                        tokens.add(t);
                        types.add(TOKEN_NORMAL);
                    }
                }
            }
            for (String word : WORDS) {
                if (seen.add("\u2581" + word)) {
                    tokens.add("\u2581" + word);
                    types.add(TOKEN_NORMAL);
                }
            }
            for (String piece : List.of("ing", "ed", "s", "er", "ly")) {
                if (seen.add(piece)) {
                    tokens.add(piece);
                    types.add(TOKEN_NORMAL);
                }
            }
            Map<String, Integer> ids = new LinkedHashMap<>();
            for (int i = 0; i < tokens.size(); i++) {
                ids.put(tokens.get(i), i);
            }
            return new WordPieceVocab(List.copyOf(tokens), types.stream().mapToInt(Integer::intValue).toArray(), ids);
        }

        int id(String token) {
            return ids.get(token);
        }
    }

    // ---- command line ------------------------------------------------------------------------

    /**
     * {@code TinyGguf (llama|qwen2|qwen3|gemma2|gemma3|phi3|bert) OUT [--embd N] [--layers N] [--heads N]
     * [--kv-heads N] [--ffn N] [--ctx N] [--type F32|F16|BF16|Q8_0|Q4_0] [--seed N] [--name S]
     * [--no-chat-template]} writes one model; {@code TinyGguf split SOURCE DIR PARTS} splits one.
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: TinyGguf (llama|qwen2|qwen3|gemma2|gemma3|phi3|bert) OUT [options] | split SOURCE DIR PARTS");
            System.exit(2);
        }
        if (args[0].equals("split")) {
            for (Path p : split(Path.of(args[1]), Path.of(args[2]), Integer.parseInt(args[3]))) {
                System.out.println(p);
            }
            return;
        }
        Options o = Options.defaults().withArchitecture(args[0]);
        int embd = o.embeddingLength();
        int layers = o.blockCount();
        int heads = o.headCount();
        int kv = o.headCountKv();
        int ffn = o.feedForwardLength();
        for (int i = 2; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--embd" -> embd = Integer.parseInt(args[++i]);
                case "--layers" -> layers = Integer.parseInt(args[++i]);
                case "--heads" -> heads = Integer.parseInt(args[++i]);
                case "--kv-heads" -> kv = Integer.parseInt(args[++i]);
                case "--ffn" -> ffn = Integer.parseInt(args[++i]);
                case "--ctx" -> o = o.withContextLength(Integer.parseInt(args[++i]));
                case "--type" -> o = o.withWeightType(GgmlType.fromName(args[++i]).orElseThrow());
                case "--seed" -> o = o.withSeed(Long.parseLong(args[++i]));
                case "--name" -> o = o.withName(args[++i]);
                case "--no-chat-template" -> o = o.withChatTemplate(false);
                default -> {
                    System.err.println("unknown option " + a);
                    System.exit(2);
                }
            }
        }
        o = o.withDims(embd, layers, heads, kv, ffn);
        Path out = Path.of(args[1]);
        System.out.println(args[0].equals("bert") ? bert(out, o) : llama(out, o));
    }
}
