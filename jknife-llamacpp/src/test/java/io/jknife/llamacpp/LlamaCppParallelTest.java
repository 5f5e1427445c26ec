package io.jknife.llamacpp;

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
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Parallel slots: several generations on one loaded model at once, on tiny generated models in the real llama.cpp. */
class LlamaCppParallelTest {
    private static final List<String> QUESTIONS = List.of("Hello world, the tiny llama model",
            "tiny model says hello", "the world of llama", "model model world hello tiny");
    private static final int MAX = 24;

    @TempDir
    static Path dir;
    static Path llamaFile;
    static final LlamaCppEngine engine = new LlamaCppEngine();
    /** Four slots of 256 tokens. */
    static LlamaCppModel four;
    /** The same file with one slot: the reference every batched run is compared with. */
    static LlamaCppModel single;
    static List<GenerationResult> alone = new ArrayList<>();

    private static String prompt(int i) {
        return TinyGguf.BOS + TinyGguf.START_HEADER + "user" + TinyGguf.END_HEADER + "\n\n" + QUESTIONS.get(i)
                + TinyGguf.EOT + TinyGguf.START_HEADER + "assistant" + TinyGguf.END_HEADER + "\n\n";
    }

    private static GenerationRequest greedy(int i, int maxTokens) {
        return GenerationRequest.ofText(prompt(i), maxTokens, List.of(), SamplingParams.greedy());
    }

    @BeforeAll
    static void load() throws Exception {
        llamaFile = TinyGguf.llama(Files.createDirectories(dir.resolve("llama")).resolve("tiny-llama-F32.gguf"),
                TinyGguf.Options.defaults());
        four = engine.loadFile(llamaFile, new LoadOptions(0, 2, 4));
        single = engine.loadFile(llamaFile, new LoadOptions(0, 2));
        for (int i = 0; i < QUESTIONS.size(); i++) {
            alone.add(single.generate(greedy(i, MAX)).collect());
        }
    }

    @AfterAll
    static void close() {
        if (four != null) {
            four.close();
        }
        if (single != null) {
            single.close();
        }
    }

    /** Runs {@code work} on {@code n} threads at once and returns their results in order. */
    private static <T> List<T> concurrently(int n, java.util.function.IntFunction<T> work) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int k = i;
                futures.add(pool.submit(() -> {
                    go.await();
                    return work.apply(k);
                }));
            }
            go.countDown();
            List<T> out = new ArrayList<>();
            for (Future<T> f : futures) {
                out.add(f.get(120, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private static void assertSameAsAlone(int i, GenerationResult r) {
        GenerationResult ref = alone.get(i);
        assertEquals(ref.text(), r.text(), "request " + i + " beside others vs alone");
        assertEquals(ref.finishReason(), r.finishReason(), "request " + i);
        assertEquals(ref.usage().promptTokens(), r.usage().promptTokens(), "request " + i);
        assertEquals(ref.usage().completionTokens(), r.usage().completionTokens(), "request " + i);
    }

    @Test
    void loadsSlotsOfTheRequestedContext() {
        assertEquals(4, four.parallel());
        assertEquals(256, four.contextSize(), "each slot has the whole requested context");
        assertEquals(1, single.parallel());
        assertEquals(256, single.contextSize());
        assertThrows(IllegalArgumentException.class, () -> new LoadOptions(0, 1, 0));
        assertEquals(1, LoadOptions.defaults().parallel());
    }

    @Test
    void fourConcurrentGenerationsEachGetTheirOwnCompleteOutput() throws Exception {
        // every stream waits in its first piece until all four have one: they can only meet if they run at once
        CyclicBarrier allStarted = new CyclicBarrier(4);
        List<Thread> threads = Collections.synchronizedList(new ArrayList<>());
        List<List<String>> pieces = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            pieces.add(Collections.synchronizedList(new ArrayList<>()));
        }
        List<GenerationResult> results = concurrently(4, i -> {
            Thread me = Thread.currentThread();
            AtomicBoolean first = new AtomicBoolean(true);
            return four.generate(greedy(i, MAX)).stream(p -> {
                if (Thread.currentThread() != me) {
                    threads.add(Thread.currentThread());
                }
                pieces.get(i).add(p);
                if (first.getAndSet(false)) {
                    await(allStarted);
                }
            });
        });
        assertTrue(threads.isEmpty(), "pieces arrive on the thread that called stream: " + threads);
        for (int i = 0; i < 4; i++) {
            GenerationResult r = results.get(i);
            assertSameAsAlone(i, r);
            assertEquals(r.text(), String.join("", pieces.get(i)));
            assertTrue(r.usage().promptMillis() > 0 && r.usage().generationMillis() > 0, r.usage().toString());
        }
        assertFalse(results.get(0).text().equals(results.get(1).text()) && results.get(1).text().equals(results.get(2).text()),
                "different prompts, different answers");
    }

    @Test
    void seededSamplingGivesTheSameBesideOthersAsAlone() throws Exception {
        SamplingParams s = new SamplingParams(1.0, 0.95, 40, 0, 1.1, 42);
        List<String> ref = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ref.add(single.generate(GenerationRequest.ofText(prompt(i), MAX, List.of(), s.withSeed(42 + i))).collect().text());
        }
        List<String> batched = concurrently(4, i -> four.generate(
                GenerationRequest.ofText(prompt(i), MAX, List.of(), s.withSeed(42 + i))).collect().text());
        assertEquals(ref, batched);
    }

    @Test
    void quantizedWeightsGiveTheSameGreedyOutputBatchedAsAlone() throws Exception {
        // quantized weights take other matrix-product kernels than F32: batched rows must still agree with a row alone
        Path q8 = TinyGguf.llama(Files.createDirectories(dir.resolve("q8")).resolve("tiny-llama-Q8_0.gguf"),
                TinyGguf.Options.defaults().withWeightType(io.jknife.formats.GgmlType.Q8_0));
        try (LlamaCppModel one = engine.loadFile(q8, new LoadOptions(0, 2));
             LlamaCppModel slots = engine.loadFile(q8, new LoadOptions(0, 2, 4))) {
            List<String> ref = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                ref.add(one.generate(greedy(i, 32)).collect().text());
            }
            assertEquals(ref, concurrently(4, i -> slots.generate(greedy(i, 32)).collect().text()));
        }
    }

    @Test
    void cancellingOneLeavesTheOthersUndisturbed() throws Exception {
        List<GenerationResult> results = concurrently(4, i -> {
            Generation g = four.generate(i == 2 ? greedy(i, 200).ignoringEndOfGeneration() : greedy(i, MAX));
            AtomicInteger n = new AtomicInteger();
            return g.stream(p -> {
                if (i == 2 && n.incrementAndGet() == 3) {
                    g.cancel();
                }
            });
        });
        GenerationResult cancelled = results.get(2);
        assertEquals(FinishReason.CANCELLED, cancelled.finishReason());
        assertTrue(cancelled.usage().completionTokens() < 200, cancelled.usage().toString());
        for (int i : new int[]{0, 1, 3}) {
            assertSameAsAlone(i, results.get(i));
        }
        // the cancelled slot's cells were freed: the model still answers as before
        assertSameAsAlone(2, four.generate(greedy(2, MAX)).collect());
    }

    @Test
    void stopStringsAndMaxTokensEndEachSlotOnItsOwn() throws Exception {
        String ref = alone.get(1).text();
        String stop = ref.substring(ref.length() / 2, ref.length() / 2 + 2);
        String expected = ref.substring(0, ref.indexOf(stop));
        List<GenerationResult> results = concurrently(4, i -> four.generate(switch (i) {
            case 1 -> GenerationRequest.ofText(prompt(1), MAX, List.of(stop), SamplingParams.greedy());
            case 3 -> greedy(3, 5);
            default -> greedy(i, MAX);
        }).collect());
        assertEquals(FinishReason.STOP, results.get(1).finishReason());
        assertEquals(expected, results.get(1).text());
        assertEquals(FinishReason.LENGTH, results.get(3).finishReason());
        assertEquals(5, results.get(3).usage().completionTokens());
        assertTrue(alone.get(3).text().startsWith(results.get(3).text()));
        assertSameAsAlone(0, results.get(0));
        assertSameAsAlone(2, results.get(2));
    }

    @Test
    void moreRequestsThanSlotsWaitForAFreeSlot() throws Exception {
        try (LlamaCppModel two = engine.loadFile(llamaFile, new LoadOptions(0, 2, 2))) {
            // A and B hold both slots: their consumers wait, so their slots wait too (MAX_AHEAD tokens ahead)
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch bothRunning = new CountDownLatch(2);
            List<String> cPieces = Collections.synchronizedList(new ArrayList<>());
            ExecutorService pool = Executors.newFixedThreadPool(3);
            try {
                List<Future<GenerationResult>> holders = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    int k = i;
                    holders.add(pool.submit(() -> {
                        AtomicBoolean first = new AtomicBoolean(true);
                        return two.generate(greedy(k, MAX)).stream(p -> {
                            if (first.getAndSet(false)) {
                                bothRunning.countDown();
                                awaitLatch(release);
                            }
                        });
                    }));
                }
                assertTrue(bothRunning.await(60, TimeUnit.SECONDS));
                Future<GenerationResult> c = pool.submit(() -> two.generate(greedy(2, MAX)).stream(cPieces::add));
                Thread.sleep(500);
                assertTrue(cPieces.isEmpty(), "a third request waits while both slots are busy: " + cPieces);
                assertFalse(c.isDone());
                release.countDown();
                assertSameAsAlone(0, holders.get(0).get(60, TimeUnit.SECONDS));
                assertSameAsAlone(1, holders.get(1).get(60, TimeUnit.SECONDS));
                assertSameAsAlone(2, c.get(60, TimeUnit.SECONDS));
            } finally {
                release.countDown();
                pool.shutdownNow();
            }
        }
    }

    @Test
    void aWaitingRequestCanBeCancelled() throws Exception {
        try (LlamaCppModel one = engine.loadFile(llamaFile, new LoadOptions(0, 2, 1))) {
            CountDownLatch running = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                Future<GenerationResult> holder = pool.submit(() -> {
                    AtomicBoolean first = new AtomicBoolean(true);
                    return one.generate(greedy(0, MAX)).stream(p -> {
                        if (first.getAndSet(false)) {
                            running.countDown();
                            awaitLatch(release);
                        }
                    });
                });
                assertTrue(running.await(60, TimeUnit.SECONDS));
                Generation waiting = one.generate(greedy(1, MAX));
                Future<GenerationResult> w = pool.submit(() -> waiting.collect());
                Thread.sleep(200);
                waiting.cancel();
                GenerationResult r = w.get(60, TimeUnit.SECONDS);
                assertEquals(FinishReason.CANCELLED, r.finishReason());
                assertEquals(0, r.usage().completionTokens());
                assertEquals("", r.text());
                release.countDown();
                assertSameAsAlone(0, holder.get(60, TimeUnit.SECONDS));
            } finally {
                release.countDown();
                pool.shutdownNow();
            }
        }
    }

    @Test
    void closeWithSlotsRunningCancelsThemAndFreesEverything() throws Exception {
        Path file = Files.copy(llamaFile, Files.createDirectories(dir.resolve("closing")).resolve("tiny-llama-F32.gguf"));
        long malloc0 = -1;
        long oneModel = -1;
        for (int round = 0; round < 4; round++) {
            long before = NativeMemory.mallocedBytes().orElse(-1L);
            LlamaCppModel m = engine.loadFile(file, new LoadOptions(0, 2, 4));
            if (round == 0 && before >= 0) { // what one leaked model would cost per cycle (about 500 MB here)
                oneModel = NativeMemory.mallocedBytes().orElseThrow() - before;
            }
            CountDownLatch allRunning = new CountDownLatch(4);
            ExecutorService pool = Executors.newFixedThreadPool(5);
            try {
                List<Future<GenerationResult>> running = new ArrayList<>();
                for (int i = 0; i < 5; i++) { // four in slots, one waiting
                    int k = i % 4;
                    running.add(pool.submit(() -> {
                        AtomicBoolean first = new AtomicBoolean(true);
                        Consumer<String> slow = p -> {
                            if (first.getAndSet(false)) {
                                allRunning.countDown();
                            }
                            sleep(5);
                        };
                        return m.generate(greedy(k, 200).ignoringEndOfGeneration()).stream(slow);
                    }));
                }
                assertTrue(allRunning.await(60, TimeUnit.SECONDS));
                m.close(); // returns once every stream has ended (its native memory is gone then)
                for (int i = 0; i < running.size(); i++) {
                    try {
                        assertEquals(FinishReason.CANCELLED, running.get(i).get(10, TimeUnit.SECONDS).finishReason());
                    } catch (java.util.concurrent.ExecutionException e) {
                        // only the fifth may come too late: it then finds the model closed
                        assertEquals(4, i, e.toString());
                        assertTrue(e.getCause() instanceof IllegalStateException, e.toString());
                    }
                }
                assertThrows(IllegalStateException.class, () -> m.generate(greedy(0, 4)));
            } finally {
                pool.shutdownNow();
            }
            if (round == 0) { // after one cycle: the allocator and JIT have settled
                malloc0 = NativeMemory.mallocedBytes().orElse(-1L);
            }
        }
        if (malloc0 >= 0) {
            // Other threads (JIT, GC, the test runner) malloc too: CI saw 10 MB of such noise. A leak of what a
            // load allocates would grow by three times oneModel; a tenth of one model is far from both.
            long growth = NativeMemory.mallocedBytes().orElseThrow() - malloc0;
            assertTrue(growth < oneModel / 10, "malloc'd bytes grew by " + growth + " over three load/close cycles;"
                    + " one loaded model is " + oneModel);
        }
        assertTrue(Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().startsWith("llama.cpp slots") && t.getName().contains(file.toString())
                        && t.isAlive()), "the slot threads of closed models ended");
    }

    private static void await(CyclicBarrier b) {
        try {
            b.await(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("the four generations did not all run at once", e);
        }
    }

    private static void awaitLatch(CountDownLatch l) {
        try {
            if (!l.await(60, TimeUnit.SECONDS)) {
                throw new AssertionError("never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
