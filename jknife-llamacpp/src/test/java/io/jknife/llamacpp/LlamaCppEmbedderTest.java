package io.jknife.llamacpp;

import io.jknife.engine.EmbeddingModel;
import io.jknife.engine.EngineException;
import io.jknife.engine.GenerationRequest;
import io.jknife.engine.LoadOptions;
import io.jknife.engine.LoadedModel;
import io.jknife.engine.SamplingParams;
import io.jknife.llamacpp.ffi.LlamaNative;
import io.jknife.store.ModelEntry;
import io.jknife.store.probe.ModelFiles;
import io.jknife.store.probe.ModelProbe;
import io.jknife.store.probe.ModelProber;
import io.jknife.testkit.TinyGguf;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Embeddings of tiny generated GGUF embedding models (random weights) in the real llama.cpp. */
class LlamaCppEmbedderTest {
    private static final LoadOptions OPTIONS = new LoadOptions(0, 2);

    @TempDir
    static Path dir;
    static LlamaCppEngine engine = new LlamaCppEngine();
    static LlamaCppEmbedder mean;

    @BeforeAll
    static void load() throws Exception {
        Path bert = TinyGguf.bert(Files.createDirectories(dir.resolve("mean")).resolve("bert-mean-F32.gguf"));
        mean = engine.loadEmbedderFile(bert, OPTIONS);
    }

    @AfterAll
    static void close() {
        if (mean != null) {
            mean.close();
        }
    }

    private static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    private static double maxDiff(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    @Test
    void unitVectorsOfTheModelsWidthWithTokenCounts() throws Exception {
        assertEquals(64, mean.dimensions());
        assertEquals(256, mean.maxInputTokens());
        assertEquals(LlamaNative.POOLING_MEAN, mean.pooling());
        List<EmbeddingModel.Embedding> e = mean.embed(List.of("hello world", "the cat and the dog", "hello world"));
        assertEquals(3, e.size());
        for (EmbeddingModel.Embedding x : e) {
            assertEquals(64, x.vector().length);
            assertEquals(1.0, norm(x.vector()), 1e-4);
        }
        // [CLS] hello world [SEP]
        assertEquals(4, e.get(0).tokens());
        assertEquals(mean.tokenize("hello world", false).length, e.get(0).tokens());
        assertTrue(maxDiff(e.get(0).vector(), e.get(2).vector()) < 1e-5, "same text, same vector in one batch");
        assertTrue(maxDiff(e.get(0).vector(), e.get(1).vector()) > 1e-3, "different texts, different vectors");
    }

    @Test
    void batchingDoesNotChangeVectors() throws Exception {
        float[] alone = mean.embed(List.of("the cat and the dog")).getFirst().vector();
        float[] batched = mean.embed(List.of("hello", "the cat and the dog", "a tiny model test")).get(1).vector();
        assertTrue(maxDiff(alone, batched) < 1e-4, "diff " + maxDiff(alone, batched));
    }

    @Test
    void manyInputsSpanSeveralBatches() throws Exception {
        List<String> inputs = java.util.stream.IntStream.range(0, LlamaCppEmbedder.MAX_SEQUENCES * 2 + 3)
                .mapToObj(i -> "test " + i).toList();
        List<EmbeddingModel.Embedding> e = mean.embed(inputs);
        assertEquals(inputs.size(), e.size());
        float[] last = mean.embed(List.of(inputs.getLast())).getFirst().vector();
        assertTrue(maxDiff(last, e.getLast().vector()) < 1e-4);
    }

    @Test
    void tooLongAndEmptyInputsAreRefusedWithBothLengths() {
        String longText = "hello world ".repeat(200);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> mean.embed(List.of("ok", longText)));
        assertTrue(e.getMessage().contains("input 1 has 402 tokens") && e.getMessage().contains("at most 256"), e.getMessage());
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class, () -> mean.embed(List.of("")));
        assertTrue(empty.getMessage().contains("empty"), empty.getMessage());
    }

    @Test
    void doesNotGenerate() {
        assertThrows(UnsupportedOperationException.class, () -> mean.generate(
                GenerationRequest.ofText("x", 1, List.of(), SamplingParams.greedy())));
        assertTrue(mean.embeddings().isPresent());
        assertFalse(mean.supportsGrammar());
    }

    @Test
    void clsPoolingDiffersFromMeanAndTheEngineDispatchesByProbe() throws Exception {
        Path cls = TinyGguf.bert(Files.createDirectories(dir.resolve("cls")).resolve("bert-cls-F32.gguf"),
                TinyGguf.Options.defaults().withPoolingType(2));
        ModelFiles files = ModelFiles.scan(cls.getParent());
        ModelFiles.Variant v = files.ggufVariants().values().iterator().next();
        ModelProbe probe = ModelProber.probe(files, v, "cls", List.of());
        try (LoadedModel m = engine.load(new ModelEntry(cls.toString(), null, cls.getParent(), null, files, v, "cls"), probe, OPTIONS)) {
            LlamaCppEmbedder e = assertInstanceOf(LlamaCppEmbedder.class, m);
            assertEquals(LlamaNative.POOLING_CLS, e.pooling());
            float[] a = m.embeddings().orElseThrow().embed(List.of("hello world")).getFirst().vector();
            float[] b = mean.embed(List.of("hello world")).getFirst().vector();
            assertEquals(1.0, norm(a), 1e-4);
            assertTrue(maxDiff(a, b) > 1e-3);
        }
    }

    @Test
    void aDecoderWithAPoolingTypeEmbedsWithLastTokenPooling() throws Exception {
        Path q = TinyGguf.llama(Files.createDirectories(dir.resolve("dec")).resolve("qwen-embed-F32.gguf"),
                TinyGguf.Options.defaults().withArchitecture("qwen2").withMetadata("qwen2.pooling_type", 3));
        try (LlamaCppEmbedder m = engine.loadEmbedderFile(q, OPTIONS)) {
            assertEquals(LlamaNative.POOLING_LAST, m.pooling());
            List<EmbeddingModel.Embedding> e = m.embed(List.of("hello world", "the tiny model"));
            assertEquals(64, e.getFirst().vector().length);
            assertEquals(1.0, norm(e.get(1).vector()), 1e-4);
            float[] alone = m.embed(List.of("the tiny model")).getFirst().vector();
            assertTrue(maxDiff(alone, e.get(1).vector()) < 1e-4, "diff " + maxDiff(alone, e.get(1).vector()));
        }
    }

    @Test
    void aTextModelIsNotLoadedAsAnEmbedder() throws Exception {
        Path llama = TinyGguf.llama(Files.createDirectories(dir.resolve("text")).resolve("text-F32.gguf"));
        EngineException e = assertThrows(EngineException.class, () -> engine.loadEmbedderFile(llama, OPTIONS));
        assertTrue(e.getMessage().contains("not an embedding model"), e.getMessage());
    }

    @Test
    void closedModelRefusesWork() throws Exception {
        Path bert = TinyGguf.bert(Files.createDirectories(dir.resolve("closed")).resolve("bert-F32.gguf"));
        LlamaCppEmbedder m = engine.loadEmbedderFile(bert, OPTIONS);
        m.close();
        m.close();
        assertThrows(IllegalStateException.class, () -> m.embed(List.of("x")));
    }

    @Test
    void normalizeKeepsZeroVectors() {
        assertArrayEquals(new float[]{0, 0}, LlamaCppEmbedder.normalize(new float[]{0, 0}));
        assertArrayEquals(new float[]{0.6f, 0.8f}, LlamaCppEmbedder.normalize(new float[]{3, 4}), 1e-6f);
    }
}
