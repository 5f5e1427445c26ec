package io.jknife.java.weights;

import io.jknife.formats.GgmlType;
import io.jknife.formats.gguf.GgmlQuant;
import io.jknife.tensor.Interleaved;
import io.jknife.tensor.KernelWarmUp;
import io.jknife.tensor.WeightTensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Repacking in the background: matrices answer before, switch to their repacked copies after, and
 * agree; a large model's kernels are warmed up on request, once.
 */
class TensorKernelsTest {
    private static final int ROWS = 64;
    private static final int COLS = 2048;

    private static StoredMatrix.Ggml matrix(Arena arena, GgmlType type, int seed) {
        byte[] bytes = GgmlQuant.encode(matrixValues(seed), type);
        MemorySegment s = arena.allocate(bytes.length, 64);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, s, 0, bytes.length);
        return new StoredMatrix.Ggml("m" + seed, type, ROWS, COLS, s);
    }

    private static float[] input(int n) {
        Random rnd = new Random(7);
        float[] x = new float[n * COLS];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }

    private static boolean repacked(Linear l) {
        return ((TensorKernels.Weight) l).w.toString().contains("interleaved");
    }

    @Test
    void matricesRunInGgmlsLayoutUntilTheBackgroundRepackingReplacesThem() throws Exception {
        assertTrue(Interleaved.repacks(GgmlType.Q4_0, COLS) && Interleaved.repacks(GgmlType.Q6_K, COLS));
        try (Arena arena = Arena.ofShared(); TensorKernels k = new TensorKernels(2, true)) {
            Linear[] ws = {k.linear(matrix(arena, GgmlType.Q4_0, 1)), k.linear(matrix(arena, GgmlType.Q6_K, 2)),
                    k.linear(matrix(arena, GgmlType.Q8_0, 3))};
            Linear f16 = k.linear(matrix(arena, GgmlType.F16, 4));
            for (Linear w : ws) {
                assertFalse(repacked(w), "nothing is repacked before the model is loaded");
            }
            int n = 5;
            float[] x = input(n);
            float[][] before = {new float[n * ROWS], new float[n * ROWS], new float[n * ROWS]};
            k.multiply(x, n, ws, before);
            k.loaded();
            k.awaitBackgroundWork();
            for (Linear w : ws) {
                assertTrue(repacked(w), w.typeName() + " is repacked after the background work");
            }
            assertFalse(repacked(f16), "F16 is never repacked");
            float[][] after = {new float[n * ROWS], new float[n * ROWS], new float[n * ROWS]};
            k.multiply(x, n, ws, after);
            for (int m = 0; m < ws.length; m++) {
                // the same weights; the activations' rounding differs (Q8_0 repacked reads them as floats)
                double dot = 0;
                double nb = 0;
                double na = 0;
                for (int i = 0; i < n * ROWS; i++) {
                    dot += (double) before[m][i] * after[m][i];
                    nb += (double) before[m][i] * before[m][i];
                    na += (double) after[m][i] * after[m][i];
                }
                double cosine = dot / Math.sqrt(nb * na);
                assertTrue(cosine > 0.9999, ws[m].typeName() + ": cosine " + cosine);
            }
            Linear late = k.linear(matrix(arena, GgmlType.Q4_0, 5));
            assertTrue(repacked(late), "a matrix wrapped after the load is repacked at once");
            float[] row = new float[COLS];
            late.row(3, row, 0);
            float[] expected = GgmlQuant.decode(GgmlQuant.encode(matrixValues(5), GgmlType.Q4_0), GgmlType.Q4_0, ROWS * COLS);
            float[] want = new float[COLS];
            System.arraycopy(expected, 3 * COLS, want, 0, COLS);
            assertArrayEquals(want, row, 1e-6f);
        }
    }

    @Test
    void byDefaultMatricesAreRepackedDuringTheLoad() throws Exception {
        try (Arena arena = Arena.ofShared(); TensorKernels k = new TensorKernels(2)) {
            Linear w = k.linear(matrix(arena, GgmlType.Q4_K, 1));
            assertTrue(repacked(w), "repacked before the load ends");
            k.loaded();
            k.awaitBackgroundWork(); // none: returns at once
        }
    }

    @Test
    void warmUpRunsForALargeModelOnceAndNotForASmallOne() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            // 32 MB of zeros (the threshold) in F32; 1 MB in BF16
            StoredMatrix.Ggml f32 = new StoredMatrix.Ggml("f32", GgmlType.F32, 4096, 2048, arena.allocate(32L << 20, 64));
            StoredMatrix.Ggml bf16 = new StoredMatrix.Ggml("bf16", GgmlType.BF16, 256, 2048, arena.allocate(1L << 20, 64));
            try (TensorKernels k = new TensorKernels(2)) {
                WeightTensor w = ((TensorKernels.Weight) k.linear(f32)).w;
                k.loaded();
                assertTrue(KernelWarmUp.needed(List.of(w)));
                assertTrue(k.warmUp(), "worth it: 32 MB, not yet compiled");
                assertFalse(KernelWarmUp.needed(List.of(w)));
                assertFalse(k.warmUp(), "nothing left to compile");
            }
            try (TensorKernels k = new TensorKernels(2)) {
                WeightTensor w = ((TensorKernels.Weight) k.linear(bf16)).w;
                k.loaded();
                assertFalse(k.warmUp(), "too small to be worth it");
                assertTrue(KernelWarmUp.needed(List.of(w)));
            }
        }
    }

    @Test
    void closingWhileRepackingStopsCleanly() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            TensorKernels k = new TensorKernels(1, true);
            for (int i = 0; i < 16; i++) {
                k.linear(matrix(arena, GgmlType.Q4_K, 10 + i));
            }
            k.loaded();
            k.close(); // waits for the matrix being repacked, skips the rest
            k.close();
        }
    }

    private static float[] matrixValues(int seed) {
        Random rnd = new Random(seed);
        float[] v = new float[ROWS * COLS];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }
}
