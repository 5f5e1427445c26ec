package io.jknife.llamacpp;

import io.jknife.engine.EngineCatalog;
import io.jknife.engine.EngineException;
import io.jknife.engine.FinishReason;
import io.jknife.engine.Generation;
import io.jknife.engine.GenerationRequest;
import io.jknife.engine.GenerationResult;
import io.jknife.engine.LoadOptions;
import io.jknife.engine.LoadedModel;
import io.jknife.engine.SamplingParams;
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

/** The engine on tiny generated models (real GGUF files, random weights) in the real llama.cpp. */
class LlamaCppEngineTest {
    private static final String PROMPT = TinyGguf.BOS + TinyGguf.START_HEADER + "user" + TinyGguf.END_HEADER
            + "\n\nHello world, the tiny llama model" + TinyGguf.EOT + TinyGguf.START_HEADER + "assistant"
            + TinyGguf.END_HEADER + "\n\n";
    private static final LoadOptions OPTIONS = new LoadOptions(0, 2);

    @TempDir
    static Path dir;
    static Path llamaFile;
    static LlamaCppEngine engine = new LlamaCppEngine();
    static LlamaCppModel model;

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
    void isFoundByTheCatalogUnderItsPolicyId() {
        assertTrue(EngineCatalog.discover().get("llama.cpp").isPresent());
        assertEquals("llama.cpp", engine.id());
    }

    @Test
    void loadsWithTheModelsContextLengthAndItsEndOfGenerationTokens() {
        assertEquals("llama.cpp", model.engine());
        assertEquals(256, model.contextSize());
        assertEquals(2, model.threads());
        assertTrue(model.endOfGenerationTokens().contains(tokenId(TinyGguf.EOT)), model.endOfGenerationTokens().toString());
        assertEquals(TinyGguf.bpeTokens().size(), model.vocabularySize());
    }

    @Test
    void explicitContextSizeIsAllocated() throws Exception {
        try (LlamaCppModel m = engine.loadFile(llamaFile, new LoadOptions(128, 1))) {
            assertEquals(128, m.contextSize());
            assertEquals(1, m.threads());
        }
    }

    @Test
    void tokenizeDetokenizeRoundTrip() {
        String text = "Hello world, the tiny llama model" + TinyGguf.EOT;
        int[] tokens = model.tokenize(text, true);
        assertEquals(tokenId(TinyGguf.BOS), tokens[0], "the model asks for a BOS: tokenize puts it first");
        assertEquals(tokenId(TinyGguf.EOT), tokens[tokens.length - 1], "a written special token is parsed");
        assertEquals(text, model.detokenize(Arrays.copyOfRange(tokens, 1, tokens.length)));
        assertEquals(TinyGguf.BOS + text, model.detokenize(tokens));

        int[] literal = model.tokenize(text, false);
        assertFalse(Arrays.stream(literal).anyMatch(t -> t == tokenId(TinyGguf.EOT)), "not parsed without parseSpecial");
        assertTrue(literal.length > tokens.length);
        assertArrayEquals(new int[]{tokenId(TinyGguf.BOS)}, model.tokenize("", true));

        String unicode = "naïve café — 你好 😀";
        int[] u = model.tokenize(unicode, true);
        assertEquals(unicode, model.detokenize(Arrays.copyOfRange(u, 1, u.length)));
        assertThrows(IllegalArgumentException.class, () -> model.detokenize(new int[]{model.vocabularySize()}));
    }

    @Test
    void greedyIsDeterministicAlsoAgainstAFreshModel() throws Exception {
        GenerationResult a = greedy(model, PROMPT, 24, List.of(), null);
        GenerationResult b = greedy(model, PROMPT, 24, List.of(), null);
        assertEquals(a.text(), b.text());
        assertEquals(a.usage().completionTokens(), b.usage().completionTokens());
        assertFalse(a.text().isEmpty());
        // the second run reused the cached prompt; a fresh context computes the same
        try (LlamaCppModel fresh = engine.loadFile(llamaFile, OPTIONS)) {
            assertEquals(a.text(), greedy(fresh, PROMPT, 24, List.of(), null).text());
        }
    }

    @Test
    void tokenPromptsGiveTheSameAsTextPrompts() {
        GenerationResult byText = greedy(model, PROMPT, 12, List.of(), null);
        int[] tokens = model.tokenize(PROMPT, true);
        // the prompt writes its BOS and the tokenizer adds one; a text prompt keeps a single BOS
        assertEquals(tokenId(TinyGguf.BOS), tokens[0]);
        assertEquals(tokenId(TinyGguf.BOS), tokens[1]);
        int[] single = Arrays.copyOfRange(tokens, 1, tokens.length);
        GenerationResult byTokens = model.generate(GenerationRequest.ofTokens(single, 12, List.of(), SamplingParams.greedy()))
                .collect();
        assertEquals(byText.text(), byTokens.text());
        assertEquals(single.length, byText.usage().promptTokens());
        assertEquals(single.length, byTokens.usage().promptTokens());
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
        // top-k 1 keeps only the most likely token: the same as greedy, whatever the seed
        String greedy = greedy(model, PROMPT, 16, List.of(), null).text();
        SamplingParams topK1 = SamplingParams.defaults().withTemperature(1.5).withTopK(1).withSeed(123);
        assertEquals(greedy, model.generate(GenerationRequest.ofText(PROMPT, 16, List.of(), topK1)).collect().text());
        // a repeat penalty changes what greedy picks
        SamplingParams penalty = SamplingParams.greedy().withRepeatPenalty(5.0);
        String penalized = model.generate(GenerationRequest.ofText(PROMPT, 16, List.of(), penalty)).collect().text();
        assertNotEquals(greedy, penalized);
    }

    @Test
    void maxTokensEndsWithLengthAfterExactlyThatManyTokens() {
        for (int max : new int[]{1, 5, 17}) {
            GenerationResult r = greedy(model, PROMPT, max, List.of(), null);
            assertEquals(FinishReason.LENGTH, r.finishReason());
            assertEquals(max, r.usage().completionTokens());
            assertEquals(model.tokenize(PROMPT, true).length - 1, r.usage().promptTokens(), "one BOS");
        }
    }

    @Test
    void theContextLimitEndsWithLength() throws Exception {
        try (LlamaCppModel small = engine.loadFile(llamaFile, new LoadOptions(64, 2))) {
            int prompt = small.tokenize(PROMPT, true).length - 1; // one BOS
            GenerationResult r = greedy(small, PROMPT, 1000, List.of(), null);
            assertEquals(FinishReason.LENGTH, r.finishReason());
            assertEquals(64 - prompt + 1, r.usage().completionTokens());
            // and a prompt that does not fit is refused before anything runs
            String longPrompt = "the ".repeat(100);
            assertThrows(IllegalArgumentException.class,
                    () -> small.generate(GenerationRequest.ofText(longPrompt, 4, List.of(), SamplingParams.greedy())));
        }
    }

    @Test
    void usageHasCountsAndTimes() {
        GenerationResult r = greedy(model, PROMPT, 8, List.of(), null);
        assertEquals(8, r.usage().completionTokens());
        assertTrue(r.usage().promptMillis() > 0);
        assertTrue(r.usage().generationMillis() > 0);
        assertTrue(r.usage().tokensPerSecond() > 0);
    }

    @Test
    void streamedPiecesMakeTheText() {
        List<String> pieces = new ArrayList<>();
        GenerationResult r = greedy(model, PROMPT, 24, List.of(), pieces);
        assertEquals(r.text(), String.join("", pieces));
        assertTrue(pieces.stream().noneMatch(String::isEmpty));
        assertTrue(pieces.stream().noneMatch(p -> p.contains("<|")), "special tokens are never shown: " + pieces);
    }

    @Test
    void aStopStringEndsTheGenerationAndIsNotReturned() {
        List<String> pieces = new ArrayList<>();
        String full = greedy(model, PROMPT, 32, List.of(), pieces).text();
        // a stop string made of the end of one piece and the start of the next: found across pieces
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
        assertFalse(r.text().contains(stop));
    }

    @Test
    void cancelFromAnotherThreadEndsWithCancelled() throws Exception {
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
        // the model is fine afterwards
        assertEquals(FinishReason.LENGTH, greedy(model, PROMPT, 3, List.of(), null).finishReason());
    }

    @Test
    void cancelBeforeStreamingAndInterruptsCancelToo() {
        Generation g = model.generate(GenerationRequest.ofText(PROMPT, 50, List.of(), SamplingParams.greedy()));
        g.cancel();
        GenerationResult r = g.collect();
        assertEquals(FinishReason.CANCELLED, r.finishReason());
        assertEquals(0, r.usage().completionTokens());
        assertThrows(IllegalStateException.class, g::collect, "a generation runs once");

        Thread.currentThread().interrupt();
        try {
            GenerationResult i = model.generate(GenerationRequest.ofText(PROMPT, 50, List.of(), SamplingParams.greedy())).collect();
            assertEquals(FinishReason.CANCELLED, i.finishReason());
        } finally {
            assertTrue(Thread.interrupted(), "the interrupt stays set for the caller");
        }
    }

    @Test
    void cancelStopsPromptlyDuringALongPrompt() throws Exception {
        // big enough that processing a 2000-token prompt takes seconds on two cores
        Path file = TinyGguf.llama(Files.createDirectories(dir.resolve("wide")).resolve("wide-Q8_0.gguf"),
                TinyGguf.Options.defaults().withDims(512, 4, 8, 4, 2048).withContextLength(2048)
                        .withWeightType(io.jknife.formats.GgmlType.Q8_0));
        try (LlamaCppModel m = engine.loadFile(file, new LoadOptions(0, 1))) {
            Generation g = m.generate(GenerationRequest.ofText("the" + " the".repeat(1998), 10, List.of(),
                    SamplingParams.greedy()));
            long[] cancelledAt = new long[1];
            Thread canceller = Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(150);
                } catch (InterruptedException e) {
                    return;
                }
                cancelledAt[0] = System.nanoTime();
                g.cancel();
            });
            GenerationResult r = g.collect();
            long returnedAt = System.nanoTime();
            canceller.join();
            assertEquals(FinishReason.CANCELLED, r.finishReason());
            assertEquals(0, r.usage().completionTokens(), "cancelled while the prompt was processed");
            long lagMillis = (returnedAt - cancelledAt[0]) / 1_000_000;
            assertTrue(lagMillis < 1000, "returned " + lagMillis + " ms after cancel()");
            // a cancelled prompt leaves the model usable
            assertEquals(FinishReason.LENGTH, greedy(m, "Hello world", 2, List.of(), null).finishReason());
        }
    }

    @Test
    void nativeLogGoesToTheLoggerNotTheTerminal() throws Exception {
        java.util.logging.Logger jul = java.util.logging.Logger.getLogger("io.jknife.llamacpp.native");
        List<String> records = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.logging.Handler h = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                records.add(r.getLevel() + " " + r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        java.util.logging.Level old = jul.getLevel();
        jul.setLevel(java.util.logging.Level.FINE);
        jul.addHandler(h);
        try (LlamaCppModel m = engine.loadFile(llamaFile, OPTIONS)) {
            assertTrue(m.contextSize() > 0);
        } finally {
            jul.removeHandler(h);
            jul.setLevel(old);
        }
        assertTrue(records.stream().anyMatch(r -> r.startsWith("FINE ") && r.contains("llama_model_loader")),
                "native load messages at DEBUG: " + records.subList(0, Math.min(5, records.size())));
    }

    @Test
    void qwen2ArchitectureRuns() throws Exception {
        Path qwen = TinyGguf.llama(Files.createDirectories(dir.resolve("qwen2")).resolve("tiny-qwen2-Q8_0.gguf"),
                TinyGguf.Options.defaults().withArchitecture("qwen2").withWeightType(io.jknife.formats.GgmlType.Q8_0));
        try (LlamaCppModel m = engine.loadFile(qwen, OPTIONS)) {
            String text = "Hello world, the tiny model";
            int[] tokens = m.tokenize(text, true);
            int start = m.addsBos() ? 1 : 0;
            assertEquals(text, m.detokenize(Arrays.copyOfRange(tokens, start, tokens.length)));
            GenerationResult a = greedy(m, text, 10, List.of(), null);
            GenerationResult b = greedy(m, text, 10, List.of(), null);
            assertEquals(FinishReason.LENGTH, a.finishReason());
            assertEquals(a.text(), b.text());
            assertEquals(10, a.usage().completionTokens());
        }
    }

    @Test
    void splitModelsLoadFromAllTheirParts() throws Exception {
        List<Path> parts = TinyGguf.split(llamaFile, Files.createDirectories(dir.resolve("split")), 3);
        assertEquals(3, parts.size());
        String whole = greedy(model, PROMPT, 8, List.of(), null).text();
        try (LlamaCppModel m = engine.loadFile(parts.getFirst(), OPTIONS)) {
            assertEquals(whole, greedy(m, PROMPT, 8, List.of(), null).text());
        }
        Files.delete(parts.get(2));
        EngineException e = assertThrows(EngineException.class, () -> engine.loadFile(parts.getFirst(), OPTIONS));
        assertTrue(e.getMessage().contains("split"), e.getMessage());
    }

    @Test
    void closeIsIdempotentAndLaterCallsFail() throws Exception {
        LlamaCppModel m = engine.loadFile(llamaFile, OPTIONS);
        Generation prepared = m.generate(GenerationRequest.ofText(PROMPT, 4, List.of(), SamplingParams.greedy()));
        m.close();
        m.close();
        assertThrows(IllegalStateException.class, () -> m.tokenize("x", true));
        assertThrows(IllegalStateException.class, () -> m.detokenize(new int[]{1}));
        assertThrows(IllegalStateException.class,
                () -> m.generate(GenerationRequest.ofText(PROMPT, 4, List.of(), SamplingParams.greedy())));
        assertThrows(IllegalStateException.class, prepared::collect);
    }

    @Test
    void closeFromInsideTheStreamCancelsAndFreesAfterwards() throws Exception {
        LlamaCppModel m = engine.loadFile(llamaFile, OPTIONS);
        GenerationResult r = m.generate(GenerationRequest.ofText(PROMPT, 100, List.of(), SamplingParams.greedy()))
                .stream(piece -> m.close());
        assertEquals(FinishReason.CANCELLED, r.finishReason());
        assertThrows(IllegalStateException.class, () -> m.tokenize("x", true));
    }

    @Test
    void closeFreesNativeMemory() throws Exception {
        for (int i = 0; i < 3; i++) { // settle allocator and JIT
            try (LlamaCppModel m = engine.loadFile(llamaFile, OPTIONS)) {
                greedy(m, PROMPT, 4, List.of(), null);
            }
        }
        long malloc0 = NativeMemory.mallocedBytes().orElse(-1L);
        long rss0 = NativeMemory.rssKiB();
        LlamaCppModel open = engine.loadFile(llamaFile, OPTIONS);
        long perLoad = NativeMemory.mallocedBytes().orElse(-1L) - malloc0;
        open.close();
        int cycles = 20;
        for (int i = 0; i < cycles; i++) {
            try (LlamaCppModel m = engine.loadFile(llamaFile, OPTIONS)) {
                greedy(m, PROMPT, 4, List.of(), null);
            }
        }
        long rssGrowth = NativeMemory.rssKiB() - rss0;
        if (malloc0 >= 0) {
            long growth = NativeMemory.mallocedBytes().orElseThrow() - malloc0;
            assertTrue(perLoad > 16L << 20, "an open model holds native memory: " + perLoad);
            // one leaked context alone would be perLoad (hundreds of MB for this model)
            assertTrue(growth < 8L << 20, "malloc'd bytes grew by " + growth + " over " + (cycles + 1) + " cycles");
        }
        // the binding's own close() leaks ~27 MB of RSS per load of this model
        assertTrue(rssGrowth < 96 * 1024, "RSS grew by " + rssGrowth + " KiB");
    }

    @Test
    void refusesWhatTheProbeOrPolicyRefusesBeforeNativeCodeSeesIt() throws Exception {
        Path broken = Files.createDirectories(dir.resolve("broken")).resolve("broken-F32.gguf");
        byte[] whole = Files.readAllBytes(llamaFile);
        Files.write(broken, Arrays.copyOf(whole, whole.length / 2));
        EngineException e = assertThrows(EngineException.class, () -> engine.loadFile(broken, OPTIONS));
        assertTrue(e.getMessage().startsWith("Refused"), e.getMessage());

        Path bert = TinyGguf.bert(Files.createDirectories(dir.resolve("bert")).resolve("tiny-bert-F32.gguf"));
        EngineException b = assertThrows(EngineException.class, () -> engine.loadFile(bert, OPTIONS));
        assertTrue(b.getMessage().contains("cannot generate"), b.getMessage());

        Path unknownPre = TinyGguf.llama(Files.createDirectories(dir.resolve("pre")).resolve("pre-F32.gguf"),
                TinyGguf.Options.defaults().withMetadata("tokenizer.ggml.pre", "no-such-pre-tokenizer"));
        EngineException p = assertThrows(EngineException.class, () -> engine.loadFile(unknownPre, OPTIONS));
        assertTrue(p.getMessage().contains("pre-type"), p.getMessage());

        assertThrows(EngineException.class, () -> engine.load(
                new io.jknife.store.ModelEntry("x", null, dir, null, io.jknife.store.probe.ModelFiles.scan(dir), null, "x"),
                null, OPTIONS));
    }
}
