package io.jknife.java;

import io.jknife.engine.EngineCatalog;
import io.jknife.engine.EngineException;
import io.jknife.engine.FinishReason;
import io.jknife.engine.Generation;
import io.jknife.engine.GenerationRequest;
import io.jknife.engine.GenerationResult;
import io.jknife.engine.LoadOptions;
import io.jknife.engine.LoadedModel;
import io.jknife.engine.ProbedFile;
import io.jknife.engine.SamplingParams;
import io.jknife.formats.GgmlType;
import io.jknife.llamacpp.LlamaCppEngine;
import io.jknife.llamacpp.LlamaCppModel;
import io.jknife.testkit.TinyGguf;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine contract on tiny generated models: streaming, stops, limits, sampling, cancel, close. */
class JavaEngineTest {
    private static final String PROMPT = TinyGguf.BOS + TinyGguf.START_HEADER + "user" + TinyGguf.END_HEADER
            + "\n\nHello world, the tiny llama model" + TinyGguf.EOT + TinyGguf.START_HEADER + "assistant"
            + TinyGguf.END_HEADER + "\n\n";
    private static final LoadOptions OPTIONS = new LoadOptions(0, 2);

    @TempDir
    static Path dir;
    static Path llamaFile;
    static JavaEngine engine = new JavaEngine();
    static JavaModel model;

    @BeforeAll
    static void load() throws Exception {
        llamaFile = TinyGguf.llama(Files.createDirectories(dir.resolve("llama")).resolve("tiny-llama-F32.gguf"),
                TinyGguf.Options.defaults());
        model = engine.loadFile(llamaFile, OPTIONS);
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    private static GenerationResult greedy(LoadedModel m, String prompt, int maxTokens, List<String> stops, List<String> pieces) {
        return m.generate(GenerationRequest.ofText(prompt, maxTokens, stops, SamplingParams.greedy()))
                .stream(pieces == null ? p -> { } : pieces::add);
    }

    private static int tokenId(String token) {
        return TinyGguf.bpeTokens().indexOf(token);
    }

    @Test
    void isFoundByTheCatalogUnderItsId() {
        assertTrue(EngineCatalog.discover().get("java").isPresent());
        assertEquals("java", engine.id());
        assertEquals("java", model.engine());
    }

    @Test
    void loadsWithTheModelsContextLengthAndItsEndOfGenerationTokens() throws Exception {
        assertEquals(256, model.contextSize());
        assertEquals(2, model.threads());
        assertTrue(model.endOfGenerationTokens().contains(tokenId(TinyGguf.EOT)), model.endOfGenerationTokens().toString());
        try (JavaModel m = engine.loadFile(llamaFile, new LoadOptions(128, 1))) {
            assertEquals(128, m.contextSize());
            assertEquals(1, m.threads());
        }
    }

    @Test
    void tokenizeDetokenizeRoundTrip() {
        String text = "Hello world, the tiny llama model" + TinyGguf.EOT;
        int[] tokens = model.tokenize(text, true);
        assertEquals(tokenId(TinyGguf.BOS), tokens[0]);
        assertEquals(tokenId(TinyGguf.EOT), tokens[tokens.length - 1]);
        assertEquals(text, model.detokenize(Arrays.copyOfRange(tokens, 1, tokens.length)));
        assertThrows(IllegalArgumentException.class, () -> model.detokenize(new int[]{100_000}));
    }

    @Test
    void greedyMatchesLlamaCppAndIsDeterministicAlsoAgainstAFreshModel() throws Exception {
        GenerationResult a = greedy(model, PROMPT, 24, List.of(), null);
        GenerationResult b = greedy(model, PROMPT, 24, List.of(), null);
        assertEquals(a.text(), b.text());
        assertFalse(a.text().isEmpty());
        try (JavaModel fresh = engine.loadFile(llamaFile, OPTIONS)) {
            assertEquals(a.text(), greedy(fresh, PROMPT, 24, List.of(), null).text());
        }
        try (LlamaCppModel ref = new LlamaCppEngine().loadFile(llamaFile, new LoadOptions(0, 1))) {
            GenerationResult r = greedy(ref, PROMPT, 24, List.of(), null);
            assertEquals(r.text(), a.text(), "the same text as llama.cpp, through the same interface");
            assertEquals(r.finishReason(), a.finishReason());
            assertEquals(r.usage().completionTokens(), a.usage().completionTokens());
        }
    }

    @Test
    void tokenPromptsGiveTheSameAsTextPromptsAndTheCacheIsReused() {
        GenerationResult byText = greedy(model, PROMPT, 12, List.of(), null);
        int[] tokens = model.tokenize(PROMPT, true);
        assertEquals(tokenId(TinyGguf.BOS), tokens[1], "the prompt writes its BOS and the tokenizer adds one");
        int[] single = Arrays.copyOfRange(tokens, 1, tokens.length);
        GenerationResult byTokens = model.generate(GenerationRequest.ofTokens(single, 12, List.of(), SamplingParams.greedy()))
                .collect();
        assertEquals(byText.text(), byTokens.text());
        assertEquals(single.length, byText.usage().promptTokens());
        assertTrue(model.cachedTokenCount() >= single.length, "the conversation stays in the cache");
        assertThrows(IllegalArgumentException.class, () -> model.generate(
                GenerationRequest.ofTokens(new int[]{-1}, 1, List.of(), SamplingParams.greedy())));
    }

    @Test
    void sameSeedSameOutputDifferentSeedsDiffer() {
        SamplingParams s = new SamplingParams(1.0, 1.0, 0, 0, 1.0, 7);
        String a = model.generate(GenerationRequest.ofText(PROMPT, 24, List.of(), s)).collect().text();
        String b = model.generate(GenerationRequest.ofText(PROMPT, 24, List.of(), s)).collect().text();
        String c = model.generate(GenerationRequest.ofText(PROMPT, 24, List.of(), s.withSeed(8))).collect().text();
        String d = model.generate(GenerationRequest.ofText(PROMPT, 24, List.of(), s.withSeed(9))).collect().text();
        assertEquals(a, b);
        assertFalse(a.equals(c) && a.equals(d), "different seeds give different text at temperature 1");
    }

    @Test
    void samplingSettingsAreApplied() {
        String greedy = greedy(model, PROMPT, 16, List.of(), null).text();
        SamplingParams topK1 = SamplingParams.defaults().withTemperature(1.5).withTopK(1).withSeed(123);
        assertEquals(greedy, model.generate(GenerationRequest.ofText(PROMPT, 16, List.of(), topK1)).collect().text());
        SamplingParams penalty = SamplingParams.greedy().withRepeatPenalty(5.0);
        assertNotEquals(greedy, model.generate(GenerationRequest.ofText(PROMPT, 16, List.of(), penalty)).collect().text());
    }

    @Test
    void maxTokensAndTheContextEndWithLength() throws Exception {
        for (int max : new int[]{1, 5, 17}) {
            GenerationResult r = greedy(model, PROMPT, max, List.of(), null);
            assertEquals(FinishReason.LENGTH, r.finishReason());
            assertEquals(max, r.usage().completionTokens());
            assertEquals(model.tokenize(PROMPT, true).length - 1, r.usage().promptTokens(), "one BOS");
        }
        try (JavaModel small = engine.loadFile(llamaFile, new LoadOptions(64, 1))) {
            int prompt = small.tokenize(PROMPT, true).length - 1;
            GenerationResult r = greedy(small, PROMPT, 1000, List.of(), null);
            assertEquals(FinishReason.LENGTH, r.finishReason());
            assertEquals(64 - prompt + 1, r.usage().completionTokens());
            assertThrows(IllegalArgumentException.class, () -> small.generate(
                    GenerationRequest.ofText("the ".repeat(100), 4, List.of(), SamplingParams.greedy())));
        }
    }

    @Test
    void grammarsConstrainTheOutputAndEndOfGenerationCanBeIgnored() {
        assertTrue(model.supportsGrammar());
        GenerationResult a = model.generate(
                GenerationRequest.ofText(PROMPT, 4, List.of(), SamplingParams.greedy()).withGrammar("root ::= \"a\"")).collect();
        assertEquals("a", a.text());
        assertEquals(FinishReason.STOP, a.finishReason());
        assertThrows(IllegalArgumentException.class, () -> model.generate(
                GenerationRequest.ofText(PROMPT, 4, List.of(), SamplingParams.greedy()).withGrammar("root ::= undefined")));
        GenerationResult r = model.generate(GenerationRequest.ofText(PROMPT, 40, List.of(), SamplingParams.greedy())
                .ignoringEndOfGeneration()).collect();
        assertEquals(FinishReason.LENGTH, r.finishReason());
        assertEquals(40, r.usage().completionTokens());
    }

    @Test
    void usageHasCountsAndTimesAndPiecesMakeTheText() {
        List<String> pieces = new ArrayList<>();
        GenerationResult r = greedy(model, PROMPT, 24, List.of(), pieces);
        assertEquals(24, r.usage().completionTokens());
        assertTrue(r.usage().promptMillis() > 0);
        assertTrue(r.usage().generationMillis() > 0);
        assertEquals(r.text(), String.join("", pieces));
        assertTrue(pieces.stream().noneMatch(String::isEmpty));
        assertTrue(pieces.stream().noneMatch(p -> p.contains("<|")), "special tokens are never shown: " + pieces);
    }

    @Test
    void aStopStringEndsTheGenerationAndIsNotReturned() {
        List<String> pieces = new ArrayList<>();
        String full = greedy(model, PROMPT, 32, List.of(), pieces).text();
        int boundary = -1;
        for (int i = 1; i + 1 < pieces.size(); i++) {
            if (!pieces.get(i).isBlank() && !pieces.get(i + 1).isBlank()) {
                boundary = i;
                break;
            }
        }
        assertTrue(boundary > 0, "need two pieces in a row: " + pieces);
        String left = pieces.get(boundary);
        String stop = left.substring(left.length() - 1) + pieces.get(boundary + 1).charAt(0);
        String expected = full.substring(0, full.indexOf(stop));
        List<String> streamed = new ArrayList<>();
        GenerationResult r = greedy(model, PROMPT, 32, List.of("never-there", stop), streamed);
        assertEquals(FinishReason.STOP, r.finishReason());
        assertEquals(expected, r.text());
        assertEquals(expected, String.join("", streamed));
    }

    @Test
    void cancelFromAnotherThreadBeforeStreamingAndByInterrupt() throws Exception {
        Generation g = model.generate(GenerationRequest.ofText(PROMPT, 200, List.of(), SamplingParams.greedy()));
        CountDownLatch cancelled = new CountDownLatch(1);
        Thread canceller = new Thread(() -> {
            g.cancel();
            cancelled.countDown();
        });
        List<String> pieces = new ArrayList<>();
        GenerationResult r = g.stream(piece -> {
            pieces.add(piece);
            if (pieces.size() == 1) {
                canceller.start();
                try {
                    assertTrue(cancelled.await(10, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
        });
        assertEquals(FinishReason.CANCELLED, r.finishReason());
        assertTrue(r.usage().completionTokens() < 200);
        assertEquals(String.join("", pieces), r.text());

        Generation before = model.generate(GenerationRequest.ofText(PROMPT, 50, List.of(), SamplingParams.greedy()));
        before.cancel();
        GenerationResult c = before.collect();
        assertEquals(FinishReason.CANCELLED, c.finishReason());
        assertEquals(0, c.usage().completionTokens());
        assertThrows(IllegalStateException.class, before::collect, "a generation runs once");

        Thread.currentThread().interrupt();
        try {
            assertEquals(FinishReason.CANCELLED, model.generate(
                    GenerationRequest.ofText(PROMPT, 50, List.of(), SamplingParams.greedy())).collect().finishReason());
        } finally {
            assertTrue(Thread.interrupted(), "the interrupt stays set for the caller");
        }
        assertEquals(FinishReason.LENGTH, greedy(model, PROMPT, 3, List.of(), null).finishReason(), "fine afterwards");
    }

    @Test
    void closeIsIdempotentLaterCallsFailAndCloseInsideTheStreamFreesAfterwards() throws Exception {
        JavaModel m = engine.loadFile(llamaFile, new LoadOptions(64, 1));
        m.close();
        m.close();
        assertThrows(IllegalStateException.class, () -> m.tokenize("x", false));
        assertThrows(IllegalStateException.class, () -> m.generate(
                GenerationRequest.ofText("x", 1, List.of(), SamplingParams.greedy())));

        JavaModel n = engine.loadFile(llamaFile, new LoadOptions(64, 2));
        GenerationResult r = n.generate(GenerationRequest.ofText(PROMPT, 30, List.of(), SamplingParams.greedy()))
                .stream(piece -> n.close());
        assertEquals(FinishReason.CANCELLED, r.finishReason());
        assertThrows(IllegalStateException.class, () -> n.tokenize("x", false));
    }

    @Test
    void otherArchitecturesAndWeightTypesRun() throws Exception {
        for (String arch : List.of("qwen2", "qwen3", "gemma2", "gemma3", "phi3")) {
            Path file = TinyGguf.llama(Files.createDirectories(dir.resolve(arch)).resolve(arch + ".gguf"),
                    TinyGguf.Options.defaults().withArchitecture(arch).withWeightType(GgmlType.Q8_0));
            try (JavaModel m = engine.loadFile(file, new LoadOptions(128, 2))) {
                GenerationResult r = greedy(m, "Hello world", 5, List.of(), null);
                assertTrue(r.usage().completionTokens() > 0 || r.finishReason() == FinishReason.STOP, arch);
            }
        }
    }

    @Test
    void refusesWhatItCannotRunWithOneClearReason() throws Exception {
        Path bert = TinyGguf.bert(Files.createDirectories(dir.resolve("bert")).resolve("bert.gguf"));
        EngineException e = assertThrows(EngineException.class, () -> engine.loadFile(bert, OPTIONS));
        assertTrue(e.getMessage().contains("bert"), e.getMessage());
    }

    /**
     * The memory the server's gate reserves: Q4_0 kept at its file size, Q6_K at its repacked size
     * (40 bytes per 32 values instead of 26.25), and the model loads.
     */
    @Test
    void weightBytesCountTheRepackedLayouts() throws Exception {
        for (GgmlType type : List.of(GgmlType.Q4_0, GgmlType.Q6_K)) {
            Path file = TinyGguf.llama(Files.createDirectories(dir.resolve("wide-" + type)).resolve("wide.gguf"),
                    TinyGguf.Options.defaults().withWeightType(type).withDims(1024, 1, 8, 2, 1024));
            ProbedFile p = ProbedFile.of(file);
            long fileBytes = Files.size(file);
            long weights = engine.weightBytes(p.entry(), p.probe());
            long matrices = 0;
            for (var t : io.jknife.formats.gguf.GgufReader.read(file).tensors()) {
                if (t.dims().length == 2) {
                    matrices += t.byteSize();
                }
            }
            if (type == GgmlType.Q4_0) {
                assertEquals(fileBytes, weights);
            } else {
                assertEquals(fileBytes + matrices * (40 * 4 - 105) / 105, weights, type.name()); // 40 / 26.25 = 160 / 105
            }
            try (JavaModel m = engine.loadFile(file, new LoadOptions(64, 2))) {
                assertTrue(greedy(m, "Hello world", 3, List.of(), null).usage().promptTokens() > 0);
            }
        }
    }
}
