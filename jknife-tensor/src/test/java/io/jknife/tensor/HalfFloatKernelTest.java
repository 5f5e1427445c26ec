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
}
