package io.jknife.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static io.jknife.tensor.AbstractWeight.LE;
import static io.jknife.tensor.AbstractWeight.SHORT;
import static io.jknife.tensor.Vec.BH;
import static io.jknife.tensor.Vec.BQ;
import static io.jknife.tensor.Vec.F;
import static io.jknife.tensor.Vec.I;
import static io.jknife.tensor.Vec.L;
import static io.jknife.tensor.Vec.S;

/**
 * Q8_0 and Q4_0 times 8-bit activations: per 32-value block, the weights widened to shorts,
 * multiplied with the activation shorts, adjacent products summed to ints, converted to floats and
 * accumulated with the block's two scales. Four tokens at a time reuse each decoded weight block.
 *
 * <p>Prefill of 8 or more tokens takes another road: each weight block is decoded to floats
 * (times its scale) once and multiplied with the float activations of 8 tokens. Amortized over 8
 * tokens that is about 17 % faster than the integer path with 4-token tiles (1.27 against 1.53 ns
 * per block and token for Q4_0, measured side by side), and it skips the activations' 8-bit error.
 *
 * <p>Q4_0 decode (fewer than {@link FloatDecodeKernels#MAX_TOKENS} tokens) takes
 * {@link FloatDecodeKernels} instead: float activations, faster there on a whole model.
 *
 * <p>The hot loops are written out in full, without helper methods: a helper that C2 compiles on
 * its own first is then too large to inline, and its vectors get boxed (100x slower).
 */
final class Q8Kernels {
    /** Tokens that share one decoded weight block. */
    static final int TILE = 4;
    /** Tokens that share one weight block decoded to floats (prefill). */
    static final int FLOAT_TILE = 8;
    private static final int FL = F.length();
    /**
     * Rows per pass over the token tiles in prefill: a tile's activations stay in L1 while this
     * many rows read them (about 4 % faster than row by row at 32 tokens).
     */
    private static final int ROW_BLOCK = 16;

    private Q8Kernels() {
    }

    // ---- Q8_0 -----------------------------------------------------------------------------

    static void q8_0(Q8_0Weight w, Activations x, int from, int to, float[] out) {
        short[] q = x.quants();
        float[] s = x.scales();
        float[] xf = x.floats();
        MemorySegment seg = w.data;
        int cols = w.cols;
        int nb = cols / 32;
        int n = x.n();
        int rows = w.rows;
        for (int rb = from; rb < to; rb += ROW_BLOCK) {
            int re = Math.min(to, rb + ROW_BLOCK);
            int t = 0;
            for (; t + FLOAT_TILE <= n; t += FLOAT_TILE) {
                for (int r = rb; r < re; r++) {
                    q8_0FloatTile(seg, r * w.rowBytes, nb, xf, t, cols, rows, r, out);
                }
            }
            for (; t + TILE <= n; t += TILE) {
                for (int r = rb; r < re; r++) {
                    q8_0Tile(seg, r * w.rowBytes, nb, q, s, t, cols, rows, r, out);
                }
            }
            for (; t < n; t++) {
                for (int r = rb; r < re; r++) {
                    out[t * rows + r] = q8_0Dot(seg, r * w.rowBytes, nb, q, t * cols, s, t * nb);
                }
            }
        }
    }

    static float q8_0Dot(MemorySegment seg, long row, int nb, short[] q, int qOff, float[] s, int sOff) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long o = row + 34L * b;
            float scale = Float.float16ToFloat(seg.get(SHORT, o)) * s[sOff + b];
            IntVector isum = IntVector.zero(I);
            for (int k = 0; k < 32; k += L) {
                ShortVector wv = (ShortVector) ByteVector.fromMemorySegment(BH, seg, o + 2 + k, LE)
                        .convertShape(VectorOperators.B2S, S, 0);
                ShortVector av = ShortVector.fromArray(S, q, qOff + 32 * b + k);
                IntVector pisum = wv.mul(av).reinterpretAsInts();
                isum = isum.add(pisum.add(pisum.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
            }
            acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, scale), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    private static void q8_0Tile(MemorySegment seg, long row, int nb, short[] q, float[] s, int t, int cols,
                                 int rows, int r, float[] out) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        FloatVector acc2 = FloatVector.zero(F);
        FloatVector acc3 = FloatVector.zero(F);
        int q0 = t * cols;
        int s0 = t * nb;
        for (int b = 0; b < nb; b++) {
            long o = row + 34L * b;
            float d = Float.float16ToFloat(seg.get(SHORT, o));
            IntVector i0 = IntVector.zero(I);
            IntVector i1 = IntVector.zero(I);
            IntVector i2 = IntVector.zero(I);
            IntVector i3 = IntVector.zero(I);
            for (int k = 0; k < 32; k += L) {
                ShortVector wv = (ShortVector) ByteVector.fromMemorySegment(BH, seg, o + 2 + k, LE)
                        .convertShape(VectorOperators.B2S, S, 0);
                int qa = q0 + 32 * b + k;
                IntVector pi0 = wv.mul(ShortVector.fromArray(S, q, qa)).reinterpretAsInts();
                i0 = i0.add(pi0.add(pi0.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
                IntVector pi1 = wv.mul(ShortVector.fromArray(S, q, qa + cols)).reinterpretAsInts();
                i1 = i1.add(pi1.add(pi1.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
                IntVector pi2 = wv.mul(ShortVector.fromArray(S, q, qa + 2 * cols)).reinterpretAsInts();
                i2 = i2.add(pi2.add(pi2.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
                IntVector pi3 = wv.mul(ShortVector.fromArray(S, q, qa + 3 * cols)).reinterpretAsInts();
                i3 = i3.add(pi3.add(pi3.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
            }
            acc0 = ((FloatVector) i0.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d * s[s0 + b]), acc0);
            acc1 = ((FloatVector) i1.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d * s[s0 + nb + b]), acc1);
            acc2 = ((FloatVector) i2.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d * s[s0 + 2 * nb + b]), acc2);
            acc3 = ((FloatVector) i3.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d * s[s0 + 3 * nb + b]), acc3);
        }
        out[t * rows + r] = acc0.reduceLanes(VectorOperators.ADD);
        out[(t + 1) * rows + r] = acc1.reduceLanes(VectorOperators.ADD);
        out[(t + 2) * rows + r] = acc2.reduceLanes(VectorOperators.ADD);
        out[(t + 3) * rows + r] = acc3.reduceLanes(VectorOperators.ADD);
    }

    /** Row r times 8 float token rows from t, the weights decoded to floats once per block. */
    private static void q8_0FloatTile(MemorySegment seg, long row, int nb, float[] x, int t, int cols, int rows,
                                        int r, float[] out) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector a4 = a0;
        FloatVector a5 = a0;
        FloatVector a6 = a0;
        FloatVector a7 = a0;
        int x0 = t * cols;
        for (int b = 0; b < nb; b++) {
            long o = row + 34L * b;
            float d = Float.float16ToFloat(seg.get(SHORT, o));
            for (int k = 0; k < 32; k += FL) {
                FloatVector wv = ((FloatVector) ByteVector.fromMemorySegment(BQ, seg, o + 2 + k, LE)
                        .convertShape(VectorOperators.B2I, I, 0).convert(VectorOperators.I2F, 0)).mul(d);
                int xo = x0 + 32 * b + k;
                a0 = wv.fma(FloatVector.fromArray(F, x, xo + 0 * cols), a0);
                a1 = wv.fma(FloatVector.fromArray(F, x, xo + 1 * cols), a1);
                a2 = wv.fma(FloatVector.fromArray(F, x, xo + 2 * cols), a2);
                a3 = wv.fma(FloatVector.fromArray(F, x, xo + 3 * cols), a3);
                a4 = wv.fma(FloatVector.fromArray(F, x, xo + 4 * cols), a4);
                a5 = wv.fma(FloatVector.fromArray(F, x, xo + 5 * cols), a5);
                a6 = wv.fma(FloatVector.fromArray(F, x, xo + 6 * cols), a6);
                a7 = wv.fma(FloatVector.fromArray(F, x, xo + 7 * cols), a7);
            }
        }
        out[(t + 0) * rows + r] = a0.reduceLanes(VectorOperators.ADD);
        out[(t + 1) * rows + r] = a1.reduceLanes(VectorOperators.ADD);
        out[(t + 2) * rows + r] = a2.reduceLanes(VectorOperators.ADD);
        out[(t + 3) * rows + r] = a3.reduceLanes(VectorOperators.ADD);
        out[(t + 4) * rows + r] = a4.reduceLanes(VectorOperators.ADD);
        out[(t + 5) * rows + r] = a5.reduceLanes(VectorOperators.ADD);
        out[(t + 6) * rows + r] = a6.reduceLanes(VectorOperators.ADD);
        out[(t + 7) * rows + r] = a7.reduceLanes(VectorOperators.ADD);
    }

    // ---- Q4_0 -----------------------------------------------------------------------------

    static void q4_0(Q4_0Weight w, Activations x, int from, int to, float[] out) {
        short[] q = x.interleaved();
        float[] s = x.scales();
        float[] xf = x.floats();
        MemorySegment seg = w.data;
        int cols = w.cols;
        int nb = cols / 32;
        int n = x.n();
        int rows = w.rows;
        for (int rb = from; rb < to; rb += ROW_BLOCK) {
            int re = Math.min(to, rb + ROW_BLOCK);
            int t = 0;
            for (; t + FLOAT_TILE <= n; t += FLOAT_TILE) {
                for (int r = rb; r < re; r++) {
                    q4_0FloatTile(seg, r * w.rowBytes, nb, xf, t, cols, rows, r, out);
                }
            }
            for (; t + TILE <= n; t += TILE) {
                for (int r = rb; r < re; r++) {
                    q4_0Tile(seg, r * w.rowBytes, nb, q, s, t, cols, rows, r, out);
                }
            }
            for (; t < n; t++) {
                for (int r = rb; r < re; r++) {
                    out[t * rows + r] = q4_0Dot(seg, r * w.rowBytes, nb, q, t * cols, s, t * nb);
                }
            }
        }
    }

    static float q4_0Dot(MemorySegment seg, long row, int nb, short[] q, int qOff, float[] s, int sOff) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long o = row + 18L * b;
            float scale = Float.float16ToFloat(seg.get(SHORT, o)) * s[sOff + b];
            IntVector isum = IntVector.zero(I);
            for (int k = 0; k < 16; k += L / 2) {
                IntVector raw = (IntVector) ByteVector.fromMemorySegment(BQ, seg, o + 2 + k, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                ShortVector wv = raw.or(raw.lanewise(VectorOperators.LSHL, 12)).and(0x000F000F)
                        .reinterpretAsShorts().sub((short) 8);
                ShortVector av = ShortVector.fromArray(S, q, qOff + 32 * b + 2 * k);
                IntVector pisum = wv.mul(av).reinterpretAsInts();
                isum = isum.add(pisum.add(pisum.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
            }
            acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, scale), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    private static void q4_0Tile(MemorySegment seg, long row, int nb, short[] q, float[] s, int t, int cols,
                                 int rows, int r, float[] out) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        FloatVector acc2 = FloatVector.zero(F);
        FloatVector acc3 = FloatVector.zero(F);
        int q0 = t * cols;
        int s0 = t * nb;
        for (int b = 0; b < nb; b++) {
            long o = row + 18L * b;
            float d = Float.float16ToFloat(seg.get(SHORT, o));
            IntVector i0 = IntVector.zero(I);
            IntVector i1 = IntVector.zero(I);
            IntVector i2 = IntVector.zero(I);
            IntVector i3 = IntVector.zero(I);
            for (int k = 0; k < 16; k += L / 2) {
                IntVector raw = (IntVector) ByteVector.fromMemorySegment(BQ, seg, o + 2 + k, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                ShortVector wv = raw.or(raw.lanewise(VectorOperators.LSHL, 12)).and(0x000F000F)
                        .reinterpretAsShorts().sub((short) 8);
                int qa = q0 + 32 * b + 2 * k;
                IntVector pi0 = wv.mul(ShortVector.fromArray(S, q, qa)).reinterpretAsInts();
                i0 = i0.add(pi0.add(pi0.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
                IntVector pi1 = wv.mul(ShortVector.fromArray(S, q, qa + cols)).reinterpretAsInts();
                i1 = i1.add(pi1.add(pi1.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
                IntVector pi2 = wv.mul(ShortVector.fromArray(S, q, qa + 2 * cols)).reinterpretAsInts();
                i2 = i2.add(pi2.add(pi2.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
                IntVector pi3 = wv.mul(ShortVector.fromArray(S, q, qa + 3 * cols)).reinterpretAsInts();
                i3 = i3.add(pi3.add(pi3.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
            }
            acc0 = ((FloatVector) i0.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d * s[s0 + b]), acc0);
            acc1 = ((FloatVector) i1.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d * s[s0 + nb + b]), acc1);
            acc2 = ((FloatVector) i2.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d * s[s0 + 2 * nb + b]), acc2);
            acc3 = ((FloatVector) i3.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d * s[s0 + 3 * nb + b]), acc3);
        }
        out[t * rows + r] = acc0.reduceLanes(VectorOperators.ADD);
        out[(t + 1) * rows + r] = acc1.reduceLanes(VectorOperators.ADD);
        out[(t + 2) * rows + r] = acc2.reduceLanes(VectorOperators.ADD);
        out[(t + 3) * rows + r] = acc3.reduceLanes(VectorOperators.ADD);
    }

    /** Row r times 8 float token rows from t, the weights decoded to floats once per block. */
    private static void q4_0FloatTile(MemorySegment seg, long row, int nb, float[] x, int t, int cols, int rows,
                                        int r, float[] out) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector a4 = a0;
        FloatVector a5 = a0;
        FloatVector a6 = a0;
        FloatVector a7 = a0;
        int x0 = t * cols;
        for (int b = 0; b < nb; b++) {
            long o = row + 18L * b;
            float d = Float.float16ToFloat(seg.get(SHORT, o));
            for (int k = 0; k < 16; k += FL) {
                IntVector raw = (IntVector) ByteVector.fromMemorySegment(BQ, seg, o + 2 + k, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                FloatVector lo = ((FloatVector) raw.and(0xF).sub(8).convert(VectorOperators.I2F, 0)).mul(d);
                FloatVector hi = ((FloatVector) raw.lanewise(VectorOperators.LSHR, 4).sub(8)
                        .convert(VectorOperators.I2F, 0)).mul(d);
                int xo = x0 + 32 * b + k;
                a0 = hi.fma(FloatVector.fromArray(F, x, xo + 0 * cols + 16), lo.fma(FloatVector.fromArray(F, x, xo + 0 * cols), a0));
                a1 = hi.fma(FloatVector.fromArray(F, x, xo + 1 * cols + 16), lo.fma(FloatVector.fromArray(F, x, xo + 1 * cols), a1));
                a2 = hi.fma(FloatVector.fromArray(F, x, xo + 2 * cols + 16), lo.fma(FloatVector.fromArray(F, x, xo + 2 * cols), a2));
                a3 = hi.fma(FloatVector.fromArray(F, x, xo + 3 * cols + 16), lo.fma(FloatVector.fromArray(F, x, xo + 3 * cols), a3));
                a4 = hi.fma(FloatVector.fromArray(F, x, xo + 4 * cols + 16), lo.fma(FloatVector.fromArray(F, x, xo + 4 * cols), a4));
                a5 = hi.fma(FloatVector.fromArray(F, x, xo + 5 * cols + 16), lo.fma(FloatVector.fromArray(F, x, xo + 5 * cols), a5));
                a6 = hi.fma(FloatVector.fromArray(F, x, xo + 6 * cols + 16), lo.fma(FloatVector.fromArray(F, x, xo + 6 * cols), a6));
                a7 = hi.fma(FloatVector.fromArray(F, x, xo + 7 * cols + 16), lo.fma(FloatVector.fromArray(F, x, xo + 7 * cols), a7));
            }
        }
        out[(t + 0) * rows + r] = a0.reduceLanes(VectorOperators.ADD);
        out[(t + 1) * rows + r] = a1.reduceLanes(VectorOperators.ADD);
        out[(t + 2) * rows + r] = a2.reduceLanes(VectorOperators.ADD);
        out[(t + 3) * rows + r] = a3.reduceLanes(VectorOperators.ADD);
        out[(t + 4) * rows + r] = a4.reduceLanes(VectorOperators.ADD);
        out[(t + 5) * rows + r] = a5.reduceLanes(VectorOperators.ADD);
        out[(t + 6) * rows + r] = a6.reduceLanes(VectorOperators.ADD);
        out[(t + 7) * rows + r] = a7.reduceLanes(VectorOperators.ADD);
    }
}
