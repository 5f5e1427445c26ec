package io.jknife.tensor;

import io.jknife.formats.GgmlType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static io.jknife.tensor.MatMulTest.activations;
import static io.jknife.tensor.MatMulTest.dequantized;
import static io.jknife.tensor.MatMulTest.nmse;
import static io.jknife.tensor.MatMulTest.reference;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The repacked Q4_0, Q8_0, Q4_K, Q5_K and Q6_K layouts ({@link Interleaved}) against the float reference: the
 * same rows decoded (Q4_K within the rounding of its scales to halves), and products exact
 * up to float rounding to the weights and activations each kernel reads (all but Q8_0 the 8-bit ones,
 * Q8_0 the floats), for single tokens, 4-token tiles and remainders,
 * on one and two threads.
 */
class InterleavedTest {
    private static WorkerTeam one;
    private static WorkerTeam two;
    private static Arena arena;

    @BeforeAll
    static void setUp() {
        one = new WorkerTeam(1);
        two = new WorkerTeam(2);
        arena = Arena.ofShared();
    }

    @AfterAll
    static void tearDown() {
        one.close();
        two.close();
        arena.close();
    }

    private static MatMulTest.Matrix matrix(GgmlType type, int rows, int cols, long seed) {
        return MatMulTest.matrix(arena, type, rows, cols, seed);
    }

    static int groupCols(GgmlType type) {
        return 32 * (type == GgmlType.Q8_0 ? Interleaved.Q8_GROUP : Interleaved.Q4_GROUP);
    }

    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q8_0", "Q4_K", "Q5_K", "Q6_K"})
    void productsMatchTheReference(GgmlType type) {
        for (int cols : widths(type)) {
            productsMatchTheReference(type, cols);
        }
    }

    /** Whole groups, and a width whose last group is padded (9 super-blocks: 2304 values). */
    private static int[] widths(GgmlType type) {
        assertTrue(Interleaved.paddedCols(type, PADDED) > PADDED, "2304 values are not whole groups");
        return new int[]{2 * groupCols(type), PADDED};
    }

    private static final int PADDED = 2304;

    private static void productsMatchTheReference(GgmlType type, int cols) {
        for (int rows : new int[]{1, 13, 70}) {
            MatMulTest.Matrix m = matrix(type, rows, cols, rows * 17L + type.ordinal());
            WeightTensor w = Interleaved.of(m.w(), arena, two);
            assertTrue(Interleaved.repacks(type, cols));
            assertEquals(Interleaved.bytes(type, rows, cols), w.byteSize());
            if (!type.name().endsWith("_K") && cols % groupCols(type) == 0) { // the k-quants take more bytes (their own layouts)
                assertEquals(m.w().byteSize(), w.byteSize());
            }
            float[] decoded = decode(w); // the k-quants' scales are halves now: what the kernels multiply
            assertEquals(type.name(), w.typeName());
            // the source is no longer read: spoil it
            m.w().data().fill((byte) 0x55);
            for (int n : new int[]{1, 2, 3, 4, 5, 9}) {
                float[] xs = activations(n, cols, n * 5L + rows);
                Activations x = Activations.of(xs, n, cols);
                double[] ref = reference(m.decoded(), rows, cols, xs, n);
                double[] exact = type == GgmlType.Q8_0 ? ref : reference(decoded, rows, cols, dequantized(x), n);
                for (WorkerTeam team : new WorkerTeam[]{one, two}) {
                    float[] out = new float[n * rows + 1];
                    out[n * rows] = 42;
                    MatMul.multiply(team, w, x, out);
                    String what = type + " " + rows + "x" + cols + " n=" + n + " threads=" + team.threads();
                    assertTrue(nmse(out, ref) < 5e-4, what + ": nmse " + nmse(out, ref));
                    assertTrue(nmse(out, exact) < 1e-10, what + ": nmse against what it reads " + nmse(out, exact));
                    assertEquals(42, out[n * rows]);
                }
            }
        }
    }

    /** Rows decode bit for bit as before, Q4_K's within the rounding of its scales and minimums to halves. */
    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q8_0", "Q4_K", "Q5_K", "Q6_K"})
    void rowsDecodeAsBefore(GgmlType type) {
        for (int cols : widths(type)) {
            rowsDecodeAsBefore(type, cols);
        }
    }

    private static void rowsDecodeAsBefore(GgmlType type, int cols) {
        MatMulTest.Matrix m = matrix(type, 3, cols, 9);
        WeightTensor w = Interleaved.of(m.w(), arena, one);
        float[] row = new float[cols];
        for (int r = 0; r < 3; r++) {
            w.rowTo(r, row, 0);
            float[] want = new float[cols];
            System.arraycopy(m.decoded(), r * cols, want, 0, cols);
            if (type == GgmlType.Q4_K) {
                float max = 0;
                for (float v : want) {
                    max = Math.max(max, Math.abs(v));
                }
                assertArrayEquals(want, row, max * 2e-3f, type + " row " + r);
            } else {
                assertArrayEquals(want, row, type + " row " + r);
            }
        }
    }

    private static float[] decode(WeightTensor w) {
        float[] all = new float[w.rows() * w.cols()];
        for (int r = 0; r < w.rows(); r++) {
            w.rowTo(r, all, r * w.cols());
        }
        return all;
    }

    /** The scales widen in vector lanes: zero, negative, subnormal and large halves come out exact. */
    @Test
    void everyKindOfHalfScale() {
        int cols = groupCols(GgmlType.Q8_0);
        MatMulTest.Matrix m = matrix(GgmlType.Q8_0, 1, cols, 4);
        MemorySegment seg = m.w().data();
        short[] halves = {0x0000, (short) 0x8000, 0x0001, (short) 0x83FF, 0x3C00, (short) 0xBC00, 0x7BFF, 0x0400};
        for (int b = 0; b < cols / 32; b++) {
            seg.set(AbstractWeight.SHORT, 34L * b, halves[b % halves.length]);
        }
        float[] decoded = new float[cols];
        m.w().rowTo(0, decoded, 0);
        WeightTensor w = Interleaved.of(m.w(), arena, one);
        float[] xs = activations(1, cols, 2);
        float[] out = new float[1];
        MatMul.multiply(one, w, Activations.of(xs, 1, cols), out);
        double want = reference(decoded, 1, cols, xs, 1)[0];
        assertEquals(want, out[0], Math.abs(want) * 1e-5);
        float[] row = new float[cols];
        w.rowTo(0, row, 0);
        assertArrayEquals(decoded, row);
    }

    @Test
    void otherShapesAndTypesStayAsTheyAre() {
        MatMulTest.Matrix odd = matrix(GgmlType.Q4_0, 2, groupCols(GgmlType.Q4_0) + 32, 1);
        assertFalse(Interleaved.repacks(GgmlType.Q4_0, odd.w().cols()));
        assertSame(odd.w(), Interleaved.of(odd.w(), arena, one));
        MatMulTest.Matrix k = matrix(GgmlType.Q4_K, 2, groupCols(GgmlType.Q4_K) + 256, 1);
        assertSame(k.w(), Interleaved.of(k.w(), arena, one));
        MatMulTest.Matrix half = matrix(GgmlType.F16, 2, 1024, 1);
        assertSame(half.w(), Interleaved.of(half.w(), arena, one));
        assertInstanceOf(InterleavedQ8_0Weight.class,
                Interleaved.of(matrix(GgmlType.Q8_0, 2, groupCols(GgmlType.Q8_0), 1).w(), arena, one));
    }

    @Test
    void repackingReadsTheMappedBytesOnce() throws Exception {
        // a file-mapped source: repacked, then its pages released; the products are unchanged
        int cols = groupCols(GgmlType.Q4_0);
        MatMulTest.Matrix m = matrix(GgmlType.Q4_0, 5, cols, 6);
        java.nio.file.Path file = java.nio.file.Files.createTempFile("interleaved", ".bin");
        try (Arena mapArena = Arena.ofShared();
             var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ,
                     java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(m.bytes()));
            MemorySegment mapped = ch.map(java.nio.channels.FileChannel.MapMode.READ_ONLY, 0, m.bytes().length, mapArena);
            WeightTensor w = Interleaved.of(WeightTensor.of(GgmlType.Q4_0, mapped, 5, cols), arena, two);
            float[] xs = activations(1, cols, 3);
            float[] a = new float[5];
            float[] b = new float[5];
            MatMul.multiply(two, w, Activations.of(xs, 1, cols), a);
            MatMul.multiply(two, Interleaved.of(m.w(), arena, two), Activations.of(xs, 1, cols), b);
            assertArrayEquals(b, a);
            assertEquals(m.bytes()[7], mapped.get(ValueLayout.JAVA_BYTE, 7)); // released pages read back from the file
        } finally {
            java.nio.file.Files.deleteIfExists(file);
        }
    }
}
