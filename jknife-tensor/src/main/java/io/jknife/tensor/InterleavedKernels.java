package io.jknife.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static io.jknife.tensor.AbstractWeight.LE;
import static io.jknife.tensor.Vec.BH;
import static io.jknife.tensor.Vec.BQ;
import static io.jknife.tensor.Vec.F;
import static io.jknife.tensor.Vec.I;
import static io.jknife.tensor.Vec.S;
import static io.jknife.tensor.Vec.SH;

/**
 * The kernels of the {@link Interleaved} layouts, one vector lane per block of a group.
 *
 * <p>Q4_0: per group, the 16 nibble bytes of every block are widened to shorts; the low and the
 * high nibbles (0..15) multiply the 8-bit activations ({@link Activations#blockColumns}) into two
 * short accumulators (16 products each, at most 30480: no overflow); after the group, the lanes
 * are widened to ints, the offset 8 taken off through the activations' block sums
 * ({@code Σ (q - 8) x = Σ q x - 8 Σ x}), converted to floats and scaled by weight scale times
 * activation scale, one lane per block. The same integer sums as llama.cpp's Q4_0 x Q8_0 dot.
 *
 * <p>Q4_K (repacked as Q4_0-like blocks with a scale s and a minimum mn each): the same nibble
 * products without the offset; per block lane {@code s dx Σ q x - mn dx Σ x}, the second sum
 * the activations' scaled block sums, as llama.cpp subtracts the minimums through Q8_K's sums.
 * Its kernels repeat Q4_0's nibble loop on purpose: one kernel for both (Q4_0's minimum as 8 d,
 * chosen by a flag) decoded Q4_K at 31-33 instead of 45 tok/s after Q4_0 had run in the same
 * JVM (JavaDecodeBench --types Q4_0,Q4_K, alternated with this version), Q4_0 unchanged.
 *
 * <p>Q6_K (repacked as signed bytes with a float scale per 16 values): byte times 8-bit activation in
 * short lanes, four accumulators of 8 products filled one after the other (filled in turn, their
 * four streams were 3x slower on rows of 8192); one token at a time (the bytes need no unpacking,
 * so a tile would save little; a block of rows stays in L2 across a prompt's tokens).
 *
 * <p>Q5_K (repacked as bytes 0..31 with a float scale and minimum per 32 values): Q6_K's loop,
 * then Q4_K's minimum term through the activations' scaled block sums.
 *
 * <p>Q8_0: per group, the signed bytes of value k of every block are converted to floats and
 * fused-multiply-added with the float activations ({@link Activations#floatBlockColumns}); the
 * lanes are scaled by the blocks' scales once per group. Exact to the float activations.
 *
 * <p>Rows that are not whole groups are padded with empty blocks, and the activations alike
 * ({@link Activations#paddedCols}): the kernels see whole groups only.
 *
 * <p>Tokens go four at a time (each weight vector widened once for all four), then two (two or three
 * streams decoding together: on this 2-core machine two tokens one by one cost 2.2 single steps, the
 * two-token tile about 1.6), the rest one by one;
 * rows in blocks of {@link #ROW_BLOCK} so that a tile's activations stay in L1. The f16 scales are
 * widened to floats in vector lanes: sign-extended, shifted into a float's exponent and mantissa
 * bits (sign kept in bit 31), masked, times 2^112 (exact for normal and subnormal halves). The hot
 * loops are written out in full, as in {@link Q8Kernels}: no helper takes or returns a vector.
 */
final class InterleavedKernels {
    static final int TILE = 4;
    private static final int ROW_BLOCK = 16;
    private static final int G4 = Interleaved.Q4_GROUP;
    private static final int G8 = Interleaved.Q8_GROUP;
    private static final int H = I.length();
    private static final float F16_BIAS = 0x1p112f;
    private static final int F16_MASK = 0x8FFFE000;

    private InterleavedKernels() {
    }

    // ---- Q4_0 -----------------------------------------------------------------------------

    static void q4_0(InterleavedQ4_0Weight w, Activations x, int from, int to, float[] out) {
        short[] xt = x.blockColumns(G4);
        int[] sums = x.blockSums(G4);
        float[] xs = x.blockScales(G4);
        MemorySegment seg = w.data;
        int cols = x.paddedCols(G4); // whole groups: the weight's rows are padded alike
        int groups = cols / (32 * G4);
        int nb = cols / 32;
        int n = x.n();
        int rows = w.rows;
        for (int rb = from; rb < to; rb += ROW_BLOCK) {
            int re = Math.min(to, rb + ROW_BLOCK);
            int t = 0;
            for (; t + TILE <= n; t += TILE) {
                for (int r = rb; r < re; r++) {
                    q4_0Tile(seg, r * w.rowBytes, groups, xt, sums, xs, t, cols, nb, rows, r, out);
                }
            }
            if (t + 2 <= n) {
                for (int r = rb; r < re; r++) {
                    q4_0Tile2(seg, r * w.rowBytes, groups, xt, sums, xs, t, cols, nb, rows, r, out);
                }
                t += 2;
            }
            for (; t < n; t++) {
                for (int r = rb; r < re; r++) {
                    out[t * rows + r] = q4_0Dot(seg, r * w.rowBytes, groups, xt, t * cols, sums, xs, t * nb);
                }
            }
        }
    }

    static float q4_0Dot(MemorySegment seg, long row, int groups, short[] xt, int xo, int[] sums, float[] xs, int so) {
        FloatVector acc = FloatVector.zero(F);
        for (int g = 0; g < groups; g++) {
            long o = row + 18L * G4 * g;
            int xg = xo + 32 * G4 * g;
            ShortVector lo = ShortVector.zero(S);
            ShortVector hi = ShortVector.zero(S);
            for (int j = 0; j < 16; j++) {
                ShortVector v = (ShortVector) ByteVector.fromMemorySegment(BH, seg, o + (long) G4 * j, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                lo = lo.add(v.and((short) 0xF).mul(ShortVector.fromArray(S, xt, xg + G4 * j)));
                hi = hi.add(v.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(S, xt, xg + G4 * (j + 16))));
            }
            int sb = so + G4 * g;
            long so16 = o + 16L * G4;
            IntVector sum = ((IntVector) lo.convertShape(VectorOperators.S2I, I, 0))
                    .add((IntVector) hi.convertShape(VectorOperators.S2I, I, 0))
                    .sub(IntVector.fromArray(I, sums, sb).lanewise(VectorOperators.LSHL, 3));
            FloatVector d = ((IntVector) ShortVector.fromMemorySegment(SH, seg, so16, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(F16_MASK)
                    .reinterpretAsFloats().mul(F16_BIAS);
            acc = ((FloatVector) sum.convert(VectorOperators.I2F, 0))
                    .fma(d.mul(FloatVector.fromArray(F, xs, sb)), acc);
            sum = ((IntVector) lo.convertShape(VectorOperators.S2I, I, 1))
                    .add((IntVector) hi.convertShape(VectorOperators.S2I, I, 1))
                    .sub(IntVector.fromArray(I, sums, sb + H).lanewise(VectorOperators.LSHL, 3));
            d = ((IntVector) ShortVector.fromMemorySegment(SH, seg, so16 + 2L * H, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(F16_MASK)
                    .reinterpretAsFloats().mul(F16_BIAS);
            acc = ((FloatVector) sum.convert(VectorOperators.I2F, 0))
                    .fma(d.mul(FloatVector.fromArray(F, xs, sb + H)), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    private static void q4_0Tile(MemorySegment seg, long row, int groups, short[] xt, int[] sums, float[] xs, int t,
                                 int cols, int nb, int rows, int r, float[] out) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int g = 0; g < groups; g++) {
            long o = row + 18L * G4 * g;
            int xg = t * cols + 32 * G4 * g;
            ShortVector lo0 = ShortVector.zero(S);
            ShortVector hi0 = lo0;
            ShortVector lo1 = lo0;
            ShortVector hi1 = lo0;
            ShortVector lo2 = lo0;
            ShortVector hi2 = lo0;
            ShortVector lo3 = lo0;
            ShortVector hi3 = lo0;
            for (int j = 0; j < 16; j++) {
                ShortVector v = (ShortVector) ByteVector.fromMemorySegment(BH, seg, o + (long) G4 * j, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                ShortVector l = v.and((short) 0xF);
                ShortVector h = v.lanewise(VectorOperators.LSHR, 4);
                int xl = xg + G4 * j;
                int xh = xg + G4 * (j + 16);
                lo0 = lo0.add(l.mul(ShortVector.fromArray(S, xt, xl)));
                hi0 = hi0.add(h.mul(ShortVector.fromArray(S, xt, xh)));
                lo1 = lo1.add(l.mul(ShortVector.fromArray(S, xt, xl + cols)));
                hi1 = hi1.add(h.mul(ShortVector.fromArray(S, xt, xh + cols)));
                lo2 = lo2.add(l.mul(ShortVector.fromArray(S, xt, xl + 2 * cols)));
                hi2 = hi2.add(h.mul(ShortVector.fromArray(S, xt, xh + 2 * cols)));
                lo3 = lo3.add(l.mul(ShortVector.fromArray(S, xt, xl + 3 * cols)));
                hi3 = hi3.add(h.mul(ShortVector.fromArray(S, xt, xh + 3 * cols)));
            }
            int sb = t * nb + G4 * g;
            long so16 = o + 16L * G4;
            FloatVector d = ((IntVector) ShortVector.fromMemorySegment(SH, seg, so16, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(F16_MASK)
                    .reinterpretAsFloats().mul(F16_BIAS);
            int s0 = sb;
            a0 = ((FloatVector) ((IntVector) lo0.convertShape(VectorOperators.S2I, I, 0))
                    .add((IntVector) hi0.convertShape(VectorOperators.S2I, I, 0))
                    .sub(IntVector.fromArray(I, sums, s0).lanewise(VectorOperators.LSHL, 3))
                    .convert(VectorOperators.I2F, 0)).fma(d.mul(FloatVector.fromArray(F, xs, s0)), a0);
            a1 = ((FloatVector) ((IntVector) lo1.convertShape(VectorOperators.S2I, I, 0))
                    .add((IntVector) hi1.convertShape(VectorOperators.S2I, I, 0))
                    .sub(IntVector.fromArray(I, sums, s0 + nb).lanewise(VectorOperators.LSHL, 3))
                    .convert(VectorOperators.I2F, 0)).fma(d.mul(FloatVector.fromArray(F, xs, s0 + nb)), a1);
            a2 = ((FloatVector) ((IntVector) lo2.convertShape(VectorOperators.S2I, I, 0))
                    .add((IntVector) hi2.convertShape(VectorOperators.S2I, I, 0))
                    .sub(IntVector.fromArray(I, sums, s0 + 2 * nb).lanewise(VectorOperators.LSHL, 3))
                    .convert(VectorOperators.I2F, 0)).fma(d.mul(FloatVector.fromArray(F, xs, s0 + 2 * nb)), a2);
            a3 = ((FloatVector) ((IntVector) lo3.convertShape(VectorOperators.S2I, I, 0))
                    .add((IntVector) hi3.convertShape(VectorOperators.S2I, I, 0))
                    .sub(IntVector.fromArray(I, sums, s0 + 3 * nb).lanewise(VectorOperators.LSHL, 3))
                    .convert(VectorOperators.I2F, 0)).fma(d.mul(FloatVector.fromArray(F, xs, s0 + 3 * nb)), a3);
            d = ((IntVector) ShortVector.fromMemorySegment(SH, seg, so16 + 2L * H, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(F16_MASK)
                    .reinterpretAsFloats().mul(F16_BIAS);
            s0 = sb + H;
            a0 = ((FloatVector) ((IntVector) lo0.convertShape(VectorOperators.S2I, I, 1))
                    .add((IntVector) hi0.convertShape(VectorOperators.S2I, I, 1))
                    .sub(IntVector.fromArray(I, sums, s0).lanewise(VectorOperators.LSHL, 3))
                    .convert(VectorOperators.I2F, 0)).fma(d.mul(FloatVector.fromArray(F, xs, s0)), a0);
            a1 = ((FloatVector) ((IntVector) lo1.convertShape(VectorOperators.S2I, I, 1))
                    .add((IntVector) hi1.convertShape(VectorOperators.S2I, I, 1))
                    .sub(IntVector.fromArray(I, sums, s0 + nb).lanewise(VectorOperators.LSHL, 3))
                    .convert(VectorOperators.I2F, 0)).fma(d.mul(FloatVector.fromArray(F, xs, s0 + nb)), a1);
            a2 = ((FloatVector) ((IntVector) lo2.convertShape(VectorOperators.S2I, I, 1))
                    .add((IntVector) hi2.convertShape(VectorOperators.S2I, I, 1))
                    .sub(IntVector.fromArray(I, sums, s0 + 2 * nb).lanewise(VectorOperators.LSHL, 3))
                    .convert(VectorOperators.I2F, 0)).fma(d.mul(FloatVector.fromArray(F, xs, s0 + 2 * nb)), a2);
            a3 = ((FloatVector) ((IntVector) lo3.convertShape(VectorOperators.S2I, I, 1))
                    .add((IntVector) hi3.convertShape(VectorOperators.S2I, I, 1))
                    .sub(IntVector.fromArray(I, sums, s0 + 3 * nb).lanewise(VectorOperators.LSHL, 3))
                    .convert(VectorOperators.I2F, 0)).fma(d.mul(FloatVector.fromArray(F, xs, s0 + 3 * nb)), a3);
        }
        out[t * rows + r] = a0.reduceLanes(VectorOperators.ADD);
        out[(t + 1) * rows + r] = a1.reduceLanes(VectorOperators.ADD);
        out[(t + 2) * rows + r] = a2.reduceLanes(VectorOperators.ADD);
        out[(t + 3) * rows + r] = a3.reduceLanes(VectorOperators.ADD);
    }

    /** Two tokens of {@link #q4_0Tile}: for two or three streams decoding together. */
    private static void q4_0Tile2(MemorySegment seg, long row, int groups, short[] xt, int[] sums, float[] xs, int t,
                                 int cols, int nb, int rows, int r, float[] out) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        for (int g = 0; g < groups; g++) {
            long o = row + 18L * G4 * g;
            int xg = t * cols + 32 * G4 * g;
            ShortVector lo0 = ShortVector.zero(S);
            ShortVector hi0 = lo0;
            ShortVector lo1 = lo0;
            ShortVector hi1 = lo0;
            for (int j = 0; j < 16; j++) {
                ShortVector v = (ShortVector) ByteVector.fromMemorySegment(BH, seg, o + (long) G4 * j, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                ShortVector l = v.and((short) 0xF);
                ShortVector h = v.lanewise(VectorOperators.LSHR, 4);
                int xl = xg + G4 * j;
                int xh = xg + G4 * (j + 16);
                lo0 = lo0.add(l.mul(ShortVector.fromArray(S, xt, xl)));
                hi0 = hi0.add(h.mul(ShortVector.fromArray(S, xt, xh)));
                lo1 = lo1.add(l.mul(ShortVector.fromArray(S, xt, xl + cols)));
                hi1 = hi1.add(h.mul(ShortVector.fromArray(S, xt, xh + cols)));
            }
            int sb = t * nb + G4 * g;
            long so16 = o + 16L * G4;
            FloatVector d = ((IntVector) ShortVector.fromMemorySegment(SH, seg, so16, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(F16_MASK)
                    .reinterpretAsFloats().mul(F16_BIAS);
            int s0 = sb;
            a0 = ((FloatVector) ((IntVector) lo0.convertShape(VectorOperators.S2I, I, 0))
                    .add((IntVector) hi0.convertShape(VectorOperators.S2I, I, 0))
                    .sub(IntVector.fromArray(I, sums, s0).lanewise(VectorOperators.LSHL, 3))
                    .convert(VectorOperators.I2F, 0)).fma(d.mul(FloatVector.fromArray(F, xs, s0)), a0);
            a1 = ((FloatVector) ((IntVector) lo1.convertShape(VectorOperators.S2I, I, 0))
                    .add((IntVector) hi1.convertShape(VectorOperators.S2I, I, 0))
                    .sub(IntVector.fromArray(I, sums, s0 + nb).lanewise(VectorOperators.LSHL, 3))
                    .convert(VectorOperators.I2F, 0)).fma(d.mul(FloatVector.fromArray(F, xs, s0 + nb)), a1);
            d = ((IntVector) ShortVector.fromMemorySegment(SH, seg, so16 + 2L * H, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(F16_MASK)
                    .reinterpretAsFloats().mul(F16_BIAS);
            s0 = sb + H;
            a0 = ((FloatVector) ((IntVector) lo0.convertShape(VectorOperators.S2I, I, 1))
                    .add((IntVector) hi0.convertShape(VectorOperators.S2I, I, 1))
                    .sub(IntVector.fromArray(I, sums, s0).lanewise(VectorOperators.LSHL, 3))
                    .convert(VectorOperators.I2F, 0)).fma(d.mul(FloatVector.fromArray(F, xs, s0)), a0);
            a1 = ((FloatVector) ((IntVector) lo1.convertShape(VectorOperators.S2I, I, 1))
                    .add((IntVector) hi1.convertShape(VectorOperators.S2I, I, 1))
                    .sub(IntVector.fromArray(I, sums, s0 + nb).lanewise(VectorOperators.LSHL, 3))
                    .convert(VectorOperators.I2F, 0)).fma(d.mul(FloatVector.fromArray(F, xs, s0 + nb)), a1);
        }
        out[t * rows + r] = a0.reduceLanes(VectorOperators.ADD);
        out[(t + 1) * rows + r] = a1.reduceLanes(VectorOperators.ADD);
    }

    // ---- Q4_K (as Q4_0 blocks with a scale and a minimum each) ---------------------------

    static void q4_K(InterleavedQ4_KWeight w, Activations x, int from, int to, float[] out) {
        short[] xt = x.blockColumns(G4);
        float[] sums = x.blockScaledSums(G4);
        float[] xs = x.blockScales(G4);
        MemorySegment seg = w.data;
        int cols = x.paddedCols(G4);
        int groups = cols / (32 * G4);
        int nb = cols / 32;
        int n = x.n();
        int rows = w.rows;
        for (int rb = from; rb < to; rb += ROW_BLOCK) {
            int re = Math.min(to, rb + ROW_BLOCK);
            int t = 0;
            for (; t + TILE <= n; t += TILE) {
                for (int r = rb; r < re; r++) {
                    q4_KTile(seg, r * w.rowBytes, groups, xt, sums, xs, t, cols, nb, rows, r, out);
                }
            }
            if (t + 2 <= n) {
                for (int r = rb; r < re; r++) {
                    q4_KTile2(seg, r * w.rowBytes, groups, xt, sums, xs, t, cols, nb, rows, r, out);
                }
                t += 2;
            }
            for (; t < n; t++) {
                for (int r = rb; r < re; r++) {
                    out[t * rows + r] = q4_KDot(seg, r * w.rowBytes, groups, xt, t * cols, sums, xs, t * nb);
                }
            }
        }
    }

    /**
     * Per block lane: s * dx * Σ q x (the nibbles times the 8-bit activations, as for Q4_0 but
     * without the offset) minus mn * dx * Σ x (the activations' scaled block sums).
     */
    static float q4_KDot(MemorySegment seg, long row, int groups, short[] xt, int xo, float[] sums, float[] xs, int so) {
        FloatVector acc = FloatVector.zero(F);
        for (int g = 0; g < groups; g++) {
            long o = row + 20L * G4 * g;
            int xg = xo + 32 * G4 * g;
            ShortVector lo = ShortVector.zero(S);
            ShortVector hi = ShortVector.zero(S);
            for (int j = 0; j < 16; j++) {
                ShortVector v = (ShortVector) ByteVector.fromMemorySegment(BH, seg, o + (long) G4 * j, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                lo = lo.add(v.and((short) 0xF).mul(ShortVector.fromArray(S, xt, xg + G4 * j)));
                hi = hi.add(v.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(S, xt, xg + G4 * (j + 16))));
            }
            int sb = so + G4 * g;
            long scales = o + 16L * G4;
            long mins = o + 18L * G4;
            FloatVector d = ((IntVector) ShortVector.fromMemorySegment(SH, seg, scales, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(F16_MASK)
                    .reinterpretAsFloats().mul(F16_BIAS);
            FloatVector m = ((IntVector) ShortVector.fromMemorySegment(SH, seg, mins, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(F16_MASK)
                    .reinterpretAsFloats().mul(F16_BIAS);
            acc = ((FloatVector) ((IntVector) lo.convertShape(VectorOperators.S2I, I, 0))
                    .add((IntVector) hi.convertShape(VectorOperators.S2I, I, 0)).convert(VectorOperators.I2F, 0))
                    .fma(d.mul(FloatVector.fromArray(F, xs, sb)), acc)
                    .sub(m.mul(FloatVector.fromArray(F, sums, sb)));
            d = ((IntVector) ShortVector.fromMemorySegment(SH, seg, scales + 2L * H, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(F16_MASK)
                    .reinterpretAsFloats().mul(F16_BIAS);
            m = ((IntVector) ShortVector.fromMemorySegment(SH, seg, mins + 2L * H, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(F16_MASK)
                    .reinterpretAsFloats().mul(F16_BIAS);
            acc = ((FloatVector) ((IntVector) lo.convertShape(VectorOperators.S2I, I, 1))
                    .add((IntVector) hi.convertShape(VectorOperators.S2I, I, 1)).convert(VectorOperators.I2F, 0))
                    .fma(d.mul(FloatVector.fromArray(F, xs, sb + H)), acc)
                    .sub(m.mul(FloatVector.fromArray(F, sums, sb + H)));
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    private static void q4_KTile(MemorySegment seg, long row, int groups, short[] xt, float[] sums, float[] xs, int t,
                                 int cols, int nb, int rows, int r, float[] out) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int g = 0; g < groups; g++) {
            long o = row + 20L * G4 * g;
            int xg = t * cols + 32 * G4 * g;
            ShortVector lo0 = ShortVector.zero(S);
            ShortVector hi0 = lo0;
            ShortVector lo1 = lo0;
            ShortVector hi1 = lo0;
            ShortVector lo2 = lo0;
            ShortVector hi2 = lo0;
            ShortVector lo3 = lo0;
            ShortVector hi3 = lo0;
            for (int j = 0; j < 16; j++) {
                ShortVector v = (ShortVector) ByteVector.fromMemorySegment(BH, seg, o + (long) G4 * j, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                ShortVector l = v.and((short) 0xF);
                ShortVector h = v.lanewise(VectorOperators.LSHR, 4);
                int xl = xg + G4 * j;
                int xh = xg + G4 * (j + 16);
                lo0 = lo0.add(l.mul(ShortVector.fromArray(S, xt, xl)));
                hi0 = hi0.add(h.mul(ShortVector.fromArray(S, xt, xh)));
                lo1 = lo1.add(l.mul(ShortVector.fromArray(S, xt, xl + cols)));
                hi1 = hi1.add(h.mul(ShortVector.fromArray(S, xt, xh + cols)));
                lo2 = lo2.add(l.mul(ShortVector.fromArray(S, xt, xl + 2 * cols)));
                hi2 = hi2.add(h.mul(ShortVector.fromArray(S, xt, xh + 2 * cols)));
                lo3 = lo3.add(l.mul(ShortVector.fromArray(S, xt, xl + 3 * cols)));
                hi3 = hi3.add(h.mul(ShortVector.fromArray(S, xt, xh + 3 * cols)));
            }
            for (int p = 0; p < 2; p++) {
                int s0 = t * nb + G4 * g + H * p;
                FloatVector d = ((IntVector) ShortVector.fromMemorySegment(SH, seg, o + 16L * G4 + 2L * H * p, LE)
                        .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(F16_MASK)
                        .reinterpretAsFloats().mul(F16_BIAS);
                FloatVector m = ((IntVector) ShortVector.fromMemorySegment(SH, seg, o + 18L * G4 + 2L * H * p, LE)
                        .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(F16_MASK)
                        .reinterpretAsFloats().mul(F16_BIAS);
                IntVector i0 = p == 0
                        ? ((IntVector) lo0.convertShape(VectorOperators.S2I, I, 0)).add((IntVector) hi0.convertShape(VectorOperators.S2I, I, 0))
                        : ((IntVector) lo0.convertShape(VectorOperators.S2I, I, 1)).add((IntVector) hi0.convertShape(VectorOperators.S2I, I, 1));
                IntVector i1 = p == 0
                        ? ((IntVector) lo1.convertShape(VectorOperators.S2I, I, 0)).add((IntVector) hi1.convertShape(VectorOperators.S2I, I, 0))
                        : ((IntVector) lo1.convertShape(VectorOperators.S2I, I, 1)).add((IntVector) hi1.convertShape(VectorOperators.S2I, I, 1));
                IntVector i2 = p == 0
                        ? ((IntVector) lo2.convertShape(VectorOperators.S2I, I, 0)).add((IntVector) hi2.convertShape(VectorOperators.S2I, I, 0))
                        : ((IntVector) lo2.convertShape(VectorOperators.S2I, I, 1)).add((IntVector) hi2.convertShape(VectorOperators.S2I, I, 1));
                IntVector i3 = p == 0
                        ? ((IntVector) lo3.convertShape(VectorOperators.S2I, I, 0)).add((IntVector) hi3.convertShape(VectorOperators.S2I, I, 0))
                        : ((IntVector) lo3.convertShape(VectorOperators.S2I, I, 1)).add((IntVector) hi3.convertShape(VectorOperators.S2I, I, 1));
                a0 = ((FloatVector) i0.convert(VectorOperators.I2F, 0)).fma(d.mul(FloatVector.fromArray(F, xs, s0)), a0)
                        .sub(m.mul(FloatVector.fromArray(F, sums, s0)));
                a1 = ((FloatVector) i1.convert(VectorOperators.I2F, 0)).fma(d.mul(FloatVector.fromArray(F, xs, s0 + nb)), a1)
                        .sub(m.mul(FloatVector.fromArray(F, sums, s0 + nb)));
                a2 = ((FloatVector) i2.convert(VectorOperators.I2F, 0)).fma(d.mul(FloatVector.fromArray(F, xs, s0 + 2 * nb)), a2)
                        .sub(m.mul(FloatVector.fromArray(F, sums, s0 + 2 * nb)));
                a3 = ((FloatVector) i3.convert(VectorOperators.I2F, 0)).fma(d.mul(FloatVector.fromArray(F, xs, s0 + 3 * nb)), a3)
                        .sub(m.mul(FloatVector.fromArray(F, sums, s0 + 3 * nb)));
            }
        }
        out[t * rows + r] = a0.reduceLanes(VectorOperators.ADD);
        out[(t + 1) * rows + r] = a1.reduceLanes(VectorOperators.ADD);
        out[(t + 2) * rows + r] = a2.reduceLanes(VectorOperators.ADD);
        out[(t + 3) * rows + r] = a3.reduceLanes(VectorOperators.ADD);
    }

    /** Two tokens of {@link #q4_KTile}: for two or three streams decoding together. */
    private static void q4_KTile2(MemorySegment seg, long row, int groups, short[] xt, float[] sums, float[] xs, int t,
                                 int cols, int nb, int rows, int r, float[] out) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        for (int g = 0; g < groups; g++) {
            long o = row + 20L * G4 * g;
            int xg = t * cols + 32 * G4 * g;
            ShortVector lo0 = ShortVector.zero(S);
            ShortVector hi0 = lo0;
            ShortVector lo1 = lo0;
            ShortVector hi1 = lo0;
            for (int j = 0; j < 16; j++) {
                ShortVector v = (ShortVector) ByteVector.fromMemorySegment(BH, seg, o + (long) G4 * j, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                ShortVector l = v.and((short) 0xF);
                ShortVector h = v.lanewise(VectorOperators.LSHR, 4);
                int xl = xg + G4 * j;
                int xh = xg + G4 * (j + 16);
                lo0 = lo0.add(l.mul(ShortVector.fromArray(S, xt, xl)));
                hi0 = hi0.add(h.mul(ShortVector.fromArray(S, xt, xh)));
                lo1 = lo1.add(l.mul(ShortVector.fromArray(S, xt, xl + cols)));
                hi1 = hi1.add(h.mul(ShortVector.fromArray(S, xt, xh + cols)));
            }
            for (int p = 0; p < 2; p++) {
                int s0 = t * nb + G4 * g + H * p;
                FloatVector d = ((IntVector) ShortVector.fromMemorySegment(SH, seg, o + 16L * G4 + 2L * H * p, LE)
                        .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(F16_MASK)
                        .reinterpretAsFloats().mul(F16_BIAS);
                FloatVector m = ((IntVector) ShortVector.fromMemorySegment(SH, seg, o + 18L * G4 + 2L * H * p, LE)
                        .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(F16_MASK)
                        .reinterpretAsFloats().mul(F16_BIAS);
                IntVector i0 = p == 0
                        ? ((IntVector) lo0.convertShape(VectorOperators.S2I, I, 0)).add((IntVector) hi0.convertShape(VectorOperators.S2I, I, 0))
                        : ((IntVector) lo0.convertShape(VectorOperators.S2I, I, 1)).add((IntVector) hi0.convertShape(VectorOperators.S2I, I, 1));
                IntVector i1 = p == 0
                        ? ((IntVector) lo1.convertShape(VectorOperators.S2I, I, 0)).add((IntVector) hi1.convertShape(VectorOperators.S2I, I, 0))
                        : ((IntVector) lo1.convertShape(VectorOperators.S2I, I, 1)).add((IntVector) hi1.convertShape(VectorOperators.S2I, I, 1));
                a0 = ((FloatVector) i0.convert(VectorOperators.I2F, 0)).fma(d.mul(FloatVector.fromArray(F, xs, s0)), a0)
                        .sub(m.mul(FloatVector.fromArray(F, sums, s0)));
                a1 = ((FloatVector) i1.convert(VectorOperators.I2F, 0)).fma(d.mul(FloatVector.fromArray(F, xs, s0 + nb)), a1)
                        .sub(m.mul(FloatVector.fromArray(F, sums, s0 + nb)));
            }
        }
        out[t * rows + r] = a0.reduceLanes(VectorOperators.ADD);
        out[(t + 1) * rows + r] = a1.reduceLanes(VectorOperators.ADD);
    }

    // ---- Q6_K (as signed bytes with two scales per 32-value block) ------------------------

    static void q6_K(InterleavedQ6_KWeight w, Activations x, int from, int to, float[] out) {
        short[] xt = x.blockColumns(G4);
        float[] xs = x.blockScales(G4);
        MemorySegment seg = w.data;
        int cols = x.paddedCols(G4);
        int groups = cols / (32 * G4);
        int nb = cols / 32;
        int n = x.n();
        int rows = w.rows;
        for (int rb = from; rb < to; rb += ROW_BLOCK) {
            int re = Math.min(to, rb + ROW_BLOCK);
            for (int t = 0; t < n; t++) {
                for (int r = rb; r < re; r++) {
                    out[t * rows + r] = q6_KDot(seg, r * w.rowBytes, groups, xt, t * cols, xs, t * nb);
                }
            }
        }
    }

    /**
     * Per block lane: the 32 products of weight bytes (-32..31) and 8-bit activations summed in
     * four short accumulators of 8 (at most 8 * 32 * 127 = 32512 each), the first two scaled by
     * the lane's first scale, the last two by its second, times the activations' block scale.
     */
    static float q6_KDot(MemorySegment seg, long row, int groups, short[] xt, int xo, float[] xs, int so) {
        FloatVector acc = FloatVector.zero(F);
        for (int g = 0; g < groups; g++) {
            long o = row + 40L * G4 * g;
            int xg = xo + 32 * G4 * g;
            ShortVector p0 = ShortVector.zero(S);
            ShortVector p1 = p0;
            ShortVector p2 = p0;
            ShortVector p3 = p0;
            for (int k = 0; k < 8; k++) {
                p0 = p0.add(((ShortVector) ByteVector.fromMemorySegment(BH, seg, o + (long) G4 * k, LE)
                        .convertShape(VectorOperators.B2S, S, 0)).mul(ShortVector.fromArray(S, xt, xg + G4 * k)));
            }
            for (int k = 8; k < 16; k++) {
                p1 = p1.add(((ShortVector) ByteVector.fromMemorySegment(BH, seg, o + (long) G4 * k, LE)
                        .convertShape(VectorOperators.B2S, S, 0)).mul(ShortVector.fromArray(S, xt, xg + G4 * k)));
            }
            for (int k = 16; k < 24; k++) {
                p2 = p2.add(((ShortVector) ByteVector.fromMemorySegment(BH, seg, o + (long) G4 * k, LE)
                        .convertShape(VectorOperators.B2S, S, 0)).mul(ShortVector.fromArray(S, xt, xg + G4 * k)));
            }
            for (int k = 24; k < 32; k++) {
                p3 = p3.add(((ShortVector) ByteVector.fromMemorySegment(BH, seg, o + (long) G4 * k, LE)
                        .convertShape(VectorOperators.B2S, S, 0)).mul(ShortVector.fromArray(S, xt, xg + G4 * k)));
            }
            int sb = so + G4 * g;
            long first = o + 32L * G4;
            long second = o + 36L * G4;
            FloatVector lane = ((FloatVector) ((IntVector) p0.convertShape(VectorOperators.S2I, I, 0))
                    .add((IntVector) p1.convertShape(VectorOperators.S2I, I, 0)).convert(VectorOperators.I2F, 0))
                    .mul(FloatVector.fromMemorySegment(F, seg, first, LE));
            lane = ((FloatVector) ((IntVector) p2.convertShape(VectorOperators.S2I, I, 0))
                    .add((IntVector) p3.convertShape(VectorOperators.S2I, I, 0)).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromMemorySegment(F, seg, second, LE), lane);
            acc = lane.fma(FloatVector.fromArray(F, xs, sb), acc);
            lane = ((FloatVector) ((IntVector) p0.convertShape(VectorOperators.S2I, I, 1))
                    .add((IntVector) p1.convertShape(VectorOperators.S2I, I, 1)).convert(VectorOperators.I2F, 0))
                    .mul(FloatVector.fromMemorySegment(F, seg, first + 4L * H, LE));
            lane = ((FloatVector) ((IntVector) p2.convertShape(VectorOperators.S2I, I, 1))
                    .add((IntVector) p3.convertShape(VectorOperators.S2I, I, 1)).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromMemorySegment(F, seg, second + 4L * H, LE), lane);
            acc = lane.fma(FloatVector.fromArray(F, xs, sb + H), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    // ---- Q5_K (as bytes 0..31 with a scale and a minimum per 32-value block) ------------

    static void q5_K(InterleavedQ5_KWeight w, Activations x, int from, int to, float[] out) {
        short[] xt = x.blockColumns(G4);
        float[] xs = x.blockScales(G4);
        float[] sums = x.blockScaledSums(G4);
        MemorySegment seg = w.data;
        int cols = x.paddedCols(G4);
        int groups = cols / (32 * G4);
        int nb = cols / 32;
        int n = x.n();
        int rows = w.rows;
        for (int rb = from; rb < to; rb += ROW_BLOCK) {
            int re = Math.min(to, rb + ROW_BLOCK);
            for (int t = 0; t < n; t++) {
                for (int r = rb; r < re; r++) {
                    out[t * rows + r] = q5_KDot(seg, r * w.rowBytes, groups, xt, t * cols, xs, sums, t * nb);
                }
            }
        }
    }

    /**
     * Per block lane: the 32 products of weight bytes (0..31) and 8-bit activations in four short
     * accumulators of 8 (at most 8 * 31 * 127 = 31496 each), as {@link #q6_KDot}; then
     * s * dx * Σ q x - mn * dx * Σ x (the activations' scaled block sums), as for Q4_K.
     */
    static float q5_KDot(MemorySegment seg, long row, int groups, short[] xt, int xo, float[] xs, float[] sums, int so) {
        FloatVector acc = FloatVector.zero(F);
        for (int g = 0; g < groups; g++) {
            long o = row + 40L * G4 * g;
            int xg = xo + 32 * G4 * g;
            ShortVector p0 = ShortVector.zero(S);
            ShortVector p1 = p0;
            ShortVector p2 = p0;
            ShortVector p3 = p0;
            for (int k = 0; k < 8; k++) {
                p0 = p0.add(((ShortVector) ByteVector.fromMemorySegment(BH, seg, o + (long) G4 * k, LE)
                        .convertShape(VectorOperators.B2S, S, 0)).mul(ShortVector.fromArray(S, xt, xg + G4 * k)));
            }
            for (int k = 8; k < 16; k++) {
                p1 = p1.add(((ShortVector) ByteVector.fromMemorySegment(BH, seg, o + (long) G4 * k, LE)
                        .convertShape(VectorOperators.B2S, S, 0)).mul(ShortVector.fromArray(S, xt, xg + G4 * k)));
            }
            for (int k = 16; k < 24; k++) {
                p2 = p2.add(((ShortVector) ByteVector.fromMemorySegment(BH, seg, o + (long) G4 * k, LE)
                        .convertShape(VectorOperators.B2S, S, 0)).mul(ShortVector.fromArray(S, xt, xg + G4 * k)));
            }
            for (int k = 24; k < 32; k++) {
                p3 = p3.add(((ShortVector) ByteVector.fromMemorySegment(BH, seg, o + (long) G4 * k, LE)
                        .convertShape(VectorOperators.B2S, S, 0)).mul(ShortVector.fromArray(S, xt, xg + G4 * k)));
            }
            int sb = so + G4 * g;
            long scales = o + 32L * G4;
            long mins = o + 36L * G4;
            for (int p = 0; p < 2; p++) {
                IntVector q = ((IntVector) p0.convertShape(VectorOperators.S2I, I, p))
                        .add((IntVector) p1.convertShape(VectorOperators.S2I, I, p))
                        .add((IntVector) p2.convertShape(VectorOperators.S2I, I, p))
                        .add((IntVector) p3.convertShape(VectorOperators.S2I, I, p));
                FloatVector lane = ((FloatVector) q.convert(VectorOperators.I2F, 0))
                        .mul(FloatVector.fromMemorySegment(F, seg, scales + 4L * H * p, LE));
                acc = lane.fma(FloatVector.fromArray(F, xs, sb + H * p), acc);
                acc = acc.sub(FloatVector.fromMemorySegment(F, seg, mins + 4L * H * p, LE)
                        .mul(FloatVector.fromArray(F, sums, sb + H * p)));
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    // ---- Q8_0 -----------------------------------------------------------------------------

    static void q8_0(InterleavedQ8_0Weight w, Activations x, int from, int to, float[] out) {
        float[] xt = x.floatBlockColumns(G8);
        MemorySegment seg = w.data;
        int cols = x.paddedCols(G8);
        int groups = cols / (32 * G8);
        int n = x.n();
        int rows = w.rows;
        for (int rb = from; rb < to; rb += ROW_BLOCK) {
            int re = Math.min(to, rb + ROW_BLOCK);
            int t = 0;
            for (; t + TILE <= n; t += TILE) {
                for (int r = rb; r < re; r++) {
                    q8_0Tile(seg, r * w.rowBytes, groups, xt, t * cols, cols, rows, t, r, out);
                }
            }
            if (t + 2 <= n) {
                for (int r = rb; r < re; r++) {
                    q8_0Tile2(seg, r * w.rowBytes, groups, xt, t * cols, cols, rows, t, r, out);
                }
                t += 2;
            }
            for (; t < n; t++) {
                for (int r = rb; r < re; r++) {
                    out[t * rows + r] = q8_0Dot(seg, r * w.rowBytes, groups, xt, t * cols);
                }
            }
        }
    }

    static float q8_0Dot(MemorySegment seg, long row, int groups, float[] xt, int xo) {
        FloatVector acc = FloatVector.zero(F);
        for (int g = 0; g < groups; g++) {
            long o = row + 34L * G8 * g;
            int xg = xo + 32 * G8 * g;
            FloatVector p0 = FloatVector.zero(F);
            FloatVector p1 = p0;
            for (int k = 0; k < 32; k += 2) {
                p0 = ((FloatVector) ByteVector.fromMemorySegment(BQ, seg, o + (long) G8 * k, LE)
                        .convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.fromArray(F, xt, xg + G8 * k), p0);
                p1 = ((FloatVector) ByteVector.fromMemorySegment(BQ, seg, o + (long) G8 * (k + 1), LE)
                        .convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.fromArray(F, xt, xg + G8 * (k + 1)), p1);
            }
            FloatVector d = ((IntVector) ShortVector.fromMemorySegment(SH, seg, o + 32L * G8, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(F16_MASK)
                    .reinterpretAsFloats().mul(F16_BIAS);
            acc = p0.add(p1).fma(d, acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    private static void q8_0Tile(MemorySegment seg, long row, int groups, float[] xt, int xo, int cols, int rows,
                                 int t, int r, float[] out) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int g = 0; g < groups; g++) {
            long o = row + 34L * G8 * g;
            int xg = xo + 32 * G8 * g;
            FloatVector p0 = FloatVector.zero(F);
            FloatVector p1 = p0;
            FloatVector p2 = p0;
            FloatVector p3 = p0;
            for (int k = 0; k < 32; k++) {
                FloatVector wv = (FloatVector) ByteVector.fromMemorySegment(BQ, seg, o + (long) G8 * k, LE)
                        .convertShape(VectorOperators.B2F, F, 0);
                int xk = xg + G8 * k;
                p0 = wv.fma(FloatVector.fromArray(F, xt, xk), p0);
                p1 = wv.fma(FloatVector.fromArray(F, xt, xk + cols), p1);
                p2 = wv.fma(FloatVector.fromArray(F, xt, xk + 2 * cols), p2);
                p3 = wv.fma(FloatVector.fromArray(F, xt, xk + 3 * cols), p3);
            }
            FloatVector d = ((IntVector) ShortVector.fromMemorySegment(SH, seg, o + 32L * G8, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(F16_MASK)
                    .reinterpretAsFloats().mul(F16_BIAS);
            a0 = p0.fma(d, a0);
            a1 = p1.fma(d, a1);
            a2 = p2.fma(d, a2);
            a3 = p3.fma(d, a3);
        }
        out[t * rows + r] = a0.reduceLanes(VectorOperators.ADD);
        out[(t + 1) * rows + r] = a1.reduceLanes(VectorOperators.ADD);
        out[(t + 2) * rows + r] = a2.reduceLanes(VectorOperators.ADD);
        out[(t + 3) * rows + r] = a3.reduceLanes(VectorOperators.ADD);
    }

    /** Two tokens of {@link #q8_0Tile}: for two or three streams decoding together. */
    private static void q8_0Tile2(MemorySegment seg, long row, int groups, float[] xt, int xo, int cols, int rows,
                                 int t, int r, float[] out) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        for (int g = 0; g < groups; g++) {
            long o = row + 34L * G8 * g;
            int xg = xo + 32 * G8 * g;
            FloatVector p0 = FloatVector.zero(F);
            FloatVector p1 = p0;
            for (int k = 0; k < 32; k++) {
                FloatVector wv = (FloatVector) ByteVector.fromMemorySegment(BQ, seg, o + (long) G8 * k, LE)
                        .convertShape(VectorOperators.B2F, F, 0);
                int xk = xg + G8 * k;
                p0 = wv.fma(FloatVector.fromArray(F, xt, xk), p0);
                p1 = wv.fma(FloatVector.fromArray(F, xt, xk + cols), p1);
            }
            FloatVector d = ((IntVector) ShortVector.fromMemorySegment(SH, seg, o + 32L * G8, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(F16_MASK)
                    .reinterpretAsFloats().mul(F16_BIAS);
            a0 = p0.fma(d, a0);
            a1 = p1.fma(d, a1);
        }
        out[t * rows + r] = a0.reduceLanes(VectorOperators.ADD);
        out[(t + 1) * rows + r] = a1.reduceLanes(VectorOperators.ADD);
    }
}
