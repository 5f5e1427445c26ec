package io.jknife.tensor;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Gets the JIT to compile a model's kernels before its first prompt: each kind of matrix the
 * model holds (its class: a weight type in ggml's or the repacked layout) multiplies a few of its
 * own rows with random activations, 80 times for each token count a forward pass uses.
 *
 * <p>Why: until C2 has compiled them, the Vector API kernels run interpreted or as C1 code, where
 * every vector is an object on the heap, and a model's first prompt runs its whole prefill at that
 * speed: 37 tokens through the 1B-shaped Q4_0 model took 2.9-3.1 s the first time on a 2-core AMD
 * EPYC, 1.4 s after this warm-up ({@code JavaDecodeBench --idle-after-load}, its warm-up round),
 * 0.4-0.9 s on the prompts after it (the JIT still at work on the rest). The compilations take
 * as long here as during a prompt, so this pays only where the machine is idle anyway (see the
 * Java engine's {@code TensorKernels}; its {@code JavaModel} then runs a short generation for the
 * rest of the forward pass).
 *
 * <p>Once per JVM and kind: later loads of the same kinds find the code compiled.
 * {@code -Djknife.tensor.warmUp=false} skips it.
 */
public final class KernelWarmUp {
    private static final boolean DISABLED = "false".equals(System.getProperty("jknife.tensor.warmUp"));
    /** Token counts of a prompt and its answer: decode, the tiles, a whole prompt batch. */
    private static final int[] TOKENS = {1, 4, 8, 32};
    /** Rows of each matrix multiplied per call. */
    private static final int ROWS = 16;
    /** Calls per token count: enough for C2's thresholds (invocations plus loop back-edges). */
    private static final int CALLS = 80;
    private static final Set<Class<?>> WARM = ConcurrentHashMap.newKeySet();

    private KernelWarmUp() {
    }

    /** Whether {@link #run} would do anything for these matrices. */
    public static boolean needed(Collection<? extends WeightTensor> weights) {
        return !DISABLED && weights.stream().anyMatch(w -> !WARM.contains(w.getClass()));
    }

    /**
     * Runs the kernels of every kind of matrix among {@code weights} not yet warmed up in this JVM
     * (on the calling thread; the compilations themselves happen on the JIT's threads).
     */
    public static void run(Collection<? extends WeightTensor> weights) {
        if (DISABLED) {
            return;
        }
        Map<Class<?>, WeightTensor> samples = new LinkedHashMap<>(); // the smallest matrix of each kind
        for (WeightTensor w : weights) {
            if (!WARM.contains(w.getClass())) {
                samples.merge(w.getClass(), w, (a, b) -> b.rows() < a.rows() ? b : a);
            }
        }
        Random random = new Random(42);
        for (WeightTensor w : samples.values()) {
            int rows = Math.min(ROWS, w.rows());
            int maxTokens = TOKENS[TOKENS.length - 1];
            float[] x = new float[maxTokens * w.cols()];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextGaussian();
            }
            Activations a = Activations.allocate(maxTokens, w.cols());
            float[] out = new float[(int) Math.min(Integer.MAX_VALUE - 16, (long) maxTokens * w.rows())];
            for (int n : TOKENS) {
                for (int c = 0; c < CALLS; c++) {
                    w.multiplyRows(a.set(x, n), 0, rows, out);
                }
            }
            WARM.add(w.getClass());
        }
    }
}
