package io.jknife.store;

import io.jknife.store.policy.EngineRegistry;
import io.jknife.store.policy.RoutingPolicy;
import io.jknife.store.probe.Capability;
import io.jknife.store.probe.Framework;
import io.jknife.store.probe.ModelType;
import io.jknife.testkit.CacheTree;
import io.jknife.testkit.TinyGguf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GGUF repositories in the cache: probing, variants, health, and routing to llama.cpp. */
class GgufModelsTest {
    @TempDir
    Path tmp;

    private CacheTree cache() {
        return CacheTree.at(tmp.resolve("hf"));
    }

    private ModelCatalog catalog() {
        StoreConfig config = new StoreConfig(tmp.resolve("hf"), Optional.empty());
        return new ModelCatalog(new ModelStore(config), new RoutingPolicy(EngineRegistry.builtIn()));
    }

    private Path gguf(String name, TinyGguf.Options options) throws IOException {
        Path f = tmp.resolve("gen").resolve(name);
        Files.createDirectories(f.getParent());
        return TinyGguf.llama(f, options);
    }

    private ModelInfo only(String ref) {
        Resolution r = catalog().store().resolve(ModelRef.parse(ref));
        Resolution.Found found = assertInstanceOf(Resolution.Found.class, r, r.toString());
        assertEquals(1, found.entries().size(), found.entries().toString());
        return catalog().describe(found.single());
    }

    @Test
    void llamaChatModelIsHealthyChatAndRoutedToTheJavaEngine() throws IOException {
        cache().repo("org/tiny-llama-GGUF").file("tiny-llama-Q8_0.gguf", gguf("a.gguf", TinyGguf.Options.defaults()));
        ModelInfo m = only("org/tiny-llama-GGUF");
        assertEquals("org/tiny-llama-GGUF", m.name());
        assertEquals(Framework.GGUF, m.framework());
        assertEquals(ModelType.CHAT, m.modelType());
        assertEquals(List.of(Capability.TEXT_GENERATION, Capability.CHAT), m.capabilities());
        assertEquals("healthy", m.health(), m.reason());
        assertTrue(m.runtimeCompatible(), m.reason());
        assertEquals("java", m.engine(), "the preferred engine runs it");
        assertNull(m.reason());
        assertEquals("llama", m.probe().architecture());
        assertEquals(256, m.probe().contextLength());
        assertTrue(m.probe().parameterCount() > 0);
        assertEquals(40, m.hash().length());
    }

    @Test
    void baseModelWithoutChatTemplate() throws IOException {
        cache().repo("org/base-GGUF").file("base.gguf", gguf("b.gguf", TinyGguf.Options.defaults().withChatTemplate(false)));
        ModelInfo m = only("org/base-GGUF");
        assertEquals(ModelType.BASE, m.modelType());
        assertEquals(List.of(Capability.TEXT_GENERATION), m.capabilities());
    }

    @Test
    void newerArchitectureIsNotRuntimeCompatibleWithAReason() throws IOException {
        cache().repo("org/moe-GGUF").file("q.gguf", gguf("q.gguf", TinyGguf.Options.defaults().withMetadata("general.architecture", "qwen3moe")));
        ModelInfo m = only("org/moe-GGUF");
        assertEquals("healthy", m.health());
        assertFalse(m.runtimeCompatible());
        assertEquals("model_type 'qwen3moe' not supported by any engine", m.reason());
        assertNull(m.engine());
    }

    @Test
    void anArchitectureLlamaCppLacksRunsOnTheJavaEngine() throws IOException {
        cache().repo("org/qwen3-GGUF").file("q.gguf", gguf("q3.gguf", TinyGguf.Options.defaults().withArchitecture("qwen3")));
        ModelInfo m = only("org/qwen3-GGUF");
        assertTrue(m.runtimeCompatible(), m.reason());
        assertEquals("java", m.engine());
    }

    @Test
    void unknownPreTokenizerIsRefusedBeforeLoad() throws IOException {
        cache().repo("org/newtok-GGUF").file("m.gguf",
                gguf("t.gguf", TinyGguf.Options.defaults().withMetadata("tokenizer.ggml.pre", "superbpe")));
        ModelInfo m = only("org/newtok-GGUF");
        assertFalse(m.runtimeCompatible());
        assertEquals("tokenizer pre-type 'superbpe' not supported by llama.cpp", m.reason());
    }

    @Test
    void bertGgufIsAnEmbeddingModel() throws IOException {
        Path f = tmp.resolve("gen/bert.gguf");
        Files.createDirectories(f.getParent());
        TinyGguf.bert(f, TinyGguf.Options.defaults());
        cache().repo("org/bert-GGUF").file("bert-f32.gguf", f);
        ModelInfo m = only("org/bert-GGUF");
        assertEquals(ModelType.EMBEDDING, m.modelType());
        assertEquals(List.of(Capability.EMBEDDINGS), m.capabilities());
        assertTrue(m.runtimeCompatible(), m.reason());
        assertEquals("llama.cpp", m.engine());
    }

    @Test
    void severalGgufFilesAreVariantsAndMmprojIsNotAModel() throws IOException {
        Path q8 = gguf("q8.gguf", TinyGguf.Options.defaults());
        Path f16 = gguf("f16.gguf", TinyGguf.Options.defaults().withSeed(7));
        cache().repo("org/multi-GGUF").file("multi-Q8_0.gguf", q8).file("multi-F16.gguf", f16)
                .file("mmproj-multi-f16.gguf", gguf("mm.gguf", TinyGguf.Options.defaults().withSeed(9)));
        ModelStore store = catalog().store();
        List<String> names = store.allEntries().stream().map(ModelEntry::name).toList();
        assertEquals(List.of("org/multi-GGUF:F16", "org/multi-GGUF:Q8_0"), names);

        Resolution bare = store.resolve(ModelRef.parse("org/multi-GGUF"));
        assertEquals(2, assertInstanceOf(Resolution.Found.class, bare).entries().size());
        assertNull(((Resolution.Found) bare).single());

        ModelInfo m = only("org/multi-GGUF:q8_0");
        assertEquals("org/multi-GGUF:Q8_0", m.name());
        assertTrue(m.capabilities().contains(Capability.VISION), m.capabilities().toString());

        Resolution missing = store.resolve(ModelRef.parse("org/multi-GGUF:Q4_K_M"));
        Resolution.NotFound nf = assertInstanceOf(Resolution.NotFound.class, missing);
        assertTrue(nf.detail().contains("available: F16, Q8_0"), nf.detail());
    }

    @Test
    void splitGgufIsOneVariantAndAMissingPartIsUnhealthy() throws IOException {
        Path source = gguf("big.gguf", TinyGguf.Options.defaults());
        List<Path> parts = TinyGguf.split(source, tmp.resolve("parts"), 3);
        CacheTree.Repo repo = cache().repo("org/split-GGUF");
        for (Path p : parts) {
            repo.file(p.getFileName().toString(), p);
        }
        ModelInfo m = only("org/split-GGUF");
        assertEquals("healthy", m.health(), m.reason());
        assertTrue(m.runtimeCompatible());

        CacheTree.Repo broken = cache().repo("org/split-broken-GGUF");
        broken.file(parts.get(0).getFileName().toString(), parts.get(0)).file(parts.get(2).getFileName().toString(), parts.get(2));
        ModelInfo b = only("org/split-broken-GGUF");
        assertEquals("unhealthy", b.health());
        assertEquals("Missing GGUF split parts: 2/3 present", b.reason());
    }

    @Test
    void truncatedGgufIsUnhealthyWithAReason() throws IOException {
        Path f = gguf("t.gguf", TinyGguf.Options.defaults());
        cache().repo("org/trunc-GGUF").file("t.gguf", f).truncate("t.gguf", Files.size(f) / 2);
        ModelInfo m = only("org/trunc-GGUF");
        assertEquals("unhealthy", m.health());
        assertTrue(m.reason().startsWith("Invalid GGUF t.gguf: "), m.reason());
        assertFalse(m.runtimeCompatible());
    }

    @Test
    void lfsPointerDanglingLinkAndIncompleteBlobAreUnhealthy() throws IOException {
        cache().repo("org/ptr-GGUF").lfsPointer("m.gguf", 123456);
        assertEquals("LFS pointers instead of files: m.gguf", only("org/ptr-GGUF").reason());

        Path f = gguf("d.gguf", TinyGguf.Options.defaults());
        cache().repo("org/dangling-GGUF").file("m.gguf", f).danglingLink("config.json");
        assertTrue(only("org/dangling-GGUF").reason().startsWith("Broken symlinks (blob missing): config.json"));

        cache().repo("org/partial-GGUF").file("m.gguf", f).incompleteBlob(100);
        ModelInfo p = only("org/partial-GGUF");
        assertEquals("unhealthy", p.health());
        assertTrue(p.reason().startsWith("Incomplete download: blobs/"), p.reason());
    }

    @Test
    void hostileMetadataIsUnhealthyNotACrash() throws IOException {
        // A header claiming 2^40 tensors in a 100-byte file.
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(100).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put("GGUF".getBytes()).putInt(3).putLong(1L << 40).putLong(0);
        Path f = tmp.resolve("gen/hostile.gguf");
        Files.createDirectories(f.getParent());
        Files.write(f, b.array());
        cache().repo("org/hostile-GGUF").file("h.gguf", f);
        ModelInfo m = only("org/hostile-GGUF");
        assertEquals("unhealthy", m.health());
        assertTrue(m.reason().startsWith("Invalid GGUF h.gguf"), m.reason());
    }

    @Test
    void metadataForShow() throws IOException {
        cache().repo("org/meta-GGUF").file("m.gguf", gguf("m.gguf", TinyGguf.Options.defaults()));
        Map<String, Object> meta = only("org/meta-GGUF").probe().metadata();
        assertEquals("llama", meta.get("architecture"));
        assertEquals(256, meta.get("context_length"));
        assertEquals("gpt2", meta.get("tokenizer_model"));
        assertEquals("llama-bpe", meta.get("tokenizer_pre"));
    }
}
