package io.jknife.testkit;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jknife.formats.mlx.MlxQuantized;
import io.jknife.formats.mlx.MlxQuantizer;
import io.jknife.formats.safetensors.FloatEncoding;
import io.jknife.formats.safetensors.SafetensorsDType;
import io.jknife.formats.safetensors.SafetensorsWriter;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Tiny Hugging Face model directories with real files: {@code config.json},
 * {@code generation_config.json}, tokenizer files and safetensors weights under the names
 * transformers uses, optionally sharded ({@code model-00001-of-0000N.safetensors} plus
 * {@code model.safetensors.index.json}) or MLX-quantized the way mlx-lm saves it (including
 * per-layer overrides in the {@code quantization} block).
 *
 * <pre>{@code
 * Path dir = TinySafetensors.llama(tmp.resolve("m"));                                // HF, bf16
 * TinySafetensors.llama(tmp.resolve("q"), Options.defaults().withMlx(4, 64));        // MLX 4-bit
 * TinySafetensors.llama(tmp.resolve("s"), Options.defaults().withShards(3));         // sharded
 * TinySafetensors.llama(tmp.resolve("qw"), Options.defaults().withModelType("qwen3"));
 * TinySafetensors.llama(tmp.resolve("g"), Options.defaults().withModelType("gemma2"));
 * TinySafetensors.gemma3Vision(tmp.resolve("g3"), Options.defaults().withModelType("gemma3_text"));
 * }</pre>
 */
public final class TinySafetensors {

    /** Model types {@link #llama} writes, each with its transformers architecture. */
    public static final Map<String, String> ARCHITECTURES = Map.of(
            "llama", "LlamaForCausalLM",
            "mistral", "MistralForCausalLM",
            "qwen2", "Qwen2ForCausalLM",
            "qwen3", "Qwen3ForCausalLM",
            "gemma2", "Gemma2ForCausalLM",
            "gemma3_text", "Gemma3ForCausalLM",
            "phi3", "Phi3ForCausalLM");

    /** One MLX quantization setting: the block's defaults or a per-layer override. */
    public record MlxLayer(int bits, int groupSize) {
    }

    /**
     * What to generate. {@link #defaults()}: a 2-layer llama, hidden 64, 4 heads (2 KV heads),
     * bf16, one file, chat template on.
     *
     * @param modelType         llama, mistral, qwen2 (q/k/v biases), qwen3 (q/k norms, head_dim), gemma2
     *                          (soft-capping, four norms per layer stored as {@code w} of {@code x * (1 + w)}),
     *                          gemma3_text (gemma2 plus q/k norms, local rope base, no soft-capping) or phi3
     *                          (fused {@code qkv_proj} and {@code gate_up_proj})
     * @param hiddenSize        hidden size; a multiple of the MLX group size when quantizing
     * @param intermediateSize  MLP size; likewise
     * @param layers            decoder layers
     * @param heads             attention heads (must divide hiddenSize)
     * @param kvHeads           key/value heads (must divide heads)
     * @param maxPositions      {@code max_position_embeddings}
     * @param ropeTheta         {@code rope_theta}
     * @param rmsNormEps        {@code rms_norm_eps}
     * @param tieWordEmbeddings no {@code lm_head.weight} when true ({@link #withModelType} turns it on for Gemma,
     *                          whose checkpoints tie and leave the key out of {@code config.json})
     * @param dtype             F32, F16 or BF16 (also the MLX scales' dtype)
     * @param shards            number of safetensors files; more than one adds the index
     * @param mlxBits           0 for plain weights, else MLX affine bits (2, 3, 4, 5, 6, 8)
     * @param mlxGroupSize      MLX group size (32, 64, 128)
     * @param seed              seed of the random weights
     * @param chatTemplate      write a chat template (false: a base model)
     * @param explicitHeadDim   {@code head_dim} when it is not hiddenSize / heads (Gemma's usual case); 0: derived
     * @param slidingWindow     {@code sliding_window} of gemma2, gemma3_text and phi3; 0: the family's default
     *                          (gemma2 4096, gemma3_text 512, phi3 none)
     * @param mlxOverrides      per-layer MLX settings keyed by module path ({@code model.layers.0.mlp.down_proj}),
     *                          written into the {@code quantization} block as mlx-lm's mixed recipes do
     */
    public record Options(String modelType, int hiddenSize, int intermediateSize, int layers, int heads, int kvHeads,
                          int maxPositions, double ropeTheta, double rmsNormEps, boolean tieWordEmbeddings,
                          SafetensorsDType dtype, int shards, int mlxBits, int mlxGroupSize, long seed,
                          boolean chatTemplate, int explicitHeadDim, int slidingWindow, Map<String, MlxLayer> mlxOverrides) {
        public Options {
            Objects.requireNonNull(modelType);
            Objects.requireNonNull(dtype);
            mlxOverrides = java.util.Collections.unmodifiableMap(new TreeMap<>(mlxOverrides));
            if (!dtype.isFloatConvertible()) {
                throw new IllegalArgumentException("dtype must be F32, F16 or BF16, not " + dtype);
            }
            if (hiddenSize <= 0 || intermediateSize <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || shards <= 0
                    || explicitHeadDim < 0 || slidingWindow < 0) {
                throw new IllegalArgumentException("sizes must be positive");
            }
            if (hiddenSize % heads != 0 || heads % kvHeads != 0) {
                throw new IllegalArgumentException("heads must divide hiddenSize and kvHeads must divide heads");
            }
            int headDim = explicitHeadDim > 0 ? explicitHeadDim : hiddenSize / heads;
            if (mlxBits != 0) {
                checkGroups(hiddenSize, intermediateSize, heads * headDim, mlxGroupSize);
                for (MlxLayer l : mlxOverrides.values()) {
                    checkGroups(hiddenSize, intermediateSize, heads * headDim, l.groupSize());
                }
            } else if (!mlxOverrides.isEmpty()) {
                throw new IllegalArgumentException("MLX per-layer overrides need MLX quantization (withMlx)");
            }
        }

        private static void checkGroups(int hidden, int intermediate, int attention, int group) {
            if (hidden % group != 0 || intermediate % group != 0 || attention % group != 0) {
                throw new IllegalArgumentException("hiddenSize, intermediateSize and heads * headDim must be multiples of the "
                        + "MLX group size " + group);
            }
        }

        public static Options defaults() {
            return new Options("llama", 64, 128, 2, 4, 2, 2048, 500000.0, 1e-5, false, SafetensorsDType.BF16, 1, 0, 64, 42,
                    true, 0, 0, Map.of());
        }

        /** Another model type; Gemma types also tie their embeddings, as their checkpoints do. */
        public Options withModelType(String t) {
            boolean tie = t.startsWith("gemma") || tieWordEmbeddings;
            return new Options(t, hiddenSize, intermediateSize, layers, heads, kvHeads, maxPositions, ropeTheta, rmsNormEps,
                    tie, dtype, shards, mlxBits, mlxGroupSize, seed, chatTemplate, explicitHeadDim, slidingWindow,
                    mlxOverrides);
        }

        public Options withDims(int hidden, int intermediate, int layerCount, int headCount, int kvHeadCount) {
            return new Options(modelType, hidden, intermediate, layerCount, headCount, kvHeadCount, maxPositions, ropeTheta,
                    rmsNormEps, tieWordEmbeddings, dtype, shards, mlxBits, mlxGroupSize, seed, chatTemplate, explicitHeadDim,
                    slidingWindow, mlxOverrides);
        }

        public Options withMaxPositions(int n) {
            return new Options(modelType, hiddenSize, intermediateSize, layers, heads, kvHeads, n, ropeTheta, rmsNormEps,
                    tieWordEmbeddings, dtype, shards, mlxBits, mlxGroupSize, seed, chatTemplate, explicitHeadDim,
                    slidingWindow, mlxOverrides);
        }

        public Options withRope(double theta, double eps) {
            return new Options(modelType, hiddenSize, intermediateSize, layers, heads, kvHeads, maxPositions, theta, eps,
                    tieWordEmbeddings, dtype, shards, mlxBits, mlxGroupSize, seed, chatTemplate, explicitHeadDim,
                    slidingWindow, mlxOverrides);
        }

        public Options withTieWordEmbeddings(boolean tie) {
            return new Options(modelType, hiddenSize, intermediateSize, layers, heads, kvHeads, maxPositions, ropeTheta,
                    rmsNormEps, tie, dtype, shards, mlxBits, mlxGroupSize, seed, chatTemplate, explicitHeadDim,
                    slidingWindow, mlxOverrides);
        }

        public Options withDtype(SafetensorsDType t) {
            return new Options(modelType, hiddenSize, intermediateSize, layers, heads, kvHeads, maxPositions, ropeTheta,
                    rmsNormEps, tieWordEmbeddings, t, shards, mlxBits, mlxGroupSize, seed, chatTemplate, explicitHeadDim,
                    slidingWindow, mlxOverrides);
        }

        public Options withShards(int n) {
            return new Options(modelType, hiddenSize, intermediateSize, layers, heads, kvHeads, maxPositions, ropeTheta,
                    rmsNormEps, tieWordEmbeddings, dtype, n, mlxBits, mlxGroupSize, seed, chatTemplate, explicitHeadDim,
                    slidingWindow, mlxOverrides);
        }

        /** MLX affine quantization with {@code bits} and {@code groupSize} (0 bits: none). */
        public Options withMlx(int bits, int groupSize) {
            return new Options(modelType, hiddenSize, intermediateSize, layers, heads, kvHeads, maxPositions, ropeTheta,
                    rmsNormEps, tieWordEmbeddings, dtype, shards, bits, groupSize, seed, chatTemplate, explicitHeadDim,
                    slidingWindow, bits == 0 ? Map.of() : mlxOverrides);
        }

        /** A per-layer MLX setting for the module at {@code path} (e.g. {@code model.layers.1.mlp.down_proj}). */
        public Options withMlxOverride(String path, int bits, int groupSize) {
            Map<String, MlxLayer> m = new TreeMap<>(mlxOverrides);
            m.put(path, new MlxLayer(bits, groupSize));
            return new Options(modelType, hiddenSize, intermediateSize, layers, heads, kvHeads, maxPositions, ropeTheta,
                    rmsNormEps, tieWordEmbeddings, dtype, shards, mlxBits, mlxGroupSize, seed, chatTemplate, explicitHeadDim,
                    slidingWindow, m);
        }

        public Options withSeed(long s) {
            return new Options(modelType, hiddenSize, intermediateSize, layers, heads, kvHeads, maxPositions, ropeTheta,
                    rmsNormEps, tieWordEmbeddings, dtype, shards, mlxBits, mlxGroupSize, s, chatTemplate, explicitHeadDim,
                    slidingWindow, mlxOverrides);
        }

        public Options withChatTemplate(boolean on) {
            return new Options(modelType, hiddenSize, intermediateSize, layers, heads, kvHeads, maxPositions, ropeTheta,
                    rmsNormEps, tieWordEmbeddings, dtype, shards, mlxBits, mlxGroupSize, seed, on, explicitHeadDim,
                    slidingWindow, mlxOverrides);
        }

        /** An explicit {@code head_dim} (0: hiddenSize / heads). */
        public Options withHeadDim(int headDim) {
            return new Options(modelType, hiddenSize, intermediateSize, layers, heads, kvHeads, maxPositions, ropeTheta,
                    rmsNormEps, tieWordEmbeddings, dtype, shards, mlxBits, mlxGroupSize, seed, chatTemplate, headDim,
                    slidingWindow, mlxOverrides);
        }

        /** {@code sliding_window} of gemma2, gemma3_text and phi3 (0: the family's default). */
        public Options withSlidingWindow(int window) {
            return new Options(modelType, hiddenSize, intermediateSize, layers, heads, kvHeads, maxPositions, ropeTheta,
                    rmsNormEps, tieWordEmbeddings, dtype, shards, mlxBits, mlxGroupSize, seed, chatTemplate, explicitHeadDim,
                    window, mlxOverrides);
        }

        public int headDim() {
            return explicitHeadDim > 0 ? explicitHeadDim : hiddenSize / heads;
        }

        public boolean mlx() {
            return mlxBits != 0;
        }

        /** The MLX setting of the module at {@code path}: its override, else the block's defaults. */
        public MlxLayer mlxFor(String path) {
            return mlxOverrides.getOrDefault(path, new MlxLayer(mlxBits, mlxGroupSize));
        }

        /** The {@code sliding_window} written for this model type, or 0 for none ({@code null} in config.json). */
        public int effectiveSlidingWindow() {
            if (slidingWindow > 0) {
                return slidingWindow;
            }
            return switch (modelType) {
                case "gemma2" -> 4096;
                case "gemma3_text" -> 512;
                default -> 0;
            };
        }

        boolean gemma() {
            return modelType.equals("gemma2") || modelType.equals("gemma3_text");
        }
    }

    private TinySafetensors() {
    }

    // ---- decoder LLMs --------------------------------------------------------------------------

    /** {@link #llama(Path, Options)} with {@link Options#defaults()}. */
    public static Path llama(Path dir) throws IOException {
        return llama(dir, Options.defaults());
    }

    /** Writes a causal LM directory for {@code o.modelType()} into {@code dir}; returns {@code dir}. */
    public static Path llama(Path dir, Options o) throws IOException {
        String arch = ARCHITECTURES.get(o.modelType());
        if (arch == null) {
            throw new IllegalArgumentException("model type " + o.modelType() + " is not one of " + ARCHITECTURES.keySet());
        }
        Files.createDirectories(dir);
        TinyTokenizers.Info tok = TinyTokenizers.write(dir, styleFor(o.modelType()), o.chatTemplate(), List.of());
        ObjectNode config = textConfig(o, arch, tok);
        if (o.mlx()) {
            config.set("quantization", quantizationBlock(o));
            config.set("quantization_config", quantizationBlock(o));
        }
        HfJson.write(dir.resolve("config.json"), config);
        HfJson.write(dir.resolve("generation_config.json"), generationConfig(tok, o));
        List<Spec> specs = new ArrayList<>();
        decoderSpecs(specs, "model.", "", o, tok.vocabSize());
        writeWeights(dir, specs, o);
        return dir;
    }

    /**
     * The tokenizer family: ChatML for Qwen, SentencePiece-style (Metaspace, byte fallback,
     * {@code <s>}) for the SentencePiece families Mistral, Gemma and Phi-3, Llama 3's byte-level BPE otherwise.
     */
    static TinyTokenizers.Style styleFor(String modelType) {
        return switch (modelType) {
            case "qwen2", "qwen3" -> TinyTokenizers.Style.CHATML;
            case "mistral", "gemma2", "gemma3_text", "phi3" -> TinyTokenizers.Style.SENTENCEPIECE;
            default -> TinyTokenizers.Style.LLAMA3;
        };
    }

    /** The keys of the model type's transformers config class, as its checkpoints' config.json write them. */
    private static ObjectNode textConfig(Options o, String arch, TinyTokenizers.Info tok) {
        String type = o.modelType();
        ObjectNode c = HfJson.object();
        c.set("architectures", HfJson.array(arch));
        c.put("attention_bias", type.equals("qwen2"));
        c.put("attention_dropout", 0.0);
        if (type.equals("gemma2")) {
            c.put("attn_logit_softcapping", 50.0);
        } else if (type.equals("gemma3_text")) {
            c.putNull("attn_logit_softcapping");
        }
        if (tok.bosId() >= 0) {
            c.put("bos_token_id", tok.bosId());
        } else {
            c.put("bos_token_id", tok.id("<|endoftext|>"));
        }
        if (o.gemma()) {
            c.put("cache_implementation", "hybrid");
        }
        c.put("eos_token_id", tok.eosId());
        if (type.equals("gemma2")) {
            c.put("final_logit_softcapping", 30.0);
        } else if (type.equals("gemma3_text")) {
            c.putNull("final_logit_softcapping");
        }
        if (!type.equals("phi3")) { // Phi3Config has no head_dim
            c.put("head_dim", o.headDim());
        }
        if (o.gemma()) {
            if (type.equals("gemma2")) {
                c.put("hidden_act", "gelu_pytorch_tanh");
            }
            c.put("hidden_activation", "gelu_pytorch_tanh");
        } else {
            c.put("hidden_act", "silu");
        }
        c.put("hidden_size", o.hiddenSize());
        c.put("initializer_range", 0.02);
        c.put("intermediate_size", o.intermediateSize());
        c.put("max_position_embeddings", o.maxPositions());
        c.put("model_type", type);
        c.put("num_attention_heads", o.heads());
        c.put("num_hidden_layers", o.layers());
        c.put("num_key_value_heads", o.kvHeads());
        if (type.equals("phi3")) {
            c.put("original_max_position_embeddings", o.maxPositions());
        }
        if (o.gemma()) {
            c.put("query_pre_attn_scalar", o.headDim());
        }
        c.put("rms_norm_eps", o.rmsNormEps());
        if (type.equals("gemma3_text")) {
            c.put("rope_local_base_freq", 10000.0);
        }
        c.putNull("rope_scaling");
        c.put("rope_theta", o.ropeTheta());
        if (o.gemma() || type.equals("phi3")) {
            if (o.effectiveSlidingWindow() > 0) {
                c.put("sliding_window", o.effectiveSlidingWindow());
            } else {
                c.putNull("sliding_window");
            }
        } else if (type.equals("mistral") || type.startsWith("qwen")) {
            c.putNull("sliding_window");
        }
        if (type.equals("gemma3_text")) {
            c.put("sliding_window_pattern", 6);
        }
        // Gemma checkpoints tie without saying so (the config class's default)
        if (!o.gemma() || !o.tieWordEmbeddings()) {
            c.put("tie_word_embeddings", o.tieWordEmbeddings());
        }
        c.put("torch_dtype", torchDtype(o.dtype()));
        c.put("transformers_version", "4.51.0");
        c.put("use_cache", true);
        c.put("vocab_size", tok.vocabSize());
        return c;
    }

    private static ObjectNode generationConfig(TinyTokenizers.Info tok, Options o) {
        ObjectNode g = HfJson.object();
        if (tok.bosId() >= 0) {
            g.put("bos_token_id", tok.bosId());
        }
        g.put("do_sample", true);
        ArrayNode eos = g.putArray("eos_token_id");
        eos.add(tok.eosId());
        for (String extra : List.of("<|end_of_text|>", "<|endoftext|>")) {
            if (tok.addedTokens().containsKey(extra)) {
                eos.add(tok.id(extra));
            }
        }
        g.put("temperature", 0.6);
        g.put("top_p", 0.9);
        g.put("transformers_version", "4.51.0");
        return g;
    }

    /** mlx-lm's block: the defaults, then one object per overridden module path. */
    private static ObjectNode quantizationBlock(Options o) {
        ObjectNode q = HfJson.object();
        q.put("group_size", o.mlxGroupSize());
        q.put("bits", o.mlxBits());
        o.mlxOverrides().forEach((path, l) -> q.putObject(path).put("group_size", l.groupSize()).put("bits", l.bits()));
        return q;
    }

    static String torchDtype(SafetensorsDType t) {
        return switch (t) {
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            default -> "float32";
        };
    }

    /**
     * The weights of a decoder under {@code prefix} (e.g. {@code model.}); lm_head gets
     * {@code headPrefix}. Names and shapes as transformers' modeling file of the type declares them.
     */
    private static void decoderSpecs(List<Spec> specs, String prefix, String headPrefix, Options o, int vocab) {
        String type = o.modelType();
        int h = o.hiddenSize();
        int q = o.heads() * o.headDim();
        int kv = o.kvHeads() * o.headDim();
        int inter = o.intermediateSize();
        // Gemma's RMSNorm computes x * (1 + w): its checkpoints store w near 0
        Kind norm = o.gemma() ? Kind.OFFSET_NORM : Kind.NORM;
        specs.add(new Spec(prefix + "embed_tokens.weight", Kind.EMBEDDING, vocab, h));
        for (int i = 0; i < o.layers(); i++) {
            String l = prefix + "layers." + i + ".";
            if (type.equals("phi3")) {
                specs.add(new Spec(l + "self_attn.qkv_proj.weight", Kind.LINEAR, q + 2L * kv, h));
            } else {
                specs.add(new Spec(l + "self_attn.q_proj.weight", Kind.LINEAR, q, h));
                specs.add(new Spec(l + "self_attn.k_proj.weight", Kind.LINEAR, kv, h));
                specs.add(new Spec(l + "self_attn.v_proj.weight", Kind.LINEAR, kv, h));
            }
            if (type.equals("qwen2")) {
                specs.add(new Spec(l + "self_attn.q_proj.bias", Kind.BIAS, q));
                specs.add(new Spec(l + "self_attn.k_proj.bias", Kind.BIAS, kv));
                specs.add(new Spec(l + "self_attn.v_proj.bias", Kind.BIAS, kv));
            }
            if (type.equals("qwen3") || type.equals("gemma3_text")) {
                specs.add(new Spec(l + "self_attn.q_norm.weight", norm, o.headDim()));
                specs.add(new Spec(l + "self_attn.k_norm.weight", norm, o.headDim()));
            }
            specs.add(new Spec(l + "self_attn.o_proj.weight", Kind.LINEAR, h, q));
            if (type.equals("phi3")) {
                specs.add(new Spec(l + "mlp.gate_up_proj.weight", Kind.LINEAR, 2L * inter, h)); // gate rows first
            } else {
                specs.add(new Spec(l + "mlp.gate_proj.weight", Kind.LINEAR, inter, h));
                specs.add(new Spec(l + "mlp.up_proj.weight", Kind.LINEAR, inter, h));
            }
            specs.add(new Spec(l + "mlp.down_proj.weight", Kind.LINEAR, h, inter));
            specs.add(new Spec(l + "input_layernorm.weight", norm, h));
            specs.add(new Spec(l + "post_attention_layernorm.weight", norm, h));
            if (o.gemma()) {
                specs.add(new Spec(l + "pre_feedforward_layernorm.weight", norm, h));
                specs.add(new Spec(l + "post_feedforward_layernorm.weight", norm, h));
            }
        }
        specs.add(new Spec(prefix + "norm.weight", norm, h));
        if (!o.tieWordEmbeddings()) {
            specs.add(new Spec(headPrefix + "lm_head.weight", Kind.LINEAR, vocab, h));
        }
    }

    // ---- vision (LLaVA) -------------------------------------------------------------------------

    /** {@link #visionLlava(Path, Options)} with {@link Options#defaults()} (text part F16). */
    public static Path visionLlava(Path dir) throws IOException {
        return visionLlava(dir, Options.defaults().withDtype(SafetensorsDType.F16));
    }

    /**
     * A LLaVA-1.5-style model: {@code model_type llava} with a CLIP {@code vision_config}
     * (32x32 images, 8x8 patches, one layer), a llama {@code text_config} from {@code text}, the
     * projector, {@code preprocessor_config.json} and {@code processor_config.json}, and a
     * SentencePiece-style tokenizer with the {@code <image>} token. MLX options are ignored.
     */
    public static Path visionLlava(Path dir, Options text) throws IOException {
        Files.createDirectories(dir);
        TinyTokenizers.Info tok = TinyTokenizers.write(dir, TinyTokenizers.Style.SENTENCEPIECE,
                text.chatTemplate() ? TinyTokenizers.LLAVA_CHAT_TEMPLATE : null, List.of("<image>", "<pad>"));
        int vHidden = 32;
        int vInter = 64;
        int image = 32;
        int patch = 8;
        int positions = (image / patch) * (image / patch) + 1;

        ObjectNode config = HfJson.object();
        config.set("architectures", HfJson.array("LlavaForConditionalGeneration"));
        config.put("ignore_index", -100);
        config.put("image_seq_length", positions - 1);
        config.put("image_token_index", tok.id("<image>"));
        config.put("model_type", "llava");
        config.put("pad_token_id", tok.id("<pad>"));
        config.put("projector_hidden_act", "gelu");
        ObjectNode textCfg = textConfig(text.withModelType("llama"), "LlamaForCausalLM", tok);
        textCfg.remove("architectures");
        config.set("text_config", textCfg);
        config.put("tie_word_embeddings", false);
        config.put("torch_dtype", torchDtype(text.dtype()));
        config.put("transformers_version", "4.51.0");
        config.put("vision_feature_layer", -2);
        config.put("vision_feature_select_strategy", "default");
        ObjectNode vision = config.putObject("vision_config");
        vision.put("hidden_act", "quick_gelu");
        vision.put("hidden_size", vHidden);
        vision.put("image_size", image);
        vision.put("intermediate_size", vInter);
        vision.put("layer_norm_eps", 1e-5);
        vision.put("model_type", "clip_vision_model");
        vision.put("num_attention_heads", 2);
        vision.put("num_channels", 3);
        vision.put("num_hidden_layers", 1);
        vision.put("patch_size", patch);
        vision.put("projection_dim", vHidden);
        vision.put("vocab_size", tok.vocabSize());
        HfJson.write(dir.resolve("config.json"), config);
        HfJson.write(dir.resolve("generation_config.json"), generationConfig(tok, text));

        ObjectNode pre = HfJson.object();
        pre.putObject("crop_size").put("height", image).put("width", image);
        pre.put("do_center_crop", true).put("do_convert_rgb", true).put("do_normalize", true).put("do_rescale", true)
                .put("do_resize", true);
        pre.set("image_mean", HfJson.array(0.48145466, 0.4578275, 0.40821073));
        pre.put("image_processor_type", "CLIPImageProcessor");
        pre.set("image_std", HfJson.array(0.26862954, 0.26130258, 0.27577711));
        pre.put("processor_class", "LlavaProcessor");
        pre.put("resample", 3);
        pre.put("rescale_factor", 1.0 / 255);
        pre.putObject("size").put("shortest_edge", image);
        HfJson.write(dir.resolve("preprocessor_config.json"), pre);
        ObjectNode proc = HfJson.object();
        proc.put("image_token", "<image>").put("num_additional_image_tokens", 1).put("patch_size", patch)
                .put("processor_class", "LlavaProcessor").put("vision_feature_select_strategy", "default");
        HfJson.write(dir.resolve("processor_config.json"), proc);

        List<Spec> specs = new ArrayList<>();
        String v = "vision_tower.vision_model.";
        specs.add(new Spec(v + "embeddings.class_embedding", Kind.WEIGHT, vHidden));
        specs.add(new Spec(v + "embeddings.patch_embedding.weight", Kind.WEIGHT, vHidden, 3, patch, patch));
        specs.add(new Spec(v + "embeddings.position_embedding.weight", Kind.WEIGHT, positions, vHidden));
        specs.add(new Spec(v + "pre_layrnorm.weight", Kind.NORM, vHidden));
        specs.add(new Spec(v + "pre_layrnorm.bias", Kind.BIAS, vHidden));
        String l = v + "encoder.layers.0.";
        for (String p : List.of("k_proj", "v_proj", "q_proj", "out_proj")) {
            specs.add(new Spec(l + "self_attn." + p + ".weight", Kind.WEIGHT, vHidden, vHidden));
            specs.add(new Spec(l + "self_attn." + p + ".bias", Kind.BIAS, vHidden));
        }
        specs.add(new Spec(l + "layer_norm1.weight", Kind.NORM, vHidden));
        specs.add(new Spec(l + "layer_norm1.bias", Kind.BIAS, vHidden));
        specs.add(new Spec(l + "mlp.fc1.weight", Kind.WEIGHT, vInter, vHidden));
        specs.add(new Spec(l + "mlp.fc1.bias", Kind.BIAS, vInter));
        specs.add(new Spec(l + "mlp.fc2.weight", Kind.WEIGHT, vHidden, vInter));
        specs.add(new Spec(l + "mlp.fc2.bias", Kind.BIAS, vHidden));
        specs.add(new Spec(l + "layer_norm2.weight", Kind.NORM, vHidden));
        specs.add(new Spec(l + "layer_norm2.bias", Kind.BIAS, vHidden));
        specs.add(new Spec(v + "post_layernorm.weight", Kind.NORM, vHidden));
        specs.add(new Spec(v + "post_layernorm.bias", Kind.BIAS, vHidden));
        int th = text.hiddenSize();
        specs.add(new Spec("multi_modal_projector.linear_1.weight", Kind.WEIGHT, th, vHidden));
        specs.add(new Spec("multi_modal_projector.linear_1.bias", Kind.BIAS, th));
        specs.add(new Spec("multi_modal_projector.linear_2.weight", Kind.WEIGHT, th, th));
        specs.add(new Spec("multi_modal_projector.linear_2.bias", Kind.BIAS, th));
        Options plain = text.withModelType("llama").withMlx(0, 64).withTieWordEmbeddings(false);
        decoderSpecs(specs, "language_model.model.", "language_model.", plain, tok.vocabSize());
        writeWeights(dir, specs, plain);
        return dir;
    }

    // ---- vision (Gemma 3) -----------------------------------------------------------------------

    /**
     * A Gemma-3-style multimodal checkpoint ({@code Gemma3ForConditionalGeneration},
     * {@code model_type gemma3}): the text model of {@code text} (any model type is written as
     * {@code gemma3_text}) in full under {@code text_config} and {@code language_model.model.*}, a
     * one-layer SigLIP {@code vision_config} (32x32 images, 8x8 patches) under
     * {@code vision_tower.vision_model.*}, the projector ({@code mm_input_projection_weight},
     * {@code mm_soft_emb_norm}), the image tokens, and the processor files. Embeddings are tied
     * unless {@code text} is already a gemma3_text with them untied. MLX options quantize the
     * language model only, as mlx-vlm does; overrides are keyed by {@code language_model.model.…} paths.
     */
    public static Path gemma3Vision(Path dir, Options text) throws IOException {
        return gemma3Vision(dir, text, VisionShape.TINY);
    }

    /**
     * The shapes of a SigLIP tower and Gemma 3's pooling.
     *
     * @param tokensPerImage {@code mm_tokens_per_image}: a square number dividing the patch grid
     */
    public record VisionShape(int hidden, int intermediate, int layers, int heads, int imageSize, int patchSize,
                              int tokensPerImage, boolean mlxTower) {
        /** One layer, 32x32 images, 8x8 patches, 4 image tokens: for tests. */
        public static final VisionShape TINY = new VisionShape(32, 64, 1, 2, 32, 8, 4, false);
        /** Gemma 3 4B's tower (SigLIP so400m at 896x896, 4096 patches pooled to 256 tokens): for benchmarks. */
        public static final VisionShape GEMMA3_4B = new VisionShape(1152, 4304, 27, 16, 896, 14, 256, false);

        /**
         * With MLX options, the tower quantized too, as mlx-vlm does by default: its linears and the
         * position table (an {@code nn.Embedding}); the patch convolution and the projector stay as they are.
         */
        public VisionShape withMlxTower() {
            return new VisionShape(hidden, intermediate, layers, heads, imageSize, patchSize, tokensPerImage, true);
        }
    }

    /** {@link #gemma3Vision(Path, Options)} with the tower and pooling of {@code shape}. */
    public static Path gemma3Vision(Path dir, Options text, VisionShape shape) throws IOException {
        Options t = text.modelType().equals("gemma3_text") ? text : text.withModelType("gemma3_text");
        Files.createDirectories(dir);
        TinyTokenizers.Info tok = TinyTokenizers.write(dir, TinyTokenizers.Style.SENTENCEPIECE, t.chatTemplate(),
                List.of("<start_of_image>", "<end_of_image>", "<image_soft_token>"));
        int vHidden = shape.hidden();
        int vInter = shape.intermediate();
        int image = shape.imageSize();
        int patch = shape.patchSize();
        int patches = (image / patch) * (image / patch);
        int tokensPerImage = shape.tokensPerImage();

        ObjectNode config = HfJson.object();
        config.set("architectures", HfJson.array("Gemma3ForConditionalGeneration"));
        config.put("boi_token_index", tok.id("<start_of_image>"));
        config.put("eoi_token_index", tok.id("<end_of_image>"));
        config.put("eos_token_id", tok.eosId());
        config.put("image_token_index", tok.id("<image_soft_token>"));
        config.put("initializer_range", 0.02);
        config.put("mm_tokens_per_image", tokensPerImage);
        config.put("model_type", "gemma3");
        ObjectNode textCfg = textConfig(t, "Gemma3ForCausalLM", tok);
        textCfg.remove("architectures");
        config.set("text_config", textCfg);
        config.put("torch_dtype", torchDtype(t.dtype()));
        config.put("transformers_version", "4.51.0");
        ObjectNode vision = config.putObject("vision_config");
        vision.put("hidden_size", vHidden);
        vision.put("image_size", image);
        vision.put("intermediate_size", vInter);
        vision.put("model_type", "siglip_vision_model");
        vision.put("num_attention_heads", shape.heads());
        vision.put("num_hidden_layers", shape.layers());
        vision.put("patch_size", patch);
        vision.put("vision_use_head", false);
        if (t.mlx()) {
            config.set("quantization", quantizationBlock(t));
            config.set("quantization_config", quantizationBlock(t));
        }
        HfJson.write(dir.resolve("config.json"), config);
        HfJson.write(dir.resolve("generation_config.json"), generationConfig(tok, t));

        ObjectNode pre = HfJson.object();
        pre.put("do_normalize", true).put("do_rescale", true).put("do_resize", true);
        pre.set("image_mean", HfJson.array(0.5, 0.5, 0.5));
        pre.put("image_processor_type", "Gemma3ImageProcessor");
        pre.put("image_seq_length", tokensPerImage);
        pre.set("image_std", HfJson.array(0.5, 0.5, 0.5));
        pre.put("processor_class", "Gemma3Processor");
        pre.put("resample", 2);
        pre.put("rescale_factor", 1.0 / 255);
        pre.putObject("size").put("height", image).put("width", image);
        HfJson.write(dir.resolve("preprocessor_config.json"), pre);
        ObjectNode proc = HfJson.object();
        proc.put("image_seq_length", tokensPerImage).put("processor_class", "Gemma3Processor");
        HfJson.write(dir.resolve("processor_config.json"), proc);

        List<Spec> specs = new ArrayList<>();
        decoderSpecs(specs, "language_model.model.", "language_model.", t, tok.vocabSize());
        String v = "vision_tower.vision_model.";
        specs.add(new Spec(v + "embeddings.patch_embedding.weight", Kind.WEIGHT, vHidden, 3, patch, patch));
        specs.add(new Spec(v + "embeddings.patch_embedding.bias", Kind.BIAS, vHidden));
        Kind linear = t.mlx() && shape.mlxTower() ? Kind.LINEAR : Kind.WEIGHT;
        specs.add(new Spec(v + "embeddings.position_embedding.weight",
                t.mlx() && shape.mlxTower() ? Kind.EMBEDDING : Kind.WEIGHT, patches, vHidden));
        for (int layer = 0; layer < shape.layers(); layer++) {
            String l = v + "encoder.layers." + layer + ".";
            for (String p : List.of("q_proj", "k_proj", "v_proj", "out_proj")) {
                specs.add(new Spec(l + "self_attn." + p + ".weight", linear, vHidden, vHidden));
                specs.add(new Spec(l + "self_attn." + p + ".bias", Kind.BIAS, vHidden));
            }
            specs.add(new Spec(l + "layer_norm1.weight", Kind.NORM, vHidden));
            specs.add(new Spec(l + "layer_norm1.bias", Kind.BIAS, vHidden));
            specs.add(new Spec(l + "mlp.fc1.weight", linear, vInter, vHidden));
            specs.add(new Spec(l + "mlp.fc1.bias", Kind.BIAS, vInter));
            specs.add(new Spec(l + "mlp.fc2.weight", linear, vHidden, vInter));
            specs.add(new Spec(l + "mlp.fc2.bias", Kind.BIAS, vHidden));
            specs.add(new Spec(l + "layer_norm2.weight", Kind.NORM, vHidden));
            specs.add(new Spec(l + "layer_norm2.bias", Kind.BIAS, vHidden));
        }
        specs.add(new Spec(v + "post_layernorm.weight", Kind.NORM, vHidden));
        specs.add(new Spec(v + "post_layernorm.bias", Kind.BIAS, vHidden));
        specs.add(new Spec("multi_modal_projector.mm_input_projection_weight", Kind.WEIGHT, vHidden, t.hiddenSize()));
        specs.add(new Spec("multi_modal_projector.mm_soft_emb_norm.weight", Kind.OFFSET_NORM, vHidden));
        writeWeights(dir, specs, t);
        return dir;
    }

    // ---- encoders (BERT) ------------------------------------------------------------------------

    /** {@link #bert(Path, Options)} with F32 weights and otherwise default sizes. */
    public static Path bert(Path dir) throws IOException {
        return bert(dir, Options.defaults().withDtype(SafetensorsDType.F32).withMaxPositions(512));
    }

    /**
     * A sentence-transformers style BERT embedding model: {@code model_type bert},
     * {@code BertModel} weights (no {@code bert.} prefix), WordPiece {@code vocab.txt} and
     * {@code tokenizer.json}, {@code modules.json} and a mean-pooling {@code 1_Pooling/config.json}.
     * Uses the sizes, dtype, seed and shards of {@code o}; position embeddings are capped at 512.
     */
    public static Path bert(Path dir, Options o) throws IOException {
        Files.createDirectories(dir);
        TinyTokenizers.Info tok = TinyTokenizers.write(dir, TinyTokenizers.Style.WORDPIECE, false, List.of());
        int h = o.hiddenSize();
        int inter = o.intermediateSize();
        int positions = Math.min(o.maxPositions(), 512);
        ObjectNode c = HfJson.object();
        c.set("architectures", HfJson.array("BertModel"));
        c.put("attention_probs_dropout_prob", 0.1);
        c.putNull("classifier_dropout");
        c.put("gradient_checkpointing", false);
        c.put("hidden_act", "gelu");
        c.put("hidden_dropout_prob", 0.1);
        c.put("hidden_size", h);
        c.put("initializer_range", 0.02);
        c.put("intermediate_size", inter);
        c.put("layer_norm_eps", 1e-12);
        c.put("max_position_embeddings", positions);
        c.put("model_type", "bert");
        c.put("num_attention_heads", o.heads());
        c.put("num_hidden_layers", o.layers());
        c.put("pad_token_id", 0);
        c.put("position_embedding_type", "absolute");
        c.put("torch_dtype", torchDtype(o.dtype()));
        c.put("transformers_version", "4.51.0");
        c.put("type_vocab_size", 2);
        c.put("use_cache", true);
        c.put("vocab_size", tok.vocabSize());
        HfJson.write(dir.resolve("config.json"), c);

        ArrayNode modules = HfJson.MAPPER.createArrayNode();
        modules.addObject().put("idx", 0).put("name", "0").put("path", "").put("type", "sentence_transformers.models.Transformer");
        modules.addObject().put("idx", 1).put("name", "1").put("path", "1_Pooling").put("type", "sentence_transformers.models.Pooling");
        HfJson.write(dir.resolve("modules.json"), modules);
        ObjectNode sb = HfJson.object();
        sb.put("max_seq_length", Math.min(256, positions)).put("do_lower_case", false);
        HfJson.write(dir.resolve("sentence_bert_config.json"), sb);
        ObjectNode pooling = HfJson.object();
        pooling.put("word_embedding_dimension", h).put("pooling_mode_cls_token", false).put("pooling_mode_mean_tokens", true)
                .put("pooling_mode_max_tokens", false).put("pooling_mode_mean_sqrt_len_tokens", false);
        HfJson.write(dir.resolve("1_Pooling/config.json"), pooling);

        List<Spec> specs = new ArrayList<>();
        specs.add(new Spec("embeddings.word_embeddings.weight", Kind.WEIGHT, tok.vocabSize(), h));
        specs.add(new Spec("embeddings.position_embeddings.weight", Kind.WEIGHT, positions, h));
        specs.add(new Spec("embeddings.token_type_embeddings.weight", Kind.WEIGHT, 2, h));
        specs.add(new Spec("embeddings.LayerNorm.weight", Kind.NORM, h));
        specs.add(new Spec("embeddings.LayerNorm.bias", Kind.BIAS, h));
        for (int i = 0; i < o.layers(); i++) {
            String l = "encoder.layer." + i + ".";
            for (String p : List.of("query", "key", "value")) {
                specs.add(new Spec(l + "attention.self." + p + ".weight", Kind.WEIGHT, h, h));
                specs.add(new Spec(l + "attention.self." + p + ".bias", Kind.BIAS, h));
            }
            specs.add(new Spec(l + "attention.output.dense.weight", Kind.WEIGHT, h, h));
            specs.add(new Spec(l + "attention.output.dense.bias", Kind.BIAS, h));
            specs.add(new Spec(l + "attention.output.LayerNorm.weight", Kind.NORM, h));
            specs.add(new Spec(l + "attention.output.LayerNorm.bias", Kind.BIAS, h));
            specs.add(new Spec(l + "intermediate.dense.weight", Kind.WEIGHT, inter, h));
            specs.add(new Spec(l + "intermediate.dense.bias", Kind.BIAS, inter));
            specs.add(new Spec(l + "output.dense.weight", Kind.WEIGHT, h, inter));
            specs.add(new Spec(l + "output.dense.bias", Kind.BIAS, h));
            specs.add(new Spec(l + "output.LayerNorm.weight", Kind.NORM, h));
            specs.add(new Spec(l + "output.LayerNorm.bias", Kind.BIAS, h));
        }
        specs.add(new Spec("pooler.dense.weight", Kind.WEIGHT, h, h));
        specs.add(new Spec("pooler.dense.bias", Kind.BIAS, h));
        writeWeights(dir, specs, o.withMlx(0, 64));
        return dir;
    }

    // ---- weights --------------------------------------------------------------------------------

    /**
     * LINEAR and EMBEDDING are what mlx-lm quantizes; WEIGHT is a plain random tensor; NORM is a
     * scale near 1, OFFSET_NORM one stored as {@code w} of {@code 1 + w} (near 0).
     */
    private enum Kind { LINEAR, EMBEDDING, WEIGHT, NORM, OFFSET_NORM, BIAS }

    private record Spec(String name, Kind kind, long... shape) {
        long count() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    /** One tensor ready for a file. */
    private record Tensor(String name, SafetensorsDType dtype, long[] shape, byte[] data) {
    }

    private static void writeWeights(Path dir, List<Spec> specs, Options o) throws IOException {
        SplittableRandom rnd = new SplittableRandom(o.seed());
        List<Tensor> tensors = new ArrayList<>();
        for (Spec s : specs) {
            float[] values = values(s, rnd, o.dtype());
            boolean quantize = o.mlx() && (s.kind == Kind.LINEAR || s.kind == Kind.EMBEDDING);
            if (quantize) {
                int rows = Math.toIntExact(s.shape[0]);
                int cols = Math.toIntExact(s.shape[1]);
                String base = s.name.substring(0, s.name.length() - ".weight".length());
                MlxLayer layer = o.mlxFor(base);
                MlxQuantized q = MlxQuantizer.quantize(values, rows, cols, layer.bits(), layer.groupSize(), o.dtype());
                tensors.add(new Tensor(base + ".weight", SafetensorsDType.U32, q.weightShape(), u32(q.weight())));
                tensors.add(new Tensor(base + ".scales", o.dtype(), q.scalesShape(), FloatEncoding.encode(q.scales(), o.dtype())));
                tensors.add(new Tensor(base + ".biases", o.dtype(), q.scalesShape(), FloatEncoding.encode(q.biases(), o.dtype())));
            } else {
                tensors.add(new Tensor(s.name, o.dtype(), s.shape, FloatEncoding.encode(values, o.dtype())));
            }
        }
        String format = o.mlx() ? "mlx" : "pt";
        if (o.shards() == 1) {
            write(dir.resolve("model.safetensors"), tensors, format);
            return;
        }
        if (o.shards() > tensors.size()) {
            throw new IllegalArgumentException(o.shards() + " shards for " + tensors.size() + " tensors");
        }
        long total = tensors.stream().mapToLong(t -> t.data.length).sum();
        Map<String, String> weightMap = new TreeMap<>();
        int next = 0;
        for (int shard = 1; shard <= o.shards(); shard++) {
            String file = String.format("model-%05d-of-%05d.safetensors", shard, o.shards());
            List<Tensor> part = new ArrayList<>();
            long target = total * shard / o.shards();
            long done = tensors.subList(0, next).stream().mapToLong(t -> t.data.length).sum();
            // Fill up to this shard's share of the bytes, leaving at least one tensor per later shard.
            while (next < tensors.size() && (part.isEmpty()
                    || (done < target && tensors.size() - next > o.shards() - shard))) {
                Tensor t = tensors.get(next++);
                part.add(t);
                done += t.data.length;
            }
            if (shard == o.shards()) {
                part.addAll(tensors.subList(next, tensors.size()));
                next = tensors.size();
            }
            part.forEach(t -> weightMap.put(t.name, file));
            write(dir.resolve(file), part, format);
        }
        ObjectNode index = HfJson.object();
        index.putObject("metadata").put("total_size", total);
        ObjectNode wm = index.putObject("weight_map");
        weightMap.forEach(wm::put);
        HfJson.write(dir.resolve("model.safetensors.index.json"), index);
    }

    private static void write(Path file, List<Tensor> tensors, String format) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", format);
        for (Tensor t : tensors) {
            w.tensor(t.name, t.dtype, t.shape, t.data);
        }
        w.write(file);
    }

    private static float[] values(Spec s, SplittableRandom rnd, SafetensorsDType dtype) {
        float[] v = new float[Math.toIntExact(s.count())];
        for (int i = 0; i < v.length; i++) {
            double u = rnd.nextDouble(-1, 1);
            v[i] = FloatEncoding.round((float) switch (s.kind) {
                case NORM -> 1 + 0.02 * u;
                case OFFSET_NORM -> 0.02 * u;
                case BIAS -> 0.01 * u;
                default -> 0.05 * u;
            }, dtype);
        }
        return v;
    }

    private static byte[] u32(int[] words) {
        ByteBuffer b = ByteBuffer.allocate(words.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(words);
        return b.array();
    }
}
