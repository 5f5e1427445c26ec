package io.jknife.tensor;

import io.jknife.formats.GgmlType;
import io.jknife.formats.mlx.MlxQuantized;
import io.jknife.formats.mlx.MlxQuantizer;
import io.jknife.formats.safetensors.FloatEncoding;
import io.jknife.formats.safetensors.SafetensorsDType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MLX affine-quantized weights against {@link MlxQuantizer#dequantize} and a plain double dot
 * product. The kernels read float activations and compute {@code s * sum(q*x) + b * sum(x)} per
 * group (decode) or dot a dequantized float row (prefill), so they are exact up to float rounding:
 * the error bound is {@link #TOLERANCE} times {@code sum_j (|s q_j| + |b|) |x_j|}, the magnitude
 * of the terms the float sums add up: about 17 float epsilons, where 2048-column rows reach 2e-8.
 */
class MlxWeightTest {
    private static final int[] BITS = {2, 3, 4, 5, 6, 8};
    private static final int[] GROUPS = {32, 64, 128};
    private static final GgmlType[] SCALE_TYPES = {GgmlType.F16, GgmlType.BF16, GgmlType.F32};
    private static final double TOLERANCE = 1e-6;
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

    /** A quantized matrix as mlx-lm stores it, in native memory, and the values it stands for. */
    record Mlx(WeightTensor w, MlxQuantized q, float[] values, MemorySegment packed, MemorySegment scales,
               MemorySegment biases) {
    }

    static Mlx mlx(int rows, int cols, int bits, int groupSize, GgmlType scaleType, long seed) {
        Random rnd = new Random(seed);
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextGaussian() * 0.05f + 0.01f; // off-centre: biases matter
        }
        SafetensorsDType dtype = SafetensorsDType.valueOf(scaleType.name());
        MlxQuantized q = MlxQuantizer.quantize(v, rows, cols, bits, groupSize, dtype);
        ByteBuffer words = ByteBuffer.allocate(4 * q.weight().length).order(ByteOrder.LITTLE_ENDIAN);
        words.asIntBuffer().put(q.weight());
        MemorySegment packed = copy(words.array());
        MemorySegment scales = copy(FloatEncoding.encode(q.scales(), dtype));
        MemorySegment biases = copy(FloatEncoding.encode(q.biases(), dtype));
        WeightTensor w = WeightTensor.mlx(rows, cols, bits, groupSize, packed, scales, biases, scaleType);
        return new Mlx(w, q, MlxQuantizer.dequantize(q), packed, scales, biases);
    }

    private static MemorySegment copy(byte[] bytes) {
        MemorySegment seg = arena.allocate(Math.max(1, bytes.length), 64).asSlice(0, bytes.length);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, seg, 0, bytes.length);
        return seg;
    }

    static float[] activations(int n, int cols, long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[n * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian() + 0.1f;
        }
        return x;
    }

    /**
     * Fails unless out[t * rows + r] for r in [from, to) is the double dot product of the
     * dequantized row with token t, within the float-rounding bound; returns the largest error
     * relative to that bound's magnitude.
     */
    static double check(Mlx m, float[] x, int n, float[] out, int from, int to, String what) {
        MlxQuantized q = m.q();
        int rows = q.rows();
        int cols = q.cols();
        double worst = 0;
        for (int t = 0; t < n; t++) {
            for (int r = from; r < to; r++) {
                double exact = 0;
                double magnitude = 0;
                for (int c = 0; c < cols; c++) {
                    int g = r * (cols / q.groupSize()) + c / q.groupSize();
                    double xv = x[t * cols + c];
                    exact += (double) m.values()[r * cols + c] * xv;
                    double sq = (double) q.scales()[g] * MlxQuantizer.valueAt(q, r, c);
                    magnitude += (Math.abs(sq) + Math.abs(q.biases()[g])) * Math.abs(xv);
                }
                double err = Math.abs(out[t * rows + r] - exact) / magnitude;
                assertTrue(err < TOLERANCE, what + " token " + t + " row " + r + ": got " + out[t * rows + r]
                        + ", want " + exact + " (relative error " + err + ")");
                worst = Math.max(worst, err);
            }
        }
        return worst;
    }

    static Stream<Arguments> layouts() {
        List<Arguments> all = new ArrayList<>();
        for (int bits : BITS) {
            for (int g : GROUPS) {
                for (GgmlType s : SCALE_TYPES) {
                    all.add(Arguments.of(bits, g, s));
                }
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} bits, group {1}, {2} scales")
    @MethodSource("layouts")
    void multiplyMatchesTheDequantizedReference(int bits, int groupSize, GgmlType scaleType) {
        int rows = 13;
        int cols = 3 * 128;
        Mlx m = mlx(rows, cols, bits, groupSize, scaleType, bits * 100L + groupSize);
        // 1-3: fused decode (4 and 8 bits); 4 on: dequantized rows in 8- and 4-token tiles and remainders
        for (int n : new int[]{1, 2, 3, 4, 5, 9, 13}) {
            float[] xs = activations(n, cols, n * 7L + bits);
            Activations x = Activations.of(xs, n, cols);
            for (WorkerTeam team : new WorkerTeam[]{one, two}) {
                float[] out = new float[n * rows + 1];
                out[n * rows] = 42;
                MatMul.multiply(team, m.w(), x, out);
                check(m, xs, n, out, 0, rows, m.w().typeName() + " " + scaleType + " n=" + n);
                assertEquals(42, out[n * rows]);
            }
            // an odd row range, straight through the kernel: the other rows stay untouched
            float[] part = new float[n * rows];
            Arrays.fill(part, Float.NaN);
            m.w().multiplyRows(x, 3, 10, part);
            check(m, xs, n, part, 3, 10, m.w().typeName() + " rows [3, 10) n=" + n);
            for (int t = 0; t < n; t++) {
                for (int r = 0; r < rows; r++) {
                    if (r < 3 || r >= 10) {
                        assertTrue(Float.isNaN(part[t * rows + r]), "row " + r + " written");
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} bits, group {1}, {2} scales")
    @MethodSource("layouts")
    void rowToEqualsMlxDequantize(int bits, int groupSize, GgmlType scaleType) {
        int rows = 5;
        int cols = 256;
        Mlx m = mlx(rows, cols, bits, groupSize, scaleType, 11);
        float[] row = new float[cols + 2];
        for (int r = 0; r < rows; r++) {
            m.w().rowTo(r, row, 1);
            assertArrayEquals(Arrays.copyOfRange(m.values(), r * cols, (r + 1) * cols),
                    Arrays.copyOfRange(row, 1, cols + 1), "row " + r);
        }
        assertThrows(IndexOutOfBoundsException.class, () -> m.w().rowTo(rows, row, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> m.w().rowTo(0, row, 3));
    }

    @Test
    void largeMatricesAcrossManyGroupsAndTokens() {
        for (int bits : new int[]{4, 8, 3}) {
            int rows = 67;
            int cols = 2048;
            Mlx m = mlx(rows, cols, bits, 64, GgmlType.BF16, bits);
            for (int n : new int[]{1, 37}) {
                float[] xs = activations(n, cols, 9);
                float[] out = new float[n * rows];
                MatMul.multiply(two, m.w(), Activations.of(xs, n, cols), out);
                check(m, xs, n, out, 0, rows, bits + " bits n=" + n);
            }
        }
    }

    @Test
    void sizesAndNames() {
        Mlx m4 = mlx(3, 256, 4, 64, GgmlType.BF16, 1);
        assertEquals("MLX_Q4_G64", m4.w().typeName());
        // 128 packed bytes + 4 groups x 2 bytes x (scale + bias)
        assertEquals(128 + 16, m4.w().rowBytes());
        assertEquals(3 * (128 + 16), m4.w().byteSize());
        assertEquals(m4.packed(), m4.w().data());
        Mlx m3 = mlx(2, 128, 3, 32, GgmlType.F32, 1);
        assertEquals("MLX_Q3_G32", m3.w().typeName());
        assertEquals(48 + 4 * 4 * 2, m3.w().rowBytes());
        assertEquals(2, m3.w().rows());
        assertEquals(128, m3.w().cols());
    }

    @Test
    void activationsCanBeReused() {
        // the cached pair-split floats and group sums must follow every set()
        int cols = 256;
        Mlx m4 = mlx(9, cols, 4, 64, GgmlType.F16, 3);
        Mlx m8 = mlx(9, cols, 8, 32, GgmlType.F16, 4);
        Activations x = Activations.allocate(5, cols);
        for (int n : new int[]{1, 5, 2, 1}) {
            float[] xs = activations(n, cols, n * 13L);
            x.set(xs, n);
            for (Mlx m : new Mlx[]{m4, m8}) {
                float[] out = new float[n * 9];
                MatMul.multiply(two, m.w(), x, out);
                check(m, xs, n, out, 0, 9, m.w().typeName() + " n=" + n);
            }
        }
    }

    @Test
    void severalMatricesInOneDispatch() {
        int cols = 256;
        Mlx a = mlx(33, cols, 4, 64, GgmlType.BF16, 1);
        Mlx b = mlx(7, cols, 8, 128, GgmlType.F16, 2);
        Mlx c = mlx(19, cols, 6, 32, GgmlType.F32, 3);
        Mlx[] ms = {a, b, c};
        for (int n : new int[]{1, 6}) {
            float[] xs = activations(n, cols, 4);
            Activations x = Activations.of(xs, n, cols);
            float[][] outs = {new float[n * 33], new float[n * 7], new float[n * 19]};
            MatMul.multiply(two, x, new WeightTensor[]{a.w(), b.w(), c.w()}, outs);
            for (int i = 0; i < 3; i++) {
                check(ms[i], xs, n, outs[i], 0, ms[i].q().rows(), "matrix " + i + " n=" + n);
            }
        }
    }

    @Test
    void badLayoutsAreClearErrors() {
        Mlx m = mlx(4, 128, 4, 64, GgmlType.F16, 1);
        MemorySegment p = m.packed();
        MemorySegment s = m.scales();
        MemorySegment b = m.biases();
        assertMessage("7", () -> WeightTensor.mlx(4, 128, 7, 64, p, s, b, GgmlType.F16));
        assertMessage("not 1", () -> WeightTensor.mlx(4, 128, 1, 64, p, s, b, GgmlType.F16));
        assertMessage("16", () -> WeightTensor.mlx(4, 128, 4, 16, p, s, b, GgmlType.F16));
        assertMessage("Q8_0", () -> WeightTensor.mlx(4, 128, 4, 64, p, s, b, GgmlType.Q8_0));
        assertMessage("scale type", () -> WeightTensor.mlx(4, 128, 4, 64, p, s, b, null));
        assertMessage("96", () -> WeightTensor.mlx(4, 96, 4, 64, p, s, b, GgmlType.F16));
        assertMessage("0 x 128", () -> WeightTensor.mlx(0, 128, 4, 64, p, s, b, GgmlType.F16));
        // segments of the wrong size: 4 x 128 at 4 bits is 256 bytes, 8 groups of F16 16 bytes
        assertMessage("packed values", () -> WeightTensor.mlx(4, 128, 4, 64, p.asSlice(0, 255), s, b, GgmlType.F16));
        assertMessage("packed values", () -> WeightTensor.mlx(4, 128, 8, 64, p, s, b, GgmlType.F16));
        assertMessage("scales", () -> WeightTensor.mlx(4, 128, 4, 64, p, b.asSlice(0, 8), b, GgmlType.F16));
        assertMessage("biases", () -> WeightTensor.mlx(4, 128, 4, 64, p, s, b.asSlice(0, 8), GgmlType.F16));
        assertMessage("F32 needs 32 bytes of scales", () -> WeightTensor.mlx(4, 128, 4, 64, p, s, b, GgmlType.F32));
        assertMessage("biases", () -> WeightTensor.mlx(4, 128, 4, 64, p, s, null, GgmlType.F16));
        assertMessage("scales", () -> WeightTensor.mlx(4, 128, 4, 32, p, s, b, GgmlType.F16));
        // activations of another width
        var e = assertThrows(IllegalArgumentException.class,
                () -> MatMul.multiply(one, m.w(), Activations.of(new float[64], 1, 64), new float[4]));
        assertTrue(e.getMessage().contains("MLX_Q4_G64"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> MatMul.multiply(one, m.w(), Activations.of(new float[128], 1, 128), new float[3]));
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable call) {
        var e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' lacks '" + part + "'");
    }
}
