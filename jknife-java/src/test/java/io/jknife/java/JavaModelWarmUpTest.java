package io.jknife.java;

import io.jknife.engine.GenerationRequest;
import io.jknife.engine.LoadOptions;
import io.jknife.engine.SamplingParams;
import io.jknife.formats.FormatException;
import io.jknife.formats.gguf.GgufReader;
import io.jknife.java.model.Model;
import io.jknife.java.parallel.Parallel;
import io.jknife.java.weights.Kernels;
import io.jknife.java.weights.Linear;
import io.jknife.java.weights.StoredMatrix;
import io.jknife.java.weights.TensorKernels;
import io.jknife.testkit.TinyGguf;
import io.jknife.tokenizer.GgufTokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The warm-up while a model waits for requests ({@link JavaModel#warmUpInBackground}): it runs once the
 * kernels' background work is done, changes no answer, and does not start once a request has come.
 */
class JavaModelWarmUpTest {
    @TempDir
    static Path dir;

    /** Kernels whose warm-up says it was worth it, whose background work ends when {@code done} opens. */
    private static final class WarmingKernels implements Kernels {
        final TensorKernels inner = new TensorKernels(2);
        final CountDownLatch done = new CountDownLatch(1);

        @Override
        public Linear linear(StoredMatrix m) throws FormatException {
            return inner.linear(m);
        }

        @Override
        public void multiply(float[] x, int n, Linear[] ws, float[][] outs) {
            inner.multiply(x, n, ws, outs);
        }

        @Override
        public void awaitBackgroundWork() throws InterruptedException {
            done.await();
        }

        @Override
        public boolean warmUp() {
            return true;
        }

        @Override
        public Parallel parallel() {
            return inner.parallel();
        }

        @Override
        public String name() {
            return "warming";
        }

        @Override
        public void close() {
            done.countDown();
            inner.close();
        }
    }

    private static Path file(String name) throws Exception {
        return TinyGguf.llama(dir.resolve(name + ".gguf"), TinyGguf.Options.defaults());
    }

    private static JavaModel load(Path file, WarmingKernels kernels) throws Exception {
        Model model = Model.load(List.of(file), kernels, 0, Model.DEFAULT_BATCH);
        JavaModel m = new JavaModel("tiny", model, GgufTokenizers.from(GgufReader.read(file)), 2, null, 1);
        m.warmUpInBackground();
        return m;
    }

    private static String answer(JavaModel m) {
        String prompt = TinyGguf.BOS + "Hello world the tiny llama model";
        return m.generate(GenerationRequest.ofText(prompt, 12, List.of(), SamplingParams.greedy()).ignoringEndOfGeneration())
                .collect().text();
    }

    @Test
    void runsAfterTheBackgroundWorkAndChangesNoAnswer() throws Exception {
        Path file = file("answers");
        String plain;
        try (JavaModel m = new JavaEngine().loadFile(file, new LoadOptions(0, 2))) {
            plain = answer(m);
        }
        WarmingKernels kernels = new WarmingKernels();
        try (JavaModel m = load(file, kernels)) {
            Thread.sleep(50);
            assertFalse(m.warmedUp(), "not before the kernels' background work is done");
            kernels.done.countDown();
            m.awaitBackgroundWork();
            assertTrue(m.warmedUp());
            assertEquals(plain, answer(m), "the warm-up's tokens in the cache change nothing");
        }
    }

    @Test
    void aRequestBeforeItStartsSkipsIt() throws Exception {
        WarmingKernels kernels = new WarmingKernels();
        try (JavaModel m = load(file("skipped"), kernels)) {
            answer(m);
            kernels.done.countDown();
            m.awaitBackgroundWork();
            assertFalse(m.warmedUp(), "a person's prompt came first");
        }
    }
}
