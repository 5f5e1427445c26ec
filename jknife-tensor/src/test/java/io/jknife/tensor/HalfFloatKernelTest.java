package io.jknife.tensor;

import io.jknife.formats.GgmlType;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The F16 and BF16 kernels widen 16-bit values in vector registers: every bit pattern must come out right. */
class HalfFloatKernelTest {
    private static final ValueLayout.OfShort LE_SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int COLS = 64;

    /** Row i of the matrix holds patterns i*64 .. i*64+63; a unit vector on column c reads one value exactly. */
    private static void everyPatternThroughTheKernel(GgmlType type, java.util.function.IntPredicate finite,
                                                     java.util.function.IntToDoubleFunction decode) {
        int rows = 65536 / COLS;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(65536L * 2);
            for (int p = 0; p < 65536; p++) {
                // non-finite patterns would turn the other lanes' 0 * x into NaN: zero them here
                seg.set(LE_SHORT, 2L * p, (short) (finite.test(p) ? p : 0));
            }
            WeightTensor w = WeightTensor.of(type, seg, rows, COLS);
            float[] out = new float[rows];
            for (int c = 0; c < COLS; c++) {
                float[] x = new float[COLS];
                x[c] = 1;
                w.multiplyRows(Activations.of(x, 1, COLS), 0, rows, out);
                for (int r = 0; r < rows; r++) {
                    int p = r * COLS + c;
                    double want = finite.test(p) ? decode.applyAsDouble(p) : 0;
                    assertEquals(want, out[r], 0.0, type + " pattern 0x" + Integer.toHexString(p));
                }
            }
        }
    }

    @Test
    void f16AllFinitePatternsIncludingSubnormals() {
        everyPatternThroughTheKernel(GgmlType.F16, p -> (p & 0x7C00) != 0x7C00,
                p -> Float.float16ToFloat((short) p));
    }

    @Test
    void bf16AllFinitePatterns() {
        everyPatternThroughTheKernel(GgmlType.BF16, p -> (p & 0x7F80) != 0x7F80,
                p -> Float.intBitsToFloat(p << 16));
    }

    @Test
    void f16InfinitiesAndNaN() {
        short[] specials = {(short) 0x7C00, (short) 0xFC00, (short) 0x7E00, (short) 0x7C01};
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(specials.length * COLS * 2L);
            for (int r = 0; r < specials.length; r++) {
                seg.set(LE_SHORT, 2L * r * COLS + 2L * 5, specials[r]); // column 5, the rest 0
            }
            WeightTensor w = WeightTensor.of(GgmlType.F16, seg, specials.length, COLS);
            float[] x = new float[COLS];
            x[5] = 2;
            float[] out = new float[specials.length];
            w.multiplyRows(Activations.of(x, 1, COLS), 0, specials.length, out);
            assertEquals(Float.POSITIVE_INFINITY, out[0]);
            assertEquals(Float.NEGATIVE_INFINITY, out[1]);
            assertTrue(Float.isNaN(out[2]));
            assertTrue(Float.isNaN(out[3]));
        }
    }

    /**
     * Tokens go through the float kernels four at a time and in tiles: every token's result must be
     * what it is alone, for token counts around the groups of four and rows with a tail past the
     * vectors. Not bit for bit: the final sum over the vector lanes may be taken in another order by
     * compiled and interpreted code (the Vector API leaves it open), so to a float's rounding.
     */
    @Test
    void tokensTogetherGiveExactlyWhatEachGivesAlone() {
        int rows = 7;
        int cols = 100; // not a multiple of any vector width: the scalar tail runs too
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(3);
        for (GgmlType type : new GgmlType[]{GgmlType.F32, GgmlType.F16, GgmlType.BF16}) {
            int bytes = type == GgmlType.F32 ? 4 : 2;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment seg = arena.allocate((long) rows * cols * bytes);
                for (int i = 0; i < rows * cols; i++) {
                    float v = (float) rnd.nextDouble(-1, 1);
                    switch (type) {
                        case F32 -> seg.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4L * i, v);
                        case F16 -> seg.set(LE_SHORT, 2L * i, Float.floatToFloat16(v));
                        default -> seg.set(LE_SHORT, 2L * i, (short) (Float.floatToIntBits(v) >>> 16));
                    }
                }
                WeightTensor w = WeightTensor.of(type, seg, rows, cols);
                for (int n : new int[]{1, 2, 3, 4, 5, 7, 8, 9, 700}) { // 700: more than one tile
                    float[] x = new float[n * cols];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = (float) rnd.nextDouble(-2, 2);
                    }
                    float[] together = new float[n * rows];
                    w.multiplyRows(Activations.of(x, n, cols), 0, rows, together);
                    for (int t = 0; t < n; t++) {
                        float[] alone = new float[rows];
                        w.multiplyRows(Activations.of(java.util.Arrays.copyOfRange(x, t * cols, (t + 1) * cols), 1, cols),
                                0, rows, alone);
                        for (int r = 0; r < rows; r++) {
                            assertEquals(alone[r], together[t * rows + r], 1e-5f * (1 + Math.abs(alone[r])),
                                    type + ", " + n + " tokens, token " + t + ", row " + r);
                        }
                    }
                }
            }
        }
    }
}
