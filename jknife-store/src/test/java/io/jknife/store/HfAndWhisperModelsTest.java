package io.jknife.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jknife.formats.safetensors.SafetensorsDType;
import io.jknife.formats.safetensors.SafetensorsWriter;
import io.jknife.store.policy.EngineRegistry;
import io.jknife.store.policy.RoutingPolicy;
import io.jknife.store.probe.Capability;
import io.jknife.store.probe.Framework;
import io.jknife.store.probe.ModelType;
import io.jknife.testkit.CacheTree;
import io.jknife.testkit.TinySafetensors;
import io.jknife.testkit.TinyWhisper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hugging Face (safetensors, MLX) and whisper.cpp models: probing, health and routing. */
class HfAndWhisperModelsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private CacheTree cache() {
        return CacheTree.at(tmp.resolve("hf"));
    }

    private ModelInfo only(String ref) {
        ModelStore store = new ModelStore(new StoreConfig(tmp.resolve("hf"), Optional.empty()));
        ModelCatalog catalog = new ModelCatalog(store, new RoutingPolicy(EngineRegistry.builtIn()));
        Resolution r = store.resolve(ModelRef.parse(ref));
        Resolution.Found found = assertInstanceOf(Resolution.Found.class, r, r.toString());
        return catalog.describe(found.single());
    }

    @Test
    void safetensorsLlamaIsPyTorchChatRunByTheJavaEngine() throws IOException {
        cache().repo("org/tiny-llama").files(TinySafetensors.llama(tmp.resolve("st")));
        ModelInfo m = only("org/tiny-llama");
        assertEquals(Framework.PyTorch, m.framework());
        assertEquals(ModelType.CHAT, m.modelType());
        assertEquals(List.of(Capability.TEXT_GENERATION, Capability.CHAT), m.capabilities());
        assertEquals("healthy", m.health(), m.reason());
        assertEquals("Model is healthy", m.probe().healthReason());
        assertTrue(m.runtimeCompatible(), m.reason());
        assertEquals("java", m.engine());
        assertEquals("llama", m.probe().architecture());
        assertEquals("safetensors", m.probe().metadata().get("weights_format"));
        assertEquals(List.of("BF16"), m.probe().metadata().get("tensor_types"));
        assertEquals("Engine 'llamacpp' does not load safetensors models",
                new RoutingPolicy(EngineRegistry.builtIn()).route(m.probe(), "llamacpp").reason());
        assertTrue(m.probe().parameterCount() > 0);
        assertTrue(m.probe().contextLength() > 0);
    }

    @Test
    void mlxQuantizedIsMlxWithItsQuantizationAndRunByTheJavaEngine() throws IOException {
        TinySafetensors.Options o = TinySafetensors.Options.defaults();
        cache().repo("someone/tiny-4bit").files(TinySafetensors.llama(tmp.resolve("mlx"), o.withMlx(4, 64)));
        cache().repo("someone/tiny-bf16").files(TinySafetensors.llama(tmp.resolve("plain"), o));
        ModelInfo m = only("someone/tiny-4bit");
        assertEquals(Framework.MLX, m.framework());
        assertEquals("4-bit (group_size=64)", m.probe().quantization());
        assertEquals(4, m.probe().quantizationConfig().get("bits").asInt());
        assertEquals("healthy", m.health(), m.reason());
        // every matrix is quantized; scales, biases and norms stay bf16
        assertEquals(List.of("BF16", "MLX_Q4_G64"), m.probe().metadata().get("tensor_types"));
        assertTrue(m.runtimeCompatible(), m.reason());
        assertEquals("java", m.engine());
        assertEquals(only("someone/tiny-bf16").probe().parameterCount(), m.probe().parameterCount(),
                "packed words count as the parameters they hold, scales and biases not at all");
    }

    /** Every model type the generator writes is one the Java engine declares, plain and MLX-quantized. */
    @ParameterizedTest
    @ValueSource(strings = {"llama", "mistral", "qwen2", "qwen3", "gemma2", "gemma3_text", "phi3"})
    void everyGeneratedModelTypeIsRunByTheJavaEngine(String type) throws IOException {
        TinySafetensors.Options o = TinySafetensors.Options.defaults().withModelType(type);
        cache().repo("org/" + type).files(TinySafetensors.llama(tmp.resolve(type), o));
        cache().repo("mlx-community/" + type + "-8bit").files(TinySafetensors.llama(tmp.resolve(type + "-q"),
                o.withMlx(8, 32).withShards(2)));
        for (String ref : List.of("org/" + type, "mlx-community/" + type + "-8bit")) {
            ModelInfo m = only(ref);
            assertEquals("healthy", m.health(), ref + ": " + m.reason());
            assertEquals(type, m.probe().architecture());
            assertTrue(m.runtimeCompatible(), ref + ": " + m.reason());
            assertEquals("java", m.engine(), ref);
        }
        assertEquals(List.of("BF16", "MLX_Q8_G32"), only("mlx-community/" + type + "-8bit").probe().metadata().get("tensor_types"));
    }

    @Test
    void perLayerMlxOverridesAreTensorTypesOfTheirOwn() throws IOException {
        TinySafetensors.Options o = TinySafetensors.Options.defaults().withDtype(SafetensorsDType.F16);
        cache().repo("org/mixed").files(TinySafetensors.llama(tmp.resolve("mixed"),
                o.withMlx(4, 64).withMlxOverride("model.layers.1.mlp.down_proj", 8, 32)));
        cache().repo("org/plain").files(TinySafetensors.llama(tmp.resolve("plain"), o));
        ModelInfo m = only("org/mixed");
        assertEquals(List.of("F16", "MLX_Q4_G64", "MLX_Q8_G32"), m.probe().metadata().get("tensor_types"));
        assertTrue(m.runtimeCompatible(), m.reason());
        assertEquals(only("org/plain").probe().parameterCount(), m.probe().parameterCount());
    }

    @Test
    void unsupportedMlxQuantizationIsRefusedWithItsType() throws IOException {
        Path dir = TinySafetensors.llama(tmp.resolve("q"), TinySafetensors.Options.defaults().withMlx(4, 64));
        ObjectNode config = (ObjectNode) JSON.readTree(dir.resolve("config.json").toFile());
        ((ObjectNode) config.get("quantization")).putObject("model.layers.0.mlp.up_proj").put("bits", 7).put("group_size", 64);
        Files.writeString(dir.resolve("config.json"), config.toString());
        cache().repo("org/seven-bit-layer").files(dir);
        ModelInfo layer = only("org/seven-bit-layer");
        assertEquals("healthy", layer.health(), layer.reason());
        assertEquals(List.of("BF16", "MLX_Q4_G64", "MLX_Q7_G64"), layer.probe().metadata().get("tensor_types"));
        assertFalse(layer.runtimeCompatible());
        assertEquals("tensor type MLX_Q7_G64 not supported by java", layer.reason());

        ((ObjectNode) config.get("quantization")).remove("model.layers.0.mlp.up_proj");
        ((ObjectNode) config.get("quantization")).put("group_size", 16);
        Files.writeString(dir.resolve("config.json"), config.toString());
        cache().repo("org/group-16").files(dir);
        assertEquals("tensor type MLX_Q4_G16 not supported by java", only("org/group-16").reason());
    }

    @Test
    void floatEightWeightsAreRefusedWithTheirDtype() throws IOException {
        Path dir = TinySafetensors.llama(tmp.resolve("fp8"), TinySafetensors.Options.defaults());
        new SafetensorsWriter().metadata("format", "pt")
                .tensor("model.layers.0.mlp.down_proj.weight", SafetensorsDType.F8_E4M3, new long[]{64, 128}, new byte[64 * 128])
                .tensor("model.norm.weight", SafetensorsDType.BF16, new long[]{64}, new byte[128])
                .write(dir.resolve("model.safetensors"));
        cache().repo("org/fp8").files(dir);
        ModelInfo m = only("org/fp8");
        assertEquals("healthy", m.health(), m.reason());
        assertFalse(m.runtimeCompatible());
        assertEquals("tensor type F8_E4M3 not supported by java", m.reason());
    }

    @Test
    void pytorchBinWeightsAreRefusedByFormatNotByName() throws IOException {
        Path dir = TinySafetensors.llama(tmp.resolve("bin"));
        Files.delete(dir.resolve("model.safetensors"));
        Files.write(dir.resolve("pytorch_model.bin"), new byte[]{'P', 'K', 3, 4, 0, 0, 0, 0});
        cache().repo("org/tiny-llama-bin").files(dir);
        ModelInfo m = only("org/tiny-llama-bin");
        assertEquals(Framework.PyTorch, m.framework());
        assertEquals("healthy", m.health(), m.reason());
        assertEquals("pytorch .bin", m.probe().metadata().get("weights_format"));
        assertFalse(m.probe().metadata().containsKey("tensor_types"));
        assertFalse(m.runtimeCompatible());
        assertEquals("pytorch .bin weights are not supported by java (gguf, safetensors only)", m.reason());
    }

    @Test
    void modelTypeNoEngineRunsIsRefused() throws IOException {
        Path dir = TinySafetensors.llama(tmp.resolve("gpt"));
        ObjectNode config = (ObjectNode) JSON.readTree(dir.resolve("config.json").toFile());
        config.put("model_type", "gpt_neox");
        Files.writeString(dir.resolve("config.json"), config.toString());
        cache().repo("org/neox").files(dir);
        ModelInfo m = only("org/neox");
        assertFalse(m.runtimeCompatible());
        assertEquals("model_type 'gpt_neox' not supported by any engine", m.reason());
    }

    @Test
    void multimodalGemma3IsRunAsTextByTheJavaEngine() throws IOException {
        cache().repo("mlx-community/tiny-gemma-3-4bit").files(TinySafetensors.gemma3Vision(tmp.resolve("g3"),
                TinySafetensors.Options.defaults().withMlx(4, 64)));
        ModelInfo m = only("mlx-community/tiny-gemma-3-4bit");
        assertEquals("healthy", m.health(), m.reason());
        assertEquals(Framework.MLX, m.framework());
        assertEquals("gemma3", m.probe().architecture());
        assertTrue(m.capabilities().contains(Capability.VISION), m.capabilities().toString());
        assertEquals(List.of("BF16", "MLX_Q4_G64"), m.probe().metadata().get("tensor_types"));
        assertTrue(m.runtimeCompatible(), m.reason());
        assertEquals("java", m.engine());
    }

    @Test
    void shardedModelWithAMissingShardIsUnhealthy() throws IOException {
        Path dir = TinySafetensors.llama(tmp.resolve("sh"), TinySafetensors.Options.defaults().withShards(3));
        cache().repo("org/sharded").files(dir);
        assertEquals("Multi-file model complete", only("org/sharded").probe().healthReason());

        Files.delete(dir.resolve("model-00002-of-00003.safetensors"));
        cache().repo("org/sharded-broken").files(dir);
        ModelInfo b = only("org/sharded-broken");
        assertEquals("unhealthy", b.health());
        assertTrue(b.reason().startsWith("Index/shard mismatch"), b.reason());
    }

    @Test
    void truncatedSafetensorsIsUnhealthy() throws IOException {
        Path dir = TinySafetensors.llama(tmp.resolve("t"));
        cache().repo("org/trunc").files(dir).truncate("model.safetensors", Files.size(dir.resolve("model.safetensors")) - 10);
        ModelInfo m = only("org/trunc");
        assertEquals("unhealthy", m.health());
        assertTrue(m.reason().startsWith("Corrupt safetensors file model.safetensors: "), m.reason());
    }

    @Test
    void configMissingOrInvalidIsUnhealthy() throws IOException {
        Path dir = TinySafetensors.llama(tmp.resolve("c"));
        Files.delete(dir.resolve("config.json"));
        cache().repo("org/noconfig").files(dir);
        assertEquals("config.json missing", only("org/noconfig").reason());
        Files.writeString(dir.resolve("config.json"), "{");
        cache().repo("org/badconfig").files(dir);
        assertEquals("config.json contains invalid JSON", only("org/badconfig").reason());
    }

    @Test
    void llavaIsVisionChatWhoseTextModelTheJavaEngineRuns() throws IOException {
        cache().repo("org/tiny-llava").files(TinySafetensors.visionLlava(tmp.resolve("v")));
        ModelInfo m = only("org/tiny-llava");
        assertTrue(m.capabilities().contains(Capability.VISION), m.capabilities().toString());
        assertEquals(ModelType.CHAT, m.modelType());
        assertEquals("healthy", m.health(), m.reason());
        assertTrue(m.runtimeCompatible(), m.reason());
        assertEquals("java", m.engine());
    }

    @Test
    void bertSafetensorsIsAnEmbedding() throws IOException {
        cache().repo("org/tiny-bert").files(TinySafetensors.bert(tmp.resolve("b")));
        ModelInfo m = only("org/tiny-bert");
        assertEquals(ModelType.EMBEDDING, m.modelType());
        assertEquals(List.of(Capability.EMBEDDINGS), m.capabilities());
        assertFalse(m.runtimeCompatible());
        assertEquals("Embedding architecture 'bert' not supported by any engine", m.reason());
    }

    @Test
    void whisperMultilingualTranslatesAndIsRoutedToWhisperCpp() throws IOException {
        cache().repo("ggerganov/whisper.cpp").file("ggml-tiny.bin", TinyWhisper.write(tmp.resolve("w.bin")));
        ModelInfo m = only("ggerganov/whisper.cpp");
        assertEquals(Framework.GGML, m.framework());
        assertEquals(ModelType.AUDIO, m.modelType());
        assertEquals(List.of(Capability.AUDIO, Capability.AUDIO_TRANSLATE_EN), m.capabilities());
        assertTrue(m.runtimeCompatible(), m.reason());
        assertEquals("whisper.cpp", m.engine());
    }

    @Test
    void whisperVariantsEnglishOnlyAndHazards() throws IOException {
        cache().repo("ggerganov/whisper.cpp")
                .file("ggml-tiny.en.bin", TinyWhisper.write(tmp.resolve("en.bin"), TinyWhisper.Options.defaults().withMultilingual(false)))
                .file("ggml-tiny-f32conv.bin", TinyWhisper.write(tmp.resolve("c.bin"), TinyWhisper.Options.defaults().withConvF32()))
                .file("ggml-tiny-missing.bin", TinyWhisper.write(tmp.resolve("m.bin"), TinyWhisper.Options.defaults().withMissingTensor()));
        ModelInfo en = only("ggerganov/whisper.cpp:tiny.en");
        assertEquals(List.of(Capability.AUDIO), en.capabilities());

        ModelInfo conv = only("ggerganov/whisper.cpp:tiny-f32conv");
        assertEquals("healthy", conv.health());
        assertFalse(conv.runtimeCompatible());
        assertTrue(conv.reason().startsWith("Refused before loading"), conv.reason());

        ModelInfo missing = only("ggerganov/whisper.cpp:tiny-missing");
        assertEquals("unhealthy", missing.health());
        assertTrue(missing.reason().startsWith("Incomplete whisper.cpp tensor table"), missing.reason());
    }

    @Test
    void workspaceWithSentinelReportsOriginAndCleanState() throws IOException {
        Path ws = TinySafetensors.llama(tmp.resolve("home/my-llama"));
        var sentinel = io.jknife.store.workspace.WorkspaceSentinel.create("0.1.0", "clone", "org/tiny-llama", null);
        io.jknife.store.workspace.WorkspaceSentinel.write(ws, sentinel);
        assertTrue(io.jknife.store.workspace.ContentHash.recalc(ws).isPresent());
        ModelStore store = new ModelStore(new StoreConfig(tmp.resolve("hf"), Optional.of(tmp.resolve("home"))));
        ModelCatalog catalog = new ModelCatalog(store, new RoutingPolicy(EngineRegistry.builtIn()));
        ModelInfo m = catalog.describe(store.entriesOfWorkspace(ws).getFirst());
        assertEquals("org/tiny-llama", m.origin());
        assertEquals(Boolean.TRUE, m.clean());
        assertTrue(m.contentHash().startsWith("sha256:"));
        Files.writeString(ws.resolve("config.json"), "{\"model_type\": \"llama\", \"edited\": true}");
        assertEquals(Boolean.FALSE, catalog.describe(store.entriesOfWorkspace(ws).getFirst()).clean());
    }
}
