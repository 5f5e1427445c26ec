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
 * apart). A row is read once from memory and then from L1 for each further token; tokens go four
 * at a time, each weight vector widened once for the four and their four independent FMA chains
 * (one chain waits on its FMA's latency; four keep the units busy); many tokens go in tiles that
 * stay in L2. Each token's products are accumulated in the same order as alone. Loops written out
 * in full, as in {@link Q8Kernels}.
 */
final class FloatKernels {
    /** Shorts of half the float vector width: one load gives one float vector. */
    private static final VectorSpecies<Short> SH =
            VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final int FL = F.length();

    /** Activations of one token tile: they stay in L2 while each row of a chunk meets them all. */
    private static final int TILE_BYTES = 256 * 1024;

    private FloatKernels() {
    }

    /**
     * Tokens per tile, a multiple of four: with thousands of tokens (a vision tower's patches) each
     * row would otherwise stream every token's activations from memory.
     */
    static int tokenTile(int cols) {
        return Math.max(4, TILE_BYTES / (cols * Float.BYTES) / 4 * 4);
    }

    static void f32(F32Weight w, Activations x, int from, int to, float[] out) {
        MemorySegment seg = w.data;
        float[] a = x.floats();
        int cols = w.cols;
        int rows = w.rows;
        int n = x.n();
        int bound = cols - cols % FL;
        int tile = tokenTile(cols);
        for (int t0 = 0; t0 < n; t0 += tile) {
            int tEnd = Math.min(n, t0 + tile);
            for (int r = from; r < to; r++) {
                long row = r * w.rowBytes;
                int t = t0;
                for (; t + 4 <= tEnd; t += 4) {
                    int x0 = t * cols;
                    int x1 = x0 + cols;
                    int x2 = x1 + cols;
                    int x3 = x2 + cols;
                    FloatVector acc0 = FloatVector.zero(F);
                    FloatVector acc1 = acc0;
                    FloatVector acc2 = acc0;
                    FloatVector acc3 = acc0;
                    for (int c = 0; c < bound; c += FL) {
                        FloatVector wv = FloatVector.fromMemorySegment(F, seg, row + 4L * c, LE);
                        acc0 = wv.fma(FloatVector.fromArray(F, a, x0 + c), acc0);
                        acc1 = wv.fma(FloatVector.fromArray(F, a, x1 + c), acc1);
                        acc2 = wv.fma(FloatVector.fromArray(F, a, x2 + c), acc2);
                        acc3 = wv.fma(FloatVector.fromArray(F, a, x3 + c), acc3);
                    }
                    out[t * rows + r] = tailF32(seg, row, a, x0, bound, cols, acc0.reduceLanes(VectorOperators.ADD));
                    out[(t + 1) * rows + r] = tailF32(seg, row, a, x1, bound, cols, acc1.reduceLanes(VectorOperators.ADD));
                    out[(t + 2) * rows + r] = tailF32(seg, row, a, x2, bound, cols, acc2.reduceLanes(VectorOperators.ADD));
                    out[(t + 3) * rows + r] = tailF32(seg, row, a, x3, bound, cols, acc3.reduceLanes(VectorOperators.ADD));
                }
                for (; t < tEnd; t++) {
                    int xo = t * cols;
                    FloatVector acc = FloatVector.zero(F);
                    for (int c = 0; c < bound; c += FL) {
                        acc = FloatVector.fromMemorySegment(F, seg, row + 4L * c, LE).fma(FloatVector.fromArray(F, a, xo + c), acc);
                    }
                    out[t * rows + r] = tailF32(seg, row, a, xo, bound, cols, acc.reduceLanes(VectorOperators.ADD));
                }
            }
        }
    }

    /** {@code sum} plus the columns from {@code c} on that do not fill a vector. */
    private static float tailF32(MemorySegment seg, long row, float[] a, int xo, int c, int cols, float sum) {
        for (; c < cols; c++) {
            sum += seg.get(FLOAT, row + 4L * c) * a[xo + c];
        }
        return sum;
    }

    static void bf16(BF16Weight w, Activations x, int from, int to, float[] out) {
        MemorySegment seg = w.data;
        float[] a = x.floats();
        int cols = w.cols;
        int rows = w.rows;
        int n = x.n();
        int bound = cols - cols % FL;
        int tile = tokenTile(cols);
        for (int t0 = 0; t0 < n; t0 += tile) {
            int tEnd = Math.min(n, t0 + tile);
            for (int r = from; r < to; r++) {
                long row = r * w.rowBytes;
                int t = t0;
                for (; t + 4 <= tEnd; t += 4) {
                    int x0 = t * cols;
                    int x1 = x0 + cols;
                    int x2 = x1 + cols;
                    int x3 = x2 + cols;
                    FloatVector acc0 = FloatVector.zero(F);
                    FloatVector acc1 = acc0;
                    FloatVector acc2 = acc0;
                    FloatVector acc3 = acc0;
                    for (int c = 0; c < bound; c += FL) {
                        FloatVector wv = bf16Vector(seg, row + 2L * c);
                        acc0 = wv.fma(FloatVector.fromArray(F, a, x0 + c), acc0);
                        acc1 = wv.fma(FloatVector.fromArray(F, a, x1 + c), acc1);
                        acc2 = wv.fma(FloatVector.fromArray(F, a, x2 + c), acc2);
                        acc3 = wv.fma(FloatVector.fromArray(F, a, x3 + c), acc3);
                    }
                    out[t * rows + r] = tailBf16(seg, row, a, x0, bound, cols, acc0.reduceLanes(VectorOperators.ADD));
                    out[(t + 1) * rows + r] = tailBf16(seg, row, a, x1, bound, cols, acc1.reduceLanes(VectorOperators.ADD));
                    out[(t + 2) * rows + r] = tailBf16(seg, row, a, x2, bound, cols, acc2.reduceLanes(VectorOperators.ADD));
                    out[(t + 3) * rows + r] = tailBf16(seg, row, a, x3, bound, cols, acc3.reduceLanes(VectorOperators.ADD));
                }
                for (; t < tEnd; t++) {
                    int xo = t * cols;
                    FloatVector acc = FloatVector.zero(F);
                    for (int c = 0; c < bound; c += FL) {
                        acc = bf16Vector(seg, row + 2L * c).fma(FloatVector.fromArray(F, a, xo + c), acc);
                    }
                    out[t * rows + r] = tailBf16(seg, row, a, xo, bound, cols, acc.reduceLanes(VectorOperators.ADD));
                }
            }
        }
    }

    /** One vector of BF16 values as floats: the 16 bits become a float's high half. */
    private static FloatVector bf16Vector(MemorySegment seg, long offset) {
        return ((IntVector) ShortVector.fromMemorySegment(SH, seg, offset, LE)
                .convertShape(VectorOperators.S2I, I, 0))
                .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    private static float tailBf16(MemorySegment seg, long row, float[] a, int xo, int c, int cols, float sum) {
        for (; c < cols; c++) {
            sum += Float.intBitsToFloat((seg.get(SHORT, row + 2L * c) & 0xFFFF) << 16) * a[xo + c];
        }
        return sum;
    }

    static void f16(F16Weight w, Activations x, int from, int to, float[] out) {
        MemorySegment seg = w.data;
        float[] a = x.floats();
        int cols = w.cols;
        int rows = w.rows;
        int n = x.n();
        int bound = cols - cols % FL;
        int tile = tokenTile(cols);
        for (int t0 = 0; t0 < n; t0 += tile) {
            int tEnd = Math.min(n, t0 + tile);
            for (int r = from; r < to; r++) {
                long row = r * w.rowBytes;
                int t = t0;
                for (; t + 4 <= tEnd; t += 4) {
                    int x0 = t * cols;
                    int x1 = x0 + cols;
                    int x2 = x1 + cols;
                    int x3 = x2 + cols;
                    FloatVector acc0 = FloatVector.zero(F);
                    FloatVector acc1 = acc0;
                    FloatVector acc2 = acc0;
                    FloatVector acc3 = acc0;
                    for (int c = 0; c < bound; c += FL) {
                        FloatVector wv = f16Vector(seg, row + 2L * c);
                        acc0 = wv.fma(FloatVector.fromArray(F, a, x0 + c), acc0);
                        acc1 = wv.fma(FloatVector.fromArray(F, a, x1 + c), acc1);
                        acc2 = wv.fma(FloatVector.fromArray(F, a, x2 + c), acc2);
                        acc3 = wv.fma(FloatVector.fromArray(F, a, x3 + c), acc3);
                    }
                    out[t * rows + r] = tailF16(seg, row, a, x0, bound, cols, acc0.reduceLanes(VectorOperators.ADD));
                    out[(t + 1) * rows + r] = tailF16(seg, row, a, x1, bound, cols, acc1.reduceLanes(VectorOperators.ADD));
                    out[(t + 2) * rows + r] = tailF16(seg, row, a, x2, bound, cols, acc2.reduceLanes(VectorOperators.ADD));
                    out[(t + 3) * rows + r] = tailF16(seg, row, a, x3, bound, cols, acc3.reduceLanes(VectorOperators.ADD));
                }
                for (; t < tEnd; t++) {
                    int xo = t * cols;
                    FloatVector acc = FloatVector.zero(F);
                    for (int c = 0; c < bound; c += FL) {
                        acc = f16Vector(seg, row + 2L * c).fma(FloatVector.fromArray(F, a, xo + c), acc);
                    }
                    out[t * rows + r] = tailF16(seg, row, a, xo, bound, cols, acc.reduceLanes(VectorOperators.ADD));
                }
            }
        }
    }

    /**
     * One vector of F16 values as floats: exponent and mantissa moved into float position and
     * rescaled by 2^(127-15); infinities and NaNs put back apart; the sign copied.
     */
    private static FloatVector f16Vector(MemorySegment seg, long offset) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(SH, seg, offset, LE)
                .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
        IntVector em = h.and(0x7FFF);
        FloatVector mag = em.lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f);
        VectorMask<Integer> special = em.compare(VectorOperators.GE, 0x7C00);
        IntVector bits = mag.reinterpretAsInts()
                .blend(em.lanewise(VectorOperators.LSHL, 13).or(0x7F800000), special)
                .or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16));
        return bits.reinterpretAsFloats();
    }

    private static float tailF16(MemorySegment seg, long row, float[] a, int xo, int c, int cols, float sum) {
        for (; c < cols; c++) {
            sum += Float.float16ToFloat(seg.get(SHORT, row + 2L * c)) * a[xo + c];
        }
        return sum;
    }
}
