package io.jknife.java;

import io.jknife.engine.FinishReason;
import io.jknife.engine.Generation;
import io.jknife.engine.GenerationRequest;
import io.jknife.engine.GenerationResult;
import io.jknife.engine.LoadOptions;
import io.jknife.engine.SamplingParams;
import io.jknife.testkit.TinyGguf;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Parallel slots: several generations in one forward pass per step, each as it would run alone. */
class JavaModelParallelTest {
    private static final int SLOTS = 4;

    @TempDir
    static Path dir;
    static JavaEngine engine = new JavaEngine();
    static JavaModel single;
    static JavaModel parallel;

    @BeforeAll
    static void load() throws Exception {
        Path file = TinyGguf.llama(Files.createDirectories(dir.resolve("llama")).resolve("tiny-llama-F32.gguf"),
                TinyGguf.Options.defaults());
        single = engine.loadFile(file, new LoadOptions(0, 2));
        parallel = engine.loadFile(file, new LoadOptions(0, 2, SLOTS));
    }

    @AfterAll
    static void close() {
        if (single != null) {
            single.close();
        }
        if (parallel != null) {
            parallel.close();
        }
    }

    private static String prompt(int i) {
        return TinyGguf.BOS + TinyGguf.START_HEADER + "user" + TinyGguf.END_HEADER + "\n\n"
                + "Hello world " + "the tiny llama model ".repeat(i + 1) + TinyGguf.EOT
                + TinyGguf.START_HEADER + "assistant" + TinyGguf.END_HEADER + "\n\n";
    }

    private static Generation greedy(JavaModel m, String prompt, int maxTokens) {
        GenerationRequest r = GenerationRequest.ofText(prompt, maxTokens, List.of(), SamplingParams.greedy());
        return m.generate(r.ignoringEndOfGeneration());
    }

    @Test
    void reportsItsSlots() {
        assertEquals(1, single.parallel());
        assertEquals(SLOTS, parallel.parallel());
    }

    @Test
    void concurrentGenerationsAreBatchedAndGiveWhatEachGivesAlone() throws Exception {
        int n = SLOTS;
        List<GenerationResult> alone = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            alone.add(greedy(single, prompt(i), 24).collect());
        }
        // each stream holds its first piece until every stream has one: all run at once, or the latch times out
        CountDownLatch allStarted = new CountDownLatch(n);
        List<GenerationResult> together = runConcurrently(n, i -> greedy(parallel, prompt(i), 24), i -> piece -> {
            allStarted.countDown();
            try {
                assertTrue(allStarted.await(30, TimeUnit.SECONDS), "the streams run at the same time");
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        for (int i = 0; i < n; i++) {
            assertEquals(alone.get(i).text(), together.get(i).text(), "stream " + i);
            assertEquals(FinishReason.LENGTH, together.get(i).finishReason());
            assertEquals(24, together.get(i).usage().completionTokens());
            assertEquals(alone.get(i).usage().promptTokens(), together.get(i).usage().promptTokens());
        }
        assertEquals(n, parallel.widestDecode(), "one forward pass decoded every stream's next token");
    }

    @Test
    void moreRequestsThanSlotsWaitTheirTurn() throws Exception {
        int n = 3 * SLOTS;
        List<String> alone = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            alone.add(greedy(single, prompt(i % 5), 8).collect().text());
        }
        List<GenerationResult> together = runConcurrently(n, i -> greedy(parallel, prompt(i % 5), 8), i -> piece -> { });
        for (int i = 0; i < n; i++) {
            assertEquals(alone.get(i), together.get(i).text(), "request " + i);
        }
    }

    @Test
    void cancellingOneStreamLeavesTheOthers() throws Exception {
        String expected = greedy(single, prompt(1), 40).collect().text();
        List<Generation> gens = new ArrayList<>();
        for (int i = 0; i < SLOTS; i++) {
            gens.add(greedy(parallel, prompt(1), 40));
        }
        AtomicInteger pieces = new AtomicInteger();
        List<GenerationResult> results = runConcurrently(SLOTS, gens::get, i -> piece -> {
            if (i == 0 && pieces.incrementAndGet() == 3) {
                gens.get(0).cancel();
            }
        });
        assertEquals(FinishReason.CANCELLED, results.get(0).finishReason());
        assertTrue(results.get(0).usage().completionTokens() < 40);
        for (int i = 1; i < SLOTS; i++) {
            assertEquals(expected, results.get(i).text(), "stream " + i);
        }
    }

    @Test
    void aFollowUpFindsItsConversationsSlotAndANewOneTakesAnother() throws Exception {
        try (JavaModel two = engine.loadFile(TinyGguf.llama(dir.resolve("two.gguf"), TinyGguf.Options.defaults()),
                new LoadOptions(0, 1, 2))) {
            GenerationResult a = greedy(two, prompt(0), 6).collect();
            int afterA = two.cachedTokenCount(0);
            assertTrue(afterA >= a.usage().promptTokens(), "the first conversation is in slot 0");
            greedy(two, prompt(3), 6).collect();
            assertEquals(afterA, two.cachedTokenCount(0), "a new conversation leaves slot 0 alone");
            assertTrue(two.cachedTokenCount(1) > 0, "and takes slot 1");
            int afterB = two.cachedTokenCount(1);
            GenerationResult followUp = greedy(two, prompt(0) + a.text() + TinyGguf.EOT + "Hello", 6).collect();
            assertTrue(two.cachedTokenCount(0) > afterA, "the follow-up goes on in slot 0");
            assertEquals(afterB, two.cachedTokenCount(1));
            assertFalse(followUp.text().isEmpty());
        }
    }

    private interface Factory {
        Generation make(int i);
    }

    private interface Sinks {
        java.util.function.Consumer<String> sink(int i);
    }

    private static List<GenerationResult> runConcurrently(int n, Factory factory, Sinks sinks) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<GenerationResult>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int k = i;
                futures.add(pool.submit(() -> factory.make(k).stream(sinks.sink(k))));
            }
            List<GenerationResult> out = new ArrayList<>();
            for (Future<GenerationResult> f : futures) {
                out.add(f.get(60, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }
}
