package io.jknife.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

import static io.jknife.tensor.AbstractWeight.FLOAT;
import static io.jknife.tensor.AbstractWeight.LE;
import static io.jknife.tensor.AbstractWeight.SHORT;
import static io.jknife.tensor.Vec.F;
import static io.jknife.tensor.Vec.I;

/**
 * F32, F16 and BF16 weights times float activations: the 16-bit types widened to floats in
 * registers (BF16 by a shift; F16 by moving exponent and mantissa into place and rescaling by
 * 2^112, which also turns F16 subnormals into the right floats, with infinities and NaNs fixed up
 * apart). A row is read once from memory and then from L1 for each further token. Loops written
 * out in full, as in {@link Q8Kernels}.
 */
final class FloatKernels {
    /** Shorts of half the float vector width: one load gives one float vector. */
    private static final VectorSpecies<Short> SH =
            VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final int FL = F.length();

    private FloatKernels() {
    }

    static void f32(F32Weight w, Activations x, int from, int to, float[] out) {
        MemorySegment seg = w.data;
        float[] a = x.floats();
        int cols = w.cols;
        int rows = w.rows;
        int bound = cols - cols % FL;
        for (int r = from; r < to; r++) {
            long row = r * w.rowBytes;
            for (int t = 0; t < x.n(); t++) {
                int xo = t * cols;
                FloatVector acc = FloatVector.zero(F);
                int c = 0;
                for (; c < bound; c += FL) {
                    acc = FloatVector.fromMemorySegment(F, seg, row + 4L * c, LE)
                            .fma(FloatVector.fromArray(F, a, xo + c), acc);
                }
                float sum = acc.reduceLanes(VectorOperators.ADD);
                for (; c < cols; c++) {
                    sum += seg.get(FLOAT, row + 4L * c) * a[xo + c];
                }
                out[t * rows + r] = sum;
            }
        }
    }

    static void bf16(BF16Weight w, Activations x, int from, int to, float[] out) {
        MemorySegment seg = w.data;
        float[] a = x.floats();
        int cols = w.cols;
        int rows = w.rows;
        int bound = cols - cols % FL;
        for (int r = from; r < to; r++) {
            long row = r * w.rowBytes;
            for (int t = 0; t < x.n(); t++) {
                int xo = t * cols;
                FloatVector acc = FloatVector.zero(F);
                int c = 0;
                for (; c < bound; c += FL) {
                    FloatVector wv = ((IntVector) ShortVector.fromMemorySegment(SH, seg, row + 2L * c, LE)
                            .convertShape(VectorOperators.S2I, I, 0))
                            .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                    acc = wv.fma(FloatVector.fromArray(F, a, xo + c), acc);
                }
                float sum = acc.reduceLanes(VectorOperators.ADD);
                for (; c < cols; c++) {
                    sum += Float.intBitsToFloat((seg.get(SHORT, row + 2L * c) & 0xFFFF) << 16) * a[xo + c];
                }
                out[t * rows + r] = sum;
            }
        }
    }

    static void f16(F16Weight w, Activations x, int from, int to, float[] out) {
        MemorySegment seg = w.data;
        float[] a = x.floats();
        int cols = w.cols;
        int rows = w.rows;
        int bound = cols - cols % FL;
        for (int r = from; r < to; r++) {
            long row = r * w.rowBytes;
            for (int t = 0; t < x.n(); t++) {
                int xo = t * cols;
                FloatVector acc = FloatVector.zero(F);
                int c = 0;
                for (; c < bound; c += FL) {
                    IntVector h = (IntVector) ShortVector.fromMemorySegment(SH, seg, row + 2L * c, LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
                    IntVector em = h.and(0x7FFF);
                    // exponent and mantissa in float position, then rescaled by 2^(127-15)
                    FloatVector mag = em.lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f);
                    VectorMask<Integer> special = em.compare(VectorOperators.GE, 0x7C00);
                    IntVector bits = mag.reinterpretAsInts()
                            .blend(em.lanewise(VectorOperators.LSHL, 13).or(0x7F800000), special)
                            .or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16));
                    acc = bits.reinterpretAsFloats().fma(FloatVector.fromArray(F, a, xo + c), acc);
                }
                float sum = acc.reduceLanes(VectorOperators.ADD);
                for (; c < cols; c++) {
                    sum += Float.float16ToFloat(seg.get(SHORT, row + 2L * c)) * a[xo + c];
                }
                out[t * rows + r] = sum;
            }
        }
    }
}
