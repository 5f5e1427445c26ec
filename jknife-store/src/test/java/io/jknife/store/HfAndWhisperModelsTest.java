package io.jknife.store;

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
    void safetensorsLlamaIsPyTorchChatAndNotRunnableYet() throws IOException {
        cache().repo("org/tiny-llama").files(TinySafetensors.llama(tmp.resolve("st")));
        ModelInfo m = only("org/tiny-llama");
        assertEquals(Framework.PyTorch, m.framework());
        assertEquals(ModelType.CHAT, m.modelType());
        assertEquals(List.of(Capability.TEXT_GENERATION, Capability.CHAT), m.capabilities());
        assertEquals("healthy", m.health(), m.reason());
        assertEquals("Model is healthy", m.probe().healthReason());
        assertFalse(m.runtimeCompatible());
        assertTrue(m.reason().startsWith("Incompatible framework: PyTorch"), m.reason());
        assertEquals("llama", m.probe().architecture());
        assertTrue(m.probe().parameterCount() > 0);
        assertTrue(m.probe().contextLength() > 0);
    }

    @Test
    void mlxQuantizedIsMlxWithItsQuantization() throws IOException {
        cache().repo("someone/tiny-4bit").files(TinySafetensors.llama(tmp.resolve("mlx"),
                TinySafetensors.Options.defaults().withMlx(4, 64)));
        ModelInfo m = only("someone/tiny-4bit");
        assertEquals(Framework.MLX, m.framework());
        assertEquals("4-bit (group_size=64)", m.probe().quantization());
        assertEquals(4, m.probe().quantizationConfig().get("bits").asInt());
        assertEquals("healthy", m.health(), m.reason());
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
    void llavaIsVisionChat() throws IOException {
        cache().repo("org/tiny-llava").files(TinySafetensors.visionLlava(tmp.resolve("v")));
        ModelInfo m = only("org/tiny-llava");
        assertTrue(m.capabilities().contains(Capability.VISION), m.capabilities().toString());
        assertEquals(ModelType.CHAT, m.modelType());
        assertEquals("healthy", m.health(), m.reason());
    }

    @Test
    void bertSafetensorsIsAnEmbedding() throws IOException {
        cache().repo("org/tiny-bert").files(TinySafetensors.bert(tmp.resolve("b")));
        ModelInfo m = only("org/tiny-bert");
        assertEquals(ModelType.EMBEDDING, m.modelType());
        assertEquals(List.of(Capability.EMBEDDINGS), m.capabilities());
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
