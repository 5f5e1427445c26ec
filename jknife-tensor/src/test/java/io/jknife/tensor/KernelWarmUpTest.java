package io.jknife.tensor;

import io.jknife.formats.GgmlType;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link KernelWarmUp}: every kind of matrix it is given counts as warm afterwards (a kind not
 * given does not), and it leaves the matrices as they were: their products do not change.
 */
class KernelWarmUpTest {
    @Test
    void warmsEachKindOnceAndChangesNoProduct() {
        try (Arena arena = Arena.ofShared(); WorkerTeam team = new WorkerTeam(2)) {
            WeightTensor q8 = MatMulTest.matrix(arena, GgmlType.Q8_0, 48, 256, 1).w(); // ggml's layout
            WeightTensor q4 = Interleaved.of(MatMulTest.matrix(arena, GgmlType.Q4_0, 40, 32 * Interleaved.Q4_GROUP, 2).w(),
                    arena, team);
            WeightTensor f16 = MatMulTest.matrix(arena, GgmlType.F16, 8, 64, 3).w();
            float[] before = product(team, q4);

            assertTrue(KernelWarmUp.needed(List.of(q8, q4)));
            KernelWarmUp.run(List.of(q8, q4));

            assertFalse(KernelWarmUp.needed(List.of(q8, q4)), "both kinds are warm");
            assertFalse(KernelWarmUp.needed(List.of(q4)));
            assertTrue(KernelWarmUp.needed(List.of(q4, f16)), "F16 was not among them");
            assertArrayEquals(before, product(team, q4), 0f);
        }
    }

    private static float[] product(WorkerTeam team, WeightTensor w) {
        float[] x = new float[3 * w.cols()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(i * 0.37);
        }
        float[] out = new float[3 * w.rows()];
        MatMul.multiply(team, w, Activations.of(x, 3, w.cols()), out);
        return out;
    }
}
