package io.jknife.java;

import io.jknife.engine.LoadOptions;
import io.jknife.java.model.Model;
import io.jknife.java.model.Transformer;
import io.jknife.llamacpp.LlamaCppEngine;
import io.jknife.llamacpp.LlamaCppLogits;
import io.jknife.llamacpp.LlamaCppModel;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/** Helpers of the parity tests: prompts, cosine similarity, greedy decoding with the Java transformer. */
final class Parity {
    static final int PROMPT = 64;
    static final int CONTINUATION = 32;
    static final int CONTEXT = 128;

    private Parity() {
    }

    static int[] prompt(int vocab, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] p = new int[PROMPT];
        for (int i = 0; i < p.length; i++) {
            p[i] = r.nextInt(vocab);
        }
        return p;
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    /** The Java engine's model of {@code file}, its weights' repacking finished (what it runs at full speed). */
    static Model javaModel(Path file) throws Exception {
        Model m = Model.load(List.of(file), JavaEngine.kernels(1), CONTEXT, 16);
        m.kernels().awaitBackgroundWork();
        return m;
    }

    static LlamaCppModel llamaModel(Path file) throws Exception {
        return new LlamaCppEngine().loadFile(file, new LoadOptions(CONTEXT, 1));
    }

    /** Greedy continuation with the Java transformer, from an empty cache. */
    static int[] greedy(Transformer t, int[] prompt, int count) {
        int[] out = new int[count];
        float[] logits = t.forward(prompt, 0, prompt.length, 0);
        for (int i = 0; i < count; i++) {
            out[i] = argmax(logits);
            if (i + 1 < count) {
                logits = t.forward(out, i, 1, prompt.length + i);
            }
        }
        return out;
    }

    /** The bar: cosine similarity at every position and the whole greedy continuation. */
    static final double COSINE = 0.999;
    /** The similarity bar for the known gaps (see the tests' KNOWN_GAPS). */
    static final double GAP_COSINE = 0.997;
    /**
     * A greedy step where the two sides pick different tokens is a tie within rounding when the
     * reference's logit of its pick exceeds its logit of ours by less than this many standard
     * deviations of its logits (8-bit activations move logits by about 0.03 of that).
     */
    static final double TIE = 0.1;

    /**
     * Asserts the bar for one case: the worst cosine similarity, and the greedy continuation equal
     * to the reference's up to its first difference, which must be a tie within rounding
     * ({@link #TIE}; the continuations part there, both legitimately). {@code refLogits[i]} are the
     * reference's logits that chose {@code want[i]}.
     */
    static void check(String label, double worstCosine, int[] want, int[] got, float[][] refLogits, boolean knownGap) {
        double bar = knownGap ? GAP_COSINE : COSINE;
        org.junit.jupiter.api.Assertions.assertTrue(worstCosine >= bar, label + ": worst cosine similarity " + worstCosine
                + " < " + bar);
        for (int i = 0; i < want.length; i++) {
            if (want[i] != got[i]) {
                float[] l = refLogits[i];
                double gap = (l[want[i]] - l[got[i]]) / std(l);
                org.junit.jupiter.api.Assertions.assertTrue(gap < TIE, label + ": greedy continuations part at token " + i
                        + " where the reference's margin is " + gap + " standard deviations: expected "
                        + java.util.Arrays.toString(want) + ", java " + java.util.Arrays.toString(got));
                return;
            }
        }
    }

    private static double std(float[] v) {
        double s = 0, ss = 0;
        for (float x : v) {
            s += x;
            ss += (double) x * x;
        }
        double m = s / v.length;
        return Math.sqrt(Math.max(1e-12, ss / v.length - m * m));
    }

    /** llama.cpp's logits at the steps of its greedy continuation {@code want} of {@code prompt}. */
    static float[][] llamaStepLogits(LlamaCppModel m, int[] prompt, int[] want) {
        int[] all = java.util.Arrays.copyOf(prompt, prompt.length + want.length - 1);
        System.arraycopy(want, 0, all, prompt.length, want.length - 1);
        float[][] logits = LlamaCppLogits.everyPosition(m, all);
        return java.util.Arrays.copyOfRange(logits, prompt.length - 1, all.length);
    }

    static int[] llamaGreedy(LlamaCppModel m, int[] prompt) {
        return LlamaCppLogits.greedy(m, prompt, CONTINUATION);
    }
}
