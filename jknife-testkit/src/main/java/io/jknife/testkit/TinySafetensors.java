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
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Tiny Hugging Face model directories with real files: {@code config.json},
 * {@code generation_config.json}, tokenizer files and safetensors weights under the names
 * transformers uses, optionally sharded ({@code model-00001-of-0000N.safetensors} plus
 * {@code model.safetensors.index.json}) or MLX-quantized the way mlx-lm saves it.
 *
 * <pre>{@code
 * Path dir = TinySafetensors.llama(tmp.resolve("m"));                                // HF, bf16
 * TinySafetensors.llama(tmp.resolve("q"), Options.defaults().withMlx(4, 64));        // MLX 4-bit
 * TinySafetensors.llama(tmp.resolve("s"), Options.defaults().withShards(3));         // sharded
 * TinySafetensors.llama(tmp.resolve("qw"), Options.defaults().withModelType("qwen3"));
 * }</pre>
 */
public final class TinySafetensors {

    /** Model types {@link #llama} writes, each with its transformers architecture and tokenizer. */
    public static final Map<String, String> ARCHITECTURES = Map.of(
            "llama", "LlamaForCausalLM",
            "mistral", "MistralForCausalLM",
            "qwen2", "Qwen2ForCausalLM",
            "qwen3", "Qwen3ForCausalLM");

    /**
     * What to generate. {@link #defaults()}: a 2-layer llama, hidden 64, 4 heads (2 KV heads),
     * bf16, one file, chat template on.
     *
     * @param modelType         llama, mistral, qwen2 (q/k/v biases) or qwen3 (q/k norms, head_dim)
     * @param hiddenSize        hidden size; a multiple of the MLX group size when quantizing
     * @param intermediateSize  MLP size; likewise
     * @param layers            decoder layers
     * @param heads             attention heads (must divide hiddenSize)
     * @param kvHeads           key/value heads (must divide heads)
     * @param maxPositions      {@code max_position_embeddings}
     * @param ropeTheta         {@code rope_theta}
     * @param rmsNormEps        {@code rms_norm_eps}
     * @param tieWordEmbeddings no {@code lm_head.weight} when true
     * @param dtype             F32, F16 or BF16 (also the MLX scales' dtype)
     * @param shards            number of safetensors files; more than one adds the index
     * @param mlxBits           0 for plain weights, else MLX affine bits (2, 3, 4, 5, 6, 8)
     * @param mlxGroupSize      MLX group size (32, 64, 128)
     * @param seed              seed of the random weights
     * @param chatTemplate      write a chat template (false: a base model)
     */
    public record Options(String modelType, int hiddenSize, int intermediateSize, int layers, int heads, int kvHeads,
                          int maxPositions, double ropeTheta, double rmsNormEps, boolean tieWordEmbeddings,
                          SafetensorsDType dtype, int shards, int mlxBits, int mlxGroupSize, long seed,
                          boolean chatTemplate) {
        public Options {
            Objects.requireNonNull(modelType);
            Objects.requireNonNull(dtype);
            if (!dtype.isFloatConvertible()) {
                throw new IllegalArgumentException("dtype must be F32, F16 or BF16, not " + dtype);
            }
            if (hiddenSize <= 0 || intermediateSize <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || shards <= 0) {
                throw new IllegalArgumentException("sizes must be positive");
            }
            if (hiddenSize % heads != 0 || heads % kvHeads != 0) {
                throw new IllegalArgumentException("heads must divide hiddenSize and kvHeads must divide heads");
            }
            if (mlxBits != 0 && (hiddenSize % mlxGroupSize != 0 || intermediateSize % mlxGroupSize != 0)) {
                throw new IllegalArgumentException("hiddenSize and intermediateSize must be multiples of the MLX group size "
                        + mlxGroupSize);
            }
        }

        public static Options defaults() {
            return new Options("llama", 64, 128, 2, 4, 2, 2048, 500000.0, 1e-5, false, SafetensorsDType.BF16, 1, 0, 64, 42, true);
        }

        public Options withModelType(String t) {
            return new Options(t, hiddenSize, intermediateSize, layers, heads, kvHeads, maxPositions, ropeTheta, rmsNormEps,
                    tieWordEmbeddings, dtype, shards, mlxBits, mlxGroupSize, seed, chatTemplate);
        }

        public Options withDims(int hidden, int intermediate, int layerCount, int headCount, int kvHeadCount) {
            return new Options(modelType, hidden, intermediate, layerCount, headCount, kvHeadCount, maxPositions, ropeTheta,
                    rmsNormEps, tieWordEmbeddings, dtype, shards, mlxBits, mlxGroupSize, seed, chatTemplate);
        }

        public Options withMaxPositions(int n) {
            return new Options(modelType, hiddenSize, intermediateSize, layers, heads, kvHeads, n, ropeTheta, rmsNormEps,
                    tieWordEmbeddings, dtype, shards, mlxBits, mlxGroupSize, seed, chatTemplate);
        }

        public Options withRope(double theta, double eps) {
            return new Options(modelType, hiddenSize, intermediateSize, layers, heads, kvHeads, maxPositions, theta, eps,
                    tieWordEmbeddings, dtype, shards, mlxBits, mlxGroupSize, seed, chatTemplate);
        }

        public Options withTieWordEmbeddings(boolean tie) {
            return new Options(modelType, hiddenSize, intermediateSize, layers, heads, kvHeads, maxPositions, ropeTheta,
                    rmsNormEps, tie, dtype, shards, mlxBits, mlxGroupSize, seed, chatTemplate);
        }

        public Options withDtype(SafetensorsDType t) {
            return new Options(modelType, hiddenSize, intermediateSize, layers, heads, kvHeads, maxPositions, ropeTheta,
                    rmsNormEps, tieWordEmbeddings, t, shards, mlxBits, mlxGroupSize, seed, chatTemplate);
        }

        public Options withShards(int n) {
            return new Options(modelType, hiddenSize, intermediateSize, layers, heads, kvHeads, maxPositions, ropeTheta,
                    rmsNormEps, tieWordEmbeddings, dtype, n, mlxBits, mlxGroupSize, seed, chatTemplate);
        }

        /** MLX affine quantization with {@code bits} and {@code groupSize} (0 bits: none). */
        public Options withMlx(int bits, int groupSize) {
            return new Options(modelType, hiddenSize, intermediateSize, layers, heads, kvHeads, maxPositions, ropeTheta,
                    rmsNormEps, tieWordEmbeddings, dtype, shards, bits, groupSize, seed, chatTemplate);
        }

        public Options withSeed(long s) {
            return new Options(modelType, hiddenSize, intermediateSize, layers, heads, kvHeads, maxPositions, ropeTheta,
                    rmsNormEps, tieWordEmbeddings, dtype, shards, mlxBits, mlxGroupSize, s, chatTemplate);
        }

        public Options withChatTemplate(boolean on) {
            return new Options(modelType, hiddenSize, intermediateSize, layers, heads, kvHeads, maxPositions, ropeTheta,
                    rmsNormEps, tieWordEmbeddings, dtype, shards, mlxBits, mlxGroupSize, seed, on);
        }

        public int headDim() {
            return hiddenSize / heads;
        }

        public boolean mlx() {
            return mlxBits != 0;
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

    static TinyTokenizers.Style styleFor(String modelType) {
        return switch (modelType) {
            case "qwen2", "qwen3" -> TinyTokenizers.Style.CHATML;
            case "mistral" -> TinyTokenizers.Style.SENTENCEPIECE;
            default -> TinyTokenizers.Style.LLAMA3;
        };
    }

    private static ObjectNode textConfig(Options o, String arch, TinyTokenizers.Info tok) {
        ObjectNode c = HfJson.object();
        c.set("architectures", HfJson.array(arch));
        c.put("attention_bias", o.modelType().equals("qwen2"));
        c.put("attention_dropout", 0.0);
        if (tok.bosId() >= 0) {
            c.put("bos_token_id", tok.bosId());
        } else {
            c.put("bos_token_id", tok.id("<|endoftext|>"));
        }
        c.put("eos_token_id", tok.eosId());
        c.put("head_dim", o.headDim());
        c.put("hidden_act", "silu");
        c.put("hidden_size", o.hiddenSize());
        c.put("initializer_range", 0.02);
        c.put("intermediate_size", o.intermediateSize());
        c.put("max_position_embeddings", o.maxPositions());
        c.put("model_type", o.modelType());
        c.put("num_attention_heads", o.heads());
        c.put("num_hidden_layers", o.layers());
        c.put("num_key_value_heads", o.kvHeads());
        c.put("rms_norm_eps", o.rmsNormEps());
        c.putNull("rope_scaling");
        c.put("rope_theta", o.ropeTheta());
        if (o.modelType().equals("mistral") || o.modelType().startsWith("qwen")) {
            c.putNull("sliding_window");
        }
        c.put("tie_word_embeddings", o.tieWordEmbeddings());
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

    private static ObjectNode quantizationBlock(Options o) {
        ObjectNode q = HfJson.object();
        q.put("group_size", o.mlxGroupSize());
        q.put("bits", o.mlxBits());
        return q;
    }

    static String torchDtype(SafetensorsDType t) {
        return switch (t) {
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            default -> "float32";
        };
    }

    /** The weights of a llama-family decoder under {@code prefix} (e.g. {@code model.}); lm_head gets {@code headPrefix}. */
    private static void decoderSpecs(List<Spec> specs, String prefix, String headPrefix, Options o, int vocab) {
        int h = o.hiddenSize();
        int q = o.heads() * o.headDim();
        int kv = o.kvHeads() * o.headDim();
        int inter = o.intermediateSize();
        specs.add(new Spec(prefix + "embed_tokens.weight", Kind.EMBEDDING, vocab, h));
        for (int i = 0; i < o.layers(); i++) {
            String l = prefix + "layers." + i + ".";
            specs.add(new Spec(l + "self_attn.q_proj.weight", Kind.LINEAR, q, h));
            specs.add(new Spec(l + "self_attn.k_proj.weight", Kind.LINEAR, kv, h));
            specs.add(new Spec(l + "self_attn.v_proj.weight", Kind.LINEAR, kv, h));
            if (o.modelType().equals("qwen2")) {
                specs.add(new Spec(l + "self_attn.q_proj.bias", Kind.BIAS, q));
                specs.add(new Spec(l + "self_attn.k_proj.bias", Kind.BIAS, kv));
                specs.add(new Spec(l + "self_attn.v_proj.bias", Kind.BIAS, kv));
            }
            if (o.modelType().equals("qwen3")) {
                specs.add(new Spec(l + "self_attn.q_norm.weight", Kind.NORM, o.headDim()));
                specs.add(new Spec(l + "self_attn.k_norm.weight", Kind.NORM, o.headDim()));
            }
            specs.add(new Spec(l + "self_attn.o_proj.weight", Kind.LINEAR, h, q));
            specs.add(new Spec(l + "mlp.gate_proj.weight", Kind.LINEAR, inter, h));
            specs.add(new Spec(l + "mlp.up_proj.weight", Kind.LINEAR, inter, h));
            specs.add(new Spec(l + "mlp.down_proj.weight", Kind.LINEAR, h, inter));
            specs.add(new Spec(l + "input_layernorm.weight", Kind.NORM, h));
            specs.add(new Spec(l + "post_attention_layernorm.weight", Kind.NORM, h));
        }
        specs.add(new Spec(prefix + "norm.weight", Kind.NORM, h));
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

    /** LINEAR and EMBEDDING are what mlx-lm quantizes; WEIGHT is a plain random tensor. */
    private enum Kind { LINEAR, EMBEDDING, WEIGHT, NORM, BIAS }

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
                MlxQuantized q = MlxQuantizer.quantize(values, rows, cols, o.mlxBits(), o.mlxGroupSize(), o.dtype());
                String base = s.name.substring(0, s.name.length() - ".weight".length());
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
