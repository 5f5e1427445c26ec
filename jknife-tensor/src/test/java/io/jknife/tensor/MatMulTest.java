package io.jknife.tensor;

import io.jknife.formats.GgmlType;
import io.jknife.formats.gguf.GgmlQuant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every weight type's kernels against a straightforward float reference: the weights decoded with
 * {@link GgmlQuant#decode}, dotted with the activations in double precision.
 *
 * <p>Error bounds, as normalized mean squared error (sum of squared errors over sum of squared
 * reference values, the measure llama.cpp's test-backend-ops uses, whose MUL_MAT threshold is
 * 5e-4): against the float activations, 5e-4 for the quantized types (8-bit activations; about
 * 3e-5 is typical on random data) and 1e-10 for the float types; against the activations the
 * kernels actually read (8-bit, or float in the prefill float tiles), 1e-9 for every type (only
 * float rounding). Token counts 1, 2, 5, 9 and 37 reach every path: single tokens, 4-token
 * integer tiles and 8-token float tiles with remainders.
 */
class MatMulTest {
    private static final GgmlType[] TYPES = {GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0,
            GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K};
    private static WorkerTeam one;
    private static WorkerTeam two;
    private static Arena arena;

    @BeforeAll
    static void teams() {
        one = new WorkerTeam(1);
        two = new WorkerTeam(2);
        arena = Arena.ofShared();
    }

    @AfterAll
    static void close() {
        one.close();
        two.close();
        arena.close();
    }

    /** A rows x cols matrix of gaussian values stored as {@code type}, in native memory. */
    record Matrix(WeightTensor w, float[] decoded, byte[] bytes) {
    }

    static Matrix matrix(GgmlType type, int rows, int cols, long seed) {
        return matrix(arena, type, rows, cols, seed);
    }

    /** {@link #matrix(GgmlType, int, int, long)} in memory of {@code arena}. */
    static Matrix matrix(Arena arena, GgmlType type, int rows, int cols, long seed) {
        Random rnd = new Random(seed);
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextGaussian() * 0.05f;
        }
        byte[] bytes = GgmlQuant.encode(v, type);
        MemorySegment seg = arena.allocate(bytes.length, 64);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, seg, 0, bytes.length);
        return new Matrix(WeightTensor.of(type, seg, rows, cols), GgmlQuant.decode(bytes, type, v.length), bytes);
    }

    static float[] activations(int n, int cols, long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[n * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }

    /** Odd shapes: rows not a multiple of the threads, several blocks per row. */
    static int colsFor(GgmlType type) {
        return switch (type) {
            case F32, F16, BF16 -> 101; // not even a multiple of the vector length
            case Q4_K, Q5_K, Q6_K -> 3 * 256;
            default -> 7 * 32;
        };
    }

    static double[] reference(float[] w, int rows, int cols, float[] x, int n) {
        double[] ref = new double[n * rows];
        for (int t = 0; t < n; t++) {
            for (int r = 0; r < rows; r++) {
                double s = 0;
                for (int c = 0; c < cols; c++) {
                    s += (double) w[r * cols + c] * x[t * cols + c];
                }
                ref[t * rows + r] = s;
            }
        }
        return ref;
    }

    static double nmse(float[] got, double[] ref) {
        double err = 0;
        double norm = 0;
        for (int i = 0; i < ref.length; i++) {
            err += (got[i] - ref[i]) * (got[i] - ref[i]);
            norm += ref[i] * ref[i];
        }
        return err / norm;
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void multiplyMatchesTheFloatReference(GgmlType type) {
        int cols = colsFor(type);
        for (int rows : new int[]{1, 13, 70}) {
            Matrix m = matrix(type, rows, cols, rows * 31L + type.ordinal());
            for (int n : new int[]{1, 2, 5, 9}) {
                float[] xs = activations(n, cols, n * 7L + rows);
                Activations x = Activations.of(xs, n, cols);
                double[] ref = reference(m.decoded(), rows, cols, xs, n);
                double[] exact = exactReference(type, m, rows, cols, x, ref);
                for (WorkerTeam team : new WorkerTeam[]{one, two}) {
                    float[] out = new float[n * rows + 3];
                    out[n * rows] = 42; // past the result: untouched
                    MatMul.multiply(team, m.w(), x, out);
                    String what = type + " " + rows + "x" + cols + " n=" + n + " threads=" + team.threads();
                    double e = nmse(out, ref);
                    assertTrue(e < (type.isQuantized() ? 5e-4 : 1e-10), what + ": nmse " + e);
                    double ex = nmse(out, exact);
                    assertTrue(ex < 1e-9, what + ": nmse against the 8-bit activations " + ex);
                    assertEquals(42, out[n * rows]);
                }
            }
        }
    }

    /**
     * What the kernels compute up to float rounding: the 8-bit activations, except for the tokens
     * that Q8_0 and Q4_0 handle in float tiles (whole groups of {@link Q8Kernels#FLOAT_TILE}),
     * and for decode of the types {@link FloatDecodeKernels} covers, which read the float activations.
     */
    static double[] exactReference(GgmlType type, Matrix m, int rows, int cols, Activations x, double[] ref) {
        if (!type.isQuantized() || FloatDecodeKernels.covers(type) && FloatDecodeKernels.takes(x.n())) {
            return ref;
        }
        double[] q = reference(m.decoded(), rows, cols, dequantized(x), x.n());
        if (type == GgmlType.Q8_0 || type == GgmlType.Q4_0) {
            int floatTokens = x.n() / Q8Kernels.FLOAT_TILE * Q8Kernels.FLOAT_TILE;
            System.arraycopy(ref, 0, q, 0, floatTokens * rows);
        }
        return q;
    }

    static float[] dequantized(Activations x) {
        float[] d = new float[x.n() * x.cols()];
        for (int t = 0; t < x.n(); t++) {
            for (int c = 0; c < x.cols(); c++) {
                d[t * x.cols() + c] = x.quantizedValue(t, c);
            }
        }
        return d;
    }

    /**
     * Decode of the types with float-activation kernels reads the floats, not their 8-bit form:
     * activations with one large value per block (which leaves the others a few 8-bit steps) come
     * out as exact as float rounding allows, for every decode token count, split across threads.
     */
    @ParameterizedTest
    @EnumSource(names = {"Q4_0"})
    void decodeReadsTheFloatActivations(GgmlType type) {
        assertTrue(FloatDecodeKernels.covers(type));
        int cols = type.blockSize() == 256 ? 2 * 256 : 4 * 32;
        for (int rows : new int[]{1, 2, 3, 4, 7, 9, 70}) {
            Matrix m = matrix(type, rows, cols, rows + 11L);
            for (int n = 1; n < FloatDecodeKernels.MAX_TOKENS; n++) {
                float[] xs = activations(n, cols, n + 3L);
                for (int i = 0; i < xs.length; i += 32) {
                    xs[i + 5] = 30; // sets the block's 8-bit scale: every other value rounds to a few steps
                }
                Activations x = Activations.of(xs, n, cols);
                double[] ref = reference(m.decoded(), rows, cols, xs, n);
                double[] eightBit = reference(m.decoded(), rows, cols, dequantized(x), n);
                double eightBitError = nmse(toFloats(eightBit), ref);
                assertTrue(eightBitError > 1e-9, "the 8-bit form is visibly off: " + eightBitError);
                for (WorkerTeam team : new WorkerTeam[]{one, two}) {
                    float[] out = new float[n * rows];
                    MatMul.multiply(team, m.w(), x, out);
                    double e = nmse(out, ref);
                    assertTrue(e < 1e-10 && e < eightBitError * 1e-2, type + " " + rows + " rows n=" + n
                            + " threads=" + team.threads() + ": nmse " + e + ", 8-bit " + eightBitError);
                }
            }
        }
    }

    private static float[] toFloats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    @Test
    void largeMatricesAcrossManyBlocksAndTokens() {
        // long rows and a token count past any tile size
        for (GgmlType type : TYPES) {
            int cols = 2048;
            int rows = 67;
            Matrix m = matrix(type, rows, cols, 5);
            int n = 37;
            float[] xs = activations(n, cols, 9);
            Activations x = Activations.of(xs, n, cols);
            float[] out = new float[n * rows];
            MatMul.multiply(two, m.w(), x, out);
            double e = nmse(out, reference(m.decoded(), rows, cols, xs, n));
            assertTrue(e < (type.isQuantized() ? 5e-4 : 1e-10), type + ": nmse " + e);
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void rowToEqualsGgmlQuantDecode(GgmlType type) {
        int cols = type.blockSize() == 256 ? 512 : 64;
        Matrix m = matrix(type, 5, cols, 3);
        float[] row = new float[cols + 2];
        for (int r = 0; r < 5; r++) {
            m.w().rowTo(r, row, 1);
            float[] want = new float[cols];
            System.arraycopy(m.decoded(), r * cols, want, 0, cols);
            float[] got = new float[cols];
            System.arraycopy(row, 1, got, 0, cols);
            assertArrayEquals(want, got, type + " row " + r);
        }
        assertThrows(IndexOutOfBoundsException.class, () -> m.w().rowTo(5, row, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> m.w().rowTo(0, row, 3));
    }

    @Test
    void severalMatricesInOneDispatch() {
        int cols = 256;
        Matrix q = matrix(GgmlType.Q4_0, 33, cols, 1);
        Matrix k = matrix(GgmlType.Q8_0, 7, cols, 2);
        Matrix v = matrix(GgmlType.Q6_K, 19, cols, 3);
        for (int n : new int[]{1, 4}) {
            float[] xs = activations(n, cols, 4);
            Activations x = Activations.of(xs, n, cols);
            Matrix[] ms = {q, k, v};
            float[][] outs = {new float[n * 33], new float[n * 7], new float[n * 19]};
            for (WorkerTeam team : new WorkerTeam[]{one, two}) {
                MatMul.multiply(team, x, new WeightTensor[]{q.w(), k.w(), v.w()}, outs);
                for (int i = 0; i < 3; i++) {
                    float[] single = new float[outs[i].length];
                    MatMul.multiply(one, ms[i].w(), x, single);
                    // the same arithmetic; the last bit may differ between the interpreted and the
                    // JIT-compiled kernel (fused multiply-add or not)
                    assertArrayEquals(single, outs[i], 1e-5f, "matrix " + i + " n=" + n);
                }
            }
        }
    }

    @Test
    void activationsCanBeReused() {
        int cols = 64;
        Matrix m = matrix(GgmlType.Q4_0, 9, cols, 8);
        Activations x = Activations.allocate(4, cols);
        for (int n : new int[]{4, 1, 3}) {
            float[] xs = activations(n, cols, n);
            x.set(xs, n);
            float[] out = new float[n * 9];
            MatMul.multiply(two, m.w(), x, out);
            float[] fresh = new float[n * 9];
            MatMul.multiply(two, m.w(), Activations.of(xs, n, cols), fresh);
            assertArrayEquals(fresh, out, 1e-5f, "n=" + n); // last bit: interpreted vs compiled kernel
        }
        assertThrows(IllegalArgumentException.class, () -> x.set(new float[5 * cols], 5));
    }

    @Test
    void badShapesAreClearErrors() {
        Matrix m = matrix(GgmlType.Q8_0, 4, 64, 1);
        Activations x = Activations.of(new float[96], 1, 96);
        var e = assertThrows(IllegalArgumentException.class, () -> MatMul.multiply(one, m.w(), x, new float[4]));
        assertTrue(e.getMessage().contains("96"), e.getMessage());
        Activations ok = Activations.of(new float[64], 1, 64);
        assertThrows(IllegalArgumentException.class, () -> MatMul.multiply(one, m.w(), ok, new float[3]));
        MemorySegment seg = arena.allocate(100);
        assertThrows(IllegalArgumentException.class, () -> WeightTensor.of(GgmlType.Q8_0, seg, 2, 64));
        assertThrows(IllegalArgumentException.class, () -> WeightTensor.of(GgmlType.Q8_0, seg, 1, 33));
        var unsupported = assertThrows(IllegalArgumentException.class,
                () -> WeightTensor.of(GgmlType.Q2_K, arena.allocate(84), 1, 256));
        assertTrue(unsupported.getMessage().contains("Q2_K"), unsupported.getMessage());
        // quantized weights need activations in whole 32-value blocks
        Matrix f = matrix(GgmlType.F32, 2, 40, 1);
        float[] out = new float[2];
        MatMul.multiply(one, f.w(), Activations.of(new float[40], 1, 40), out);
        assertArrayEquals(new float[2], out);
    }
}
