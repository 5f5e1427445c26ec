package io.jknife.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jknife.formats.mlx.MlxQuantized;
import io.jknife.formats.mlx.MlxQuantizer;
import io.jknife.formats.safetensors.SafetensorsDType;
import io.jknife.formats.safetensors.SafetensorsHeader;
import io.jknife.formats.safetensors.SafetensorsIndex;
import io.jknife.formats.safetensors.SafetensorsReader;
import io.jknife.formats.safetensors.SafetensorsTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TinySafetensorsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private static JsonNode json(Path f) throws IOException {
        return JSON.readTree(f.toFile());
    }

    /** All tensors of a directory, single file or sharded. */
    private static Map<String, SafetensorsTensor> tensors(Path dir, Map<String, Path> fileOf) throws IOException {
        Map<String, SafetensorsTensor> out = new HashMap<>();
        List<String> files = Files.exists(dir.resolve("model.safetensors.index.json"))
                ? SafetensorsIndex.read(dir.resolve("model.safetensors.index.json")).shardFiles()
                : List.of("model.safetensors");
        for (String f : files) {
            SafetensorsHeader h = SafetensorsReader.read(dir.resolve(f));
            h.tensors().forEach((name, t) -> {
                out.put(name, t);
                fileOf.put(name, dir.resolve(f));
            });
        }
        return out;
    }

    @Test
    void llamaDefaults() throws IOException {
        Path dir = TinySafetensors.llama(tmp.resolve("llama"));
        JsonNode config = json(dir.resolve("config.json"));
        assertEquals("llama", config.get("model_type").asText());
        assertEquals("LlamaForCausalLM", config.get("architectures").get(0).asText());
        for (String key : List.of("hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
                "num_key_value_heads", "max_position_embeddings", "rms_norm_eps", "rope_theta", "vocab_size",
                "tie_word_embeddings", "torch_dtype")) {
            assertTrue(config.has(key), key);
        }
        assertEquals("bfloat16", config.get("torch_dtype").asText());
        assertTrue(Files.exists(dir.resolve("generation_config.json")));
        JsonNode tokCfg = json(dir.resolve("tokenizer_config.json"));
        assertEquals("<|begin_of_text|>", tokCfg.get("bos_token").asText());
        assertEquals("<|eot_id|>", tokCfg.get("eos_token").asText());
        assertTrue(tokCfg.get("chat_template").asText().contains("<|start_header_id|>"));

        int vocab = config.get("vocab_size").asInt();
        assertEquals(TinyTokenizersTest.tokenizerSize(json(dir.resolve("tokenizer.json"))), vocab);
        assertEquals(config.get("bos_token_id").asInt(),
                tokCfg.get("added_tokens_decoder").properties().stream()
                        .filter(e -> e.getValue().get("content").asText().equals("<|begin_of_text|>"))
                        .map(e -> Integer.parseInt(e.getKey())).findFirst().orElseThrow());

        SafetensorsHeader h = SafetensorsReader.read(dir.resolve("model.safetensors"));
        assertEquals(Map.of("format", "pt"), h.metadata());
        int layers = 2;
        assertEquals(1 + layers * 9 + 2, h.tensors().size());
        assertArrayEquals(new long[]{vocab, 64}, h.tensor("model.embed_tokens.weight").orElseThrow().shape());
        assertArrayEquals(new long[]{64, 64}, h.tensor("model.layers.0.self_attn.q_proj.weight").orElseThrow().shape());
        assertArrayEquals(new long[]{32, 64}, h.tensor("model.layers.1.self_attn.k_proj.weight").orElseThrow().shape());
        assertArrayEquals(new long[]{64, 128}, h.tensor("model.layers.1.mlp.down_proj.weight").orElseThrow().shape());
        assertArrayEquals(new long[]{128, 64}, h.tensor("model.layers.1.mlp.gate_proj.weight").orElseThrow().shape());
        assertArrayEquals(new long[]{64}, h.tensor("model.layers.0.post_attention_layernorm.weight").orElseThrow().shape());
        assertArrayEquals(new long[]{vocab, 64}, h.tensor("lm_head.weight").orElseThrow().shape());
        assertTrue(h.tensors().values().stream().allMatch(t -> t.dtype() == SafetensorsDType.BF16));
        float[] norm = SafetensorsReader.readFloats(dir.resolve("model.safetensors"), h.tensor("model.norm.weight").orElseThrow());
        for (float v : norm) {
            assertEquals(1f, v, 0.03f);
        }
    }

    @Test
    void modelTypes() throws IOException {
        Path qwen2 = TinySafetensors.llama(tmp.resolve("qwen2"), TinySafetensors.Options.defaults()
                .withModelType("qwen2").withTieWordEmbeddings(true).withDtype(SafetensorsDType.F16));
        JsonNode c2 = json(qwen2.resolve("config.json"));
        assertEquals("Qwen2ForCausalLM", c2.get("architectures").get(0).asText());
        assertEquals("<|im_end|>", json(qwen2.resolve("tokenizer_config.json")).get("eos_token").asText());
        SafetensorsHeader h2 = SafetensorsReader.read(qwen2.resolve("model.safetensors"));
        assertTrue(h2.tensor("model.layers.0.self_attn.q_proj.bias").isPresent());
        assertTrue(h2.tensor("lm_head.weight").isEmpty(), "tied");
        assertEquals(SafetensorsDType.F16, h2.tensor("model.norm.weight").orElseThrow().dtype());

        Path qwen3 = TinySafetensors.llama(tmp.resolve("qwen3"), TinySafetensors.Options.defaults().withModelType("qwen3"));
        assertEquals(16, json(qwen3.resolve("config.json")).get("head_dim").asInt());
        assertArrayEquals(new long[]{16}, SafetensorsReader.read(qwen3.resolve("model.safetensors"))
                .tensor("model.layers.1.self_attn.k_norm.weight").orElseThrow().shape());

        Path mistral = TinySafetensors.llama(tmp.resolve("mistral"), TinySafetensors.Options.defaults().withModelType("mistral"));
        JsonNode tok = json(mistral.resolve("tokenizer.json"));
        assertEquals("Metaspace", tok.get("pre_tokenizer").get("type").asText());
        assertTrue(json(mistral.resolve("tokenizer_config.json")).get("chat_template").asText().contains("[INST]"));
        assertEquals(json(mistral.resolve("config.json")).get("vocab_size").asInt(), TinyTokenizersTest.tokenizerSize(tok));

        Path base = TinySafetensors.llama(tmp.resolve("base"), TinySafetensors.Options.defaults().withChatTemplate(false));
        assertFalse(json(base.resolve("tokenizer_config.json")).has("chat_template"));

        assertThrows(IllegalArgumentException.class,
                () -> TinySafetensors.llama(tmp.resolve("x"), TinySafetensors.Options.defaults().withModelType("gpt2")));
    }

    @Test
    void shardedWithIndex() throws IOException {
        Path dir = TinySafetensors.llama(tmp.resolve("sharded"), TinySafetensors.Options.defaults().withShards(3));
        assertFalse(Files.exists(dir.resolve("model.safetensors")));
        SafetensorsIndex index = SafetensorsIndex.read(dir.resolve("model.safetensors.index.json"));
        assertEquals(List.of("model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                "model-00003-of-00003.safetensors"), index.shardFiles());
        Map<String, Path> fileOf = new HashMap<>();
        Map<String, SafetensorsTensor> all = tensors(dir, fileOf);
        assertEquals(index.weightMap().keySet(), all.keySet());
        all.keySet().forEach(name -> assertEquals(index.weightMap().get(name), fileOf.get(name).getFileName().toString()));
        long total = all.values().stream().mapToLong(SafetensorsTensor::byteSize).sum();
        assertEquals(total, index.totalSize().orElseThrow());
        Set<Path> used = new HashSet<>(fileOf.values());
        assertEquals(3, used.size(), "every shard holds tensors");
    }

    @Test
    void mlxQuantized() throws IOException {
        Path dir = TinySafetensors.llama(tmp.resolve("mlx"), TinySafetensors.Options.defaults().withMlx(4, 64));
        JsonNode config = json(dir.resolve("config.json"));
        assertEquals(64, config.get("quantization").get("group_size").asInt());
        assertEquals(4, config.get("quantization").get("bits").asInt());
        int vocab = config.get("vocab_size").asInt();
        Path file = dir.resolve("model.safetensors");
        SafetensorsHeader h = SafetensorsReader.read(file);
        assertEquals("mlx", h.metadata().get("format"));
        SafetensorsTensor w = h.tensor("model.layers.0.self_attn.q_proj.weight").orElseThrow();
        assertEquals(SafetensorsDType.U32, w.dtype());
        assertArrayEquals(new long[]{64, 8}, w.shape());
        assertArrayEquals(new long[]{64, 1}, h.tensor("model.layers.0.self_attn.q_proj.scales").orElseThrow().shape());
        assertEquals(SafetensorsDType.BF16, h.tensor("model.layers.0.self_attn.q_proj.biases").orElseThrow().dtype());
        assertArrayEquals(new long[]{vocab, 8}, h.tensor("model.embed_tokens.weight").orElseThrow().shape());
        assertTrue(h.tensor("model.embed_tokens.scales").isPresent());
        assertTrue(h.tensor("lm_head.scales").isPresent());
        assertEquals(SafetensorsDType.BF16, h.tensor("model.norm.weight").orElseThrow().dtype());

        // The packed weights dequantize to values of the generated range (|w| <= 0.05).
        SafetensorsTensor down = h.tensor("model.layers.1.mlp.down_proj.weight").orElseThrow();
        assertArrayEquals(new long[]{64, 16}, down.shape());
        int[] packed = new int[64 * 16];
        ByteBuffer.wrap(SafetensorsReader.readData(file, down)).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(packed);
        float[] scales = SafetensorsReader.readFloats(file, h.tensor("model.layers.1.mlp.down_proj.scales").orElseThrow());
        float[] biases = SafetensorsReader.readFloats(file, h.tensor("model.layers.1.mlp.down_proj.biases").orElseThrow());
        float[] values = MlxQuantizer.dequantize(new MlxQuantized(64, 128, 4, 64, packed, scales, biases));
        for (float v : values) {
            assertTrue(Math.abs(v) < 0.06f, "dequantized " + v);
        }

        Path sharded = TinySafetensors.llama(tmp.resolve("mlx8"), TinySafetensors.Options.defaults()
                .withMlx(8, 32).withShards(2).withDtype(SafetensorsDType.F16));
        Map<String, SafetensorsTensor> all = tensors(sharded, new HashMap<>());
        assertArrayEquals(new long[]{64, 16}, all.get("model.layers.0.self_attn.q_proj.weight").shape());
        assertArrayEquals(new long[]{64, 2}, all.get("model.layers.0.self_attn.q_proj.scales").shape());
        assertEquals(8, json(sharded.resolve("config.json")).get("quantization_config").get("bits").asInt());

        assertThrows(IllegalArgumentException.class, () -> TinySafetensors.Options.defaults().withMlx(4, 128));
    }

    @Test
    void gemma2() throws IOException {
        Path dir = TinySafetensors.llama(tmp.resolve("gemma2"), TinySafetensors.Options.defaults()
                .withModelType("gemma2").withHeadDim(32));
        JsonNode c = json(dir.resolve("config.json"));
        assertEquals("Gemma2ForCausalLM", c.get("architectures").get(0).asText());
        assertEquals("gemma2", c.get("model_type").asText());
        assertEquals(50.0, c.get("attn_logit_softcapping").asDouble());
        assertEquals(30.0, c.get("final_logit_softcapping").asDouble());
        assertEquals(32, c.get("head_dim").asInt());
        assertEquals(32, c.get("query_pre_attn_scalar").asInt());
        assertEquals(4096, c.get("sliding_window").asInt());
        assertEquals("gelu_pytorch_tanh", c.get("hidden_activation").asText());
        assertFalse(c.has("tie_word_embeddings"), "Gemma checkpoints tie without the key");
        assertEquals("Metaspace", json(dir.resolve("tokenizer.json")).get("pre_tokenizer").get("type").asText());

        SafetensorsHeader h = SafetensorsReader.read(dir.resolve("model.safetensors"));
        assertEquals(1 + 2 * 11 + 1, h.tensors().size());
        assertTrue(h.tensor("lm_head.weight").isEmpty(), "tied");
        assertArrayEquals(new long[]{128, 64}, h.tensor("model.layers.0.self_attn.q_proj.weight").orElseThrow().shape());
        assertArrayEquals(new long[]{64, 64}, h.tensor("model.layers.0.self_attn.k_proj.weight").orElseThrow().shape());
        assertArrayEquals(new long[]{64, 128}, h.tensor("model.layers.0.self_attn.o_proj.weight").orElseThrow().shape());
        for (String n : List.of("input_layernorm", "post_attention_layernorm", "pre_feedforward_layernorm",
                "post_feedforward_layernorm")) {
            SafetensorsTensor t = h.tensor("model.layers.1." + n + ".weight").orElseThrow();
            assertArrayEquals(new long[]{64}, t.shape(), n);
            // stored as HF stores them: w of x * (1 + w), so near 0
            for (float v : SafetensorsReader.readFloats(dir.resolve("model.safetensors"), t)) {
                assertEquals(0f, v, 0.03f, n);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> TinySafetensors.Options.defaults().withModelType("gemma2")
                .withHeadDim(24).withMlx(4, 64), "heads * head_dim not a multiple of the group");
    }

    @Test
    void gemma3TextMlxSharded() throws IOException {
        Path dir = TinySafetensors.llama(tmp.resolve("gemma3"), TinySafetensors.Options.defaults()
                .withModelType("gemma3_text").withMlx(4, 64).withShards(2));
        JsonNode c = json(dir.resolve("config.json"));
        assertEquals("Gemma3ForCausalLM", c.get("architectures").get(0).asText());
        assertEquals("gemma3_text", c.get("model_type").asText());
        assertTrue(c.get("attn_logit_softcapping").isNull());
        assertTrue(c.get("final_logit_softcapping").isNull());
        assertEquals(10000.0, c.get("rope_local_base_freq").asDouble());
        assertEquals(6, c.get("sliding_window_pattern").asInt());
        assertEquals(512, c.get("sliding_window").asInt());
        assertEquals(16, c.get("query_pre_attn_scalar").asInt());
        assertEquals(4, c.get("quantization").get("bits").asInt());

        Map<String, SafetensorsTensor> all = tensors(dir, new HashMap<>());
        assertArrayEquals(new long[]{16}, all.get("model.layers.0.self_attn.q_norm.weight").shape());
        assertArrayEquals(new long[]{16}, all.get("model.layers.1.self_attn.k_norm.weight").shape());
        assertTrue(all.containsKey("model.layers.1.pre_feedforward_layernorm.weight"));
        SafetensorsTensor q = all.get("model.layers.0.self_attn.q_proj.weight");
        assertEquals(SafetensorsDType.U32, q.dtype());
        assertArrayEquals(new long[]{64, 8}, q.shape());
        assertArrayEquals(new long[]{64, 1}, all.get("model.layers.0.self_attn.q_proj.scales").shape());
        assertTrue(all.containsKey("model.embed_tokens.biases"));
        assertFalse(all.containsKey("lm_head.weight"));
        assertEquals(SafetensorsDType.BF16, all.get("model.layers.0.self_attn.q_norm.weight").dtype());
    }

    @Test
    void phi3FusedProjectionsAndMlxOverride() throws IOException {
        Path dir = TinySafetensors.llama(tmp.resolve("phi3"), TinySafetensors.Options.defaults().withModelType("phi3"));
        JsonNode c = json(dir.resolve("config.json"));
        assertEquals("Phi3ForCausalLM", c.get("architectures").get(0).asText());
        assertFalse(c.has("head_dim"), "Phi3Config has none");
        assertFalse(c.get("tie_word_embeddings").asBoolean());
        assertEquals(2048, c.get("original_max_position_embeddings").asInt());
        assertTrue(c.get("sliding_window").isNull());
        SafetensorsHeader h = SafetensorsReader.read(dir.resolve("model.safetensors"));
        assertEquals(1 + 2 * 6 + 2, h.tensors().size());
        assertArrayEquals(new long[]{64 + 2 * 32, 64}, h.tensor("model.layers.0.self_attn.qkv_proj.weight").orElseThrow().shape());
        assertArrayEquals(new long[]{2 * 128, 64}, h.tensor("model.layers.1.mlp.gate_up_proj.weight").orElseThrow().shape());
        assertArrayEquals(new long[]{64, 128}, h.tensor("model.layers.1.mlp.down_proj.weight").orElseThrow().shape());
        assertTrue(h.tensor("model.layers.0.self_attn.q_proj.weight").isEmpty());
        assertTrue(h.tensors().keySet().stream().noneMatch(n -> n.endsWith(".bias")), "no biases");
        assertTrue(h.tensor("lm_head.weight").isPresent(), "untied");

        Path q = TinySafetensors.llama(tmp.resolve("phi3-mixed"), TinySafetensors.Options.defaults().withModelType("phi3")
                .withMlx(4, 64).withMlxOverride("model.layers.1.mlp.down_proj", 8, 32));
        JsonNode block = json(q.resolve("config.json")).get("quantization");
        assertEquals(4, block.get("bits").asInt());
        assertEquals(8, block.get("model.layers.1.mlp.down_proj").get("bits").asInt());
        assertEquals(32, block.get("model.layers.1.mlp.down_proj").get("group_size").asInt());
        SafetensorsHeader qh = SafetensorsReader.read(q.resolve("model.safetensors"));
        assertArrayEquals(new long[]{64, 128 * 8 / 32}, qh.tensor("model.layers.1.mlp.down_proj.weight").orElseThrow().shape());
        assertArrayEquals(new long[]{64, 128 / 32}, qh.tensor("model.layers.1.mlp.down_proj.scales").orElseThrow().shape());
        assertArrayEquals(new long[]{64, 128 * 4 / 32}, qh.tensor("model.layers.0.mlp.down_proj.weight").orElseThrow().shape());
        assertArrayEquals(new long[]{128, 64 * 4 / 32}, qh.tensor("model.layers.0.self_attn.qkv_proj.weight").orElseThrow().shape());
        assertThrows(IllegalArgumentException.class, () -> TinySafetensors.Options.defaults().withMlxOverride("x", 8, 32));
    }

    @Test
    void gemma3VisionNestsTheTextModel() throws IOException {
        Path dir = TinySafetensors.gemma3Vision(tmp.resolve("g3v"), TinySafetensors.Options.defaults().withMlx(4, 64));
        JsonNode c = json(dir.resolve("config.json"));
        assertEquals("gemma3", c.get("model_type").asText());
        assertEquals("Gemma3ForConditionalGeneration", c.get("architectures").get(0).asText());
        JsonNode text = c.get("text_config");
        assertEquals("gemma3_text", text.get("model_type").asText());
        assertEquals(64, text.get("hidden_size").asInt());
        assertFalse(text.has("architectures"));
        assertEquals("siglip_vision_model", c.get("vision_config").get("model_type").asText());
        assertEquals(4, c.get("quantization").get("bits").asInt());
        JsonNode tokCfg = json(dir.resolve("tokenizer_config.json"));
        assertEquals("<image_soft_token>", tokCfg.get("added_tokens_decoder").get(c.get("image_token_index").asText())
                .get("content").asText());
        assertEquals("Gemma3ImageProcessor", json(dir.resolve("preprocessor_config.json")).get("image_processor_type").asText());

        SafetensorsHeader h = SafetensorsReader.read(dir.resolve("model.safetensors"));
        int vocab = text.get("vocab_size").asInt();
        assertArrayEquals(new long[]{vocab, 8}, h.tensor("language_model.model.embed_tokens.weight").orElseThrow().shape());
        assertEquals(SafetensorsDType.U32, h.tensor("language_model.model.layers.0.mlp.gate_proj.weight").orElseThrow().dtype());
        assertArrayEquals(new long[]{16}, h.tensor("language_model.model.layers.1.self_attn.q_norm.weight").orElseThrow().shape());
        assertTrue(h.tensor("language_model.lm_head.weight").isEmpty(), "tied");
        SafetensorsTensor patch = h.tensor("vision_tower.vision_model.embeddings.patch_embedding.weight").orElseThrow();
        assertArrayEquals(new long[]{32, 3, 8, 8}, patch.shape());
        assertEquals(SafetensorsDType.BF16, patch.dtype(), "the vision tower stays unquantized");
        assertEquals(SafetensorsDType.BF16,
                h.tensor("vision_tower.vision_model.encoder.layers.0.mlp.fc1.weight").orElseThrow().dtype());
        assertArrayEquals(new long[]{32, 64}, h.tensor("multi_modal_projector.mm_input_projection_weight").orElseThrow().shape());
        assertArrayEquals(new long[]{32}, h.tensor("multi_modal_projector.mm_soft_emb_norm.weight").orElseThrow().shape());
    }

    @Test
    void visionLlava() throws IOException {
        Path dir = TinySafetensors.visionLlava(tmp.resolve("llava"));
        JsonNode config = json(dir.resolve("config.json"));
        assertEquals("llava", config.get("model_type").asText());
        assertEquals("LlavaForConditionalGeneration", config.get("architectures").get(0).asText());
        assertEquals("clip_vision_model", config.get("vision_config").get("model_type").asText());
        assertEquals("llama", config.get("text_config").get("model_type").asText());
        JsonNode pre = json(dir.resolve("preprocessor_config.json"));
        assertEquals("CLIPImageProcessor", pre.get("image_processor_type").asText());
        assertTrue(Files.exists(dir.resolve("processor_config.json")));
        JsonNode tokCfg = json(dir.resolve("tokenizer_config.json"));
        assertEquals("<image>", tokCfg.get("added_tokens_decoder").get(config.get("image_token_index").asText()).get("content").asText());
        assertTrue(tokCfg.get("chat_template").asText().contains("<image>"));

        SafetensorsHeader h = SafetensorsReader.read(dir.resolve("model.safetensors"));
        int vocab = config.get("text_config").get("vocab_size").asInt();
        assertEquals(vocab, TinyTokenizersTest.tokenizerSize(json(dir.resolve("tokenizer.json"))));
        assertArrayEquals(new long[]{vocab, 64}, h.tensor("language_model.model.embed_tokens.weight").orElseThrow().shape());
        assertArrayEquals(new long[]{vocab, 64}, h.tensor("language_model.lm_head.weight").orElseThrow().shape());
        assertArrayEquals(new long[]{32, 3, 8, 8},
                h.tensor("vision_tower.vision_model.embeddings.patch_embedding.weight").orElseThrow().shape());
        assertArrayEquals(new long[]{17, 32},
                h.tensor("vision_tower.vision_model.embeddings.position_embedding.weight").orElseThrow().shape());
        assertArrayEquals(new long[]{64, 32}, h.tensor("multi_modal_projector.linear_1.weight").orElseThrow().shape());
        assertEquals(SafetensorsDType.F16, h.tensor("multi_modal_projector.linear_2.bias").orElseThrow().dtype());
    }

    @Test
    void bertEmbeddingModel() throws IOException {
        Path dir = TinySafetensors.bert(tmp.resolve("bert"));
        JsonNode config = json(dir.resolve("config.json"));
        assertEquals("bert", config.get("model_type").asText());
        assertEquals("BertModel", config.get("architectures").get(0).asText());
        int vocab = config.get("vocab_size").asInt();
        List<String> lines = Files.readAllLines(dir.resolve("vocab.txt"));
        assertEquals(vocab, lines.size());
        assertEquals("[PAD]", lines.getFirst());
        JsonNode tok = json(dir.resolve("tokenizer.json"));
        assertEquals("WordPiece", tok.get("model").get("type").asText());
        assertEquals(vocab, tok.get("model").get("vocab").size());
        assertEquals("BertTokenizer", json(dir.resolve("tokenizer_config.json")).get("tokenizer_class").asText());
        assertEquals(2, json(dir.resolve("modules.json")).size());
        assertTrue(json(dir.resolve("1_Pooling/config.json")).get("pooling_mode_mean_tokens").asBoolean());

        SafetensorsHeader h = SafetensorsReader.read(dir.resolve("model.safetensors"));
        assertArrayEquals(new long[]{vocab, 64}, h.tensor("embeddings.word_embeddings.weight").orElseThrow().shape());
        assertArrayEquals(new long[]{512, 64}, h.tensor("embeddings.position_embeddings.weight").orElseThrow().shape());
        assertArrayEquals(new long[]{128, 64}, h.tensor("encoder.layer.1.intermediate.dense.weight").orElseThrow().shape());
        assertTrue(h.tensor("pooler.dense.bias").isPresent());
        assertTrue(h.tensors().values().stream().allMatch(t -> t.dtype() == SafetensorsDType.F32));
    }
}
