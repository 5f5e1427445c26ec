package io.jknife.tensor;

import io.jknife.formats.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static io.jknife.tensor.AbstractWeight.FLOAT;
import static io.jknife.tensor.AbstractWeight.LE;
import static io.jknife.tensor.AbstractWeight.SHORT;
import static io.jknife.tensor.Vec.BH;
import static io.jknife.tensor.Vec.BQ;
import static io.jknife.tensor.Vec.F;
import static io.jknife.tensor.Vec.I;

/**
 * MLX affine-quantized weights times float activations. Float activations, not the 8-bit ones of
 * the GGML kernels: MLX values are unsigned with a per-group bias, so the result is exact up to
 * float rounding and the bias costs one multiply per group.
 *
 * <p>Decode (fewer than {@link #ROW_TILE_MIN} tokens, 4 and 8 bits): fused, by the algebra
 * {@code sum_j (s*q_j + b)*x_j = s * sum_j q_j*x_j + b * sum_j x_j} per group (applied per
 * 32-value chunk, see {@link #dot4}), the chunk sums of x computed once per {@link Activations}
 * ({@link Activations#groupSums}); the q_j go from packed bytes to floats in registers. A vector
 * of bytes of 4-bit values splits into the low nibbles (the even values) and the high nibbles (the
 * odd ones), so those kernels read the activations in {@link Activations#pairSplit()} order.
 *
 * <p>Prefill (and every token count for 2, 3, 5 and 6 bits): each row is dequantized once into a
 * float scratch row (in registers for 4 and 8 bits, bit by bit for the others) that then stays in
 * L1 while every token is dotted with it, eight (then four, then one) tokens per pass.
 *
 * <p>Hot loops are written out in full, as in {@link Q8Kernels}: no helper takes or returns a vector.
 */
final class MlxKernels {
    /** From this many tokens on, rows are dequantized once into scratch floats. */
    static final int ROW_TILE_MIN = 4;
    /** Values per step of the 4- and 8-bit loops: the smallest group size. */
    static final int CHUNK = 32;
    /** Values per step of the 4-bit loop for groups of 64 and more. */
    static final int WIDE = 64;
    private static final int FL = F.length();

    private MlxKernels() {
    }

    /** The scale storage kinds of {@link #scalar}. */
    static int scaleKind(GgmlType t) {
        return switch (t) {
            case F32 -> 0;
            case F16 -> 1;
            case BF16 -> 2;
            default -> throw new IllegalArgumentException("MLX scales and biases are F16, BF16 or F32, not " + t);
        };
    }

    /** Element {@code index} of a segment of F32 (kind 0), F16 (1) or BF16 (2) values. */
    static float scalar(MemorySegment seg, long index, int kind) {
        return switch (kind) {
            case 0 -> seg.get(FLOAT, 4 * index);
            case 1 -> Float.float16ToFloat(seg.get(SHORT, 2 * index));
            default -> Float.intBitsToFloat((seg.get(SHORT, 2 * index) & 0xFFFF) << 16);
        };
    }

    static void multiply(MlxWeight w, Activations x, int from, int to, float[] out) {
        int n = x.n();
        if (n < ROW_TILE_MIN && (w.bits == 4 || w.bits == 8)) {
            fused(w, x, from, to, out);
        } else {
            rowTiles(w, x, from, to, out);
        }
    }

    // ---- decode: fused dequantize-and-dot ----------------------------------------------------

    private static void fused(MlxWeight w, Activations x, int from, int to, float[] out) {
        float[] xs = w.bits == 4 ? x.pairSplit() : x.floats();
        // 4 bits, groups of 64 or more: 64-value steps, half the per-step overhead
        boolean wide = w.bits == 4 && w.groupSize >= WIDE;
        int chunk = wide ? WIDE : CHUNK;
        float[] cs = x.groupSums(chunk);
        int rows = w.rows;
        int cols = w.cols;
        int chunks = cols / chunk;
        for (int r = from; r < to; r++) {
            for (int t = 0; t < x.n(); t++) {
                out[t * rows + r] = wide ? dot4Wide(w, r, xs, t * cols, cs, t * chunks)
                        : w.bits == 4 ? dot4(w, r, xs, t * cols, cs, t * chunks)
                        : dot8(w, r, xs, t * cols, cs, t * chunks);
            }
        }
    }

    /**
     * Row r of a 4-bit matrix times the pair-split token row at xs[xo]; cs[co] on are the token's
     * 32-value sums. One flat loop over 32-value chunks, each with its group's scale and bias: inner
     * loops of constant length, which C2 unrolls away (a loop over a variable group size costs
     * more per group than its arithmetic).
     */
    static float dot4(MlxWeight w, int r, float[] xs, int xo, float[] cs, int co) {
        MemorySegment p = w.packed;
        MemorySegment sc = w.scales;
        MemorySegment bi = w.biases;
        int kind = w.scaleKind;
        int shift = w.chunkShift;
        int chunks = w.cols / CHUNK;
        long row = r * w.packedRowBytes;
        long g0 = (long) r * w.groups;
        FloatVector acc = FloatVector.zero(F);
        float bsum = 0;
        for (int i = 0; i < chunks; i++) {
            long po = row + (long) i * (CHUNK / 2);
            int xc = xo + i * CHUNK;
            FloatVector lo = FloatVector.zero(F);
            FloatVector hi = FloatVector.zero(F);
            for (int k = 0; k < CHUNK; k += 2 * FL) {
                IntVector raw = (IntVector) ByteVector.fromMemorySegment(BQ, p, po + k / 2, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                lo = ((FloatVector) raw.and(0xF).convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.fromArray(F, xs, xc + k), lo);
                hi = ((FloatVector) raw.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.fromArray(F, xs, xc + k + FL), hi);
            }
            long g = g0 + (i >>> shift);
            acc = lo.add(hi).fma(FloatVector.broadcast(F, scalar(sc, g, kind)), acc);
            bsum = Math.fma(scalar(bi, g, kind), cs[co + i], bsum);
        }
        return acc.reduceLanes(VectorOperators.ADD) + bsum;
    }

    /** {@link #dot4} in 64-value steps, for groups of 64 and 128 (cs: the 64-value sums). */
    static float dot4Wide(MlxWeight w, int r, float[] xs, int xo, float[] cs, int co) {
        MemorySegment p = w.packed;
        MemorySegment sc = w.scales;
        MemorySegment bi = w.biases;
        int kind = w.scaleKind;
        int shift = w.chunkShift - 1;
        int chunks = w.cols / WIDE;
        long row = r * w.packedRowBytes;
        long g0 = (long) r * w.groups;
        FloatVector acc = FloatVector.zero(F);
        float bsum = 0;
        for (int i = 0; i < chunks; i++) {
            long po = row + (long) i * (WIDE / 2);
            int xc = xo + i * WIDE;
            FloatVector lo = FloatVector.zero(F);
            FloatVector hi = FloatVector.zero(F);
            for (int k = 0; k < WIDE; k += 4 * FL) {
                ByteVector raw = ByteVector.fromMemorySegment(BH, p, po + k / 2, LE);
                IntVector r0 = (IntVector) raw.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                IntVector r1 = (IntVector) raw.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 1);
                lo = ((FloatVector) r0.and(0xF).convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.fromArray(F, xs, xc + k), lo);
                hi = ((FloatVector) r0.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.fromArray(F, xs, xc + k + FL), hi);
                lo = ((FloatVector) r1.and(0xF).convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.fromArray(F, xs, xc + k + 2 * FL), lo);
                hi = ((FloatVector) r1.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.fromArray(F, xs, xc + k + 3 * FL), hi);
            }
            long g = g0 + (i >>> shift);
            acc = lo.add(hi).fma(FloatVector.broadcast(F, scalar(sc, g, kind)), acc);
            bsum = Math.fma(scalar(bi, g, kind), cs[co + i], bsum);
        }
        return acc.reduceLanes(VectorOperators.ADD) + bsum;
    }

    /** Row r of an 8-bit matrix times the token row at xs[xo]; as {@link #dot4}, in plain order. */
    static float dot8(MlxWeight w, int r, float[] xs, int xo, float[] cs, int co) {
        MemorySegment p = w.packed;
        MemorySegment sc = w.scales;
        MemorySegment bi = w.biases;
        int kind = w.scaleKind;
        int shift = w.chunkShift;
        int chunks = w.cols / CHUNK;
        long row = r * w.packedRowBytes;
        long g0 = (long) r * w.groups;
        FloatVector acc = FloatVector.zero(F);
        float bsum = 0;
        for (int i = 0; i < chunks; i++) {
            long po = row + (long) i * CHUNK;
            int xc = xo + i * CHUNK;
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            for (int k = 0; k < CHUNK; k += 2 * FL) {
                ByteVector raw = ByteVector.fromMemorySegment(BH, p, po + k, LE);
                FloatVector w0 = (FloatVector) raw.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)
                        .convert(VectorOperators.I2F, 0);
                a0 = w0.fma(FloatVector.fromArray(F, xs, xc + k), a0);
                FloatVector w1 = (FloatVector) raw.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 1)
                        .convert(VectorOperators.I2F, 0);
                a1 = w1.fma(FloatVector.fromArray(F, xs, xc + k + FL), a1);
            }
            long g = g0 + (i >>> shift);
            acc = a0.add(a1).fma(FloatVector.broadcast(F, scalar(sc, g, kind)), acc);
            bsum = Math.fma(scalar(bi, g, kind), cs[co + i], bsum);
        }
        return acc.reduceLanes(VectorOperators.ADD) + bsum;
    }

    // ---- prefill: a dequantized row reused for every token -----------------------------------

    private static void rowTiles(MlxWeight w, Activations x, int from, int to, float[] out) {
        // 4-bit rows come out of the vector dequantizer in pair-split order, like their activations
        boolean split = w.bits == 4;
        float[] xs = split ? x.pairSplit() : x.floats();
        float[] row = new float[w.cols];
        int[] q = w.bits == 4 || w.bits == 8 ? null : new int[w.cols];
        int n = x.n();
        int rows = w.rows;
        int cols = w.cols;
        for (int r = from; r < to; r++) {
            switch (w.bits) {
                case 4 -> dequantize4(w, r, row);
                case 8 -> dequantize8(w, r, row);
                default -> dequantizeAny(w, r, q, row);
            }
            int t = 0;
            for (; t + 8 <= n; t += 8) {
                tile8(row, xs, t * cols, cols, out, t * rows + r, rows);
            }
            for (; t + 4 <= n; t += 4) {
                tile4(row, xs, t * cols, cols, out, t * rows + r, rows);
            }
            for (; t < n; t++) {
                out[t * rows + r] = dot(row, xs, t * cols, cols);
            }
        }
    }

    /** Row r as floats, each chunk of {@link Activations#PAIR_CHUNK} values evens first, then odds. */
    static void dequantize4(MlxWeight w, int r, float[] dst) {
        MemorySegment p = w.packed;
        long row = r * w.packedRowBytes;
        int shift = w.chunkShift;
        for (int i = 0; i < w.cols / CHUNK; i++) {
            int g = i >>> shift;
            FloatVector s = FloatVector.broadcast(F, w.scale(r, g));
            FloatVector b = FloatVector.broadcast(F, w.bias(r, g));
            long po = row + (long) i * (CHUNK / 2);
            int c0 = i * CHUNK;
            for (int k = 0; k < CHUNK; k += 2 * FL) {
                IntVector raw = (IntVector) ByteVector.fromMemorySegment(BQ, p, po + k / 2, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                ((FloatVector) raw.and(0xF).convert(VectorOperators.I2F, 0)).fma(s, b).intoArray(dst, c0 + k);
                ((FloatVector) raw.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0))
                        .fma(s, b).intoArray(dst, c0 + k + FL);
            }
        }
    }

    /** Row r of an 8-bit matrix as floats, in order. */
    static void dequantize8(MlxWeight w, int r, float[] dst) {
        MemorySegment p = w.packed;
        long row = r * w.packedRowBytes;
        int shift = w.chunkShift;
        for (int i = 0; i < w.cols / CHUNK; i++) {
            int g = i >>> shift;
            FloatVector s = FloatVector.broadcast(F, w.scale(r, g));
            FloatVector b = FloatVector.broadcast(F, w.bias(r, g));
            long po = row + (long) i * CHUNK;
            int c0 = i * CHUNK;
            for (int k = 0; k < CHUNK; k += 2 * FL) {
                ByteVector raw = ByteVector.fromMemorySegment(BH, p, po + k, LE);
                ((FloatVector) raw.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0).convert(VectorOperators.I2F, 0))
                        .fma(s, b).intoArray(dst, c0 + k);
                ((FloatVector) raw.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 1).convert(VectorOperators.I2F, 0))
                        .fma(s, b).intoArray(dst, c0 + k + FL);
            }
        }
    }

    /** Row r of any width as floats, in order, unpacked bit by bit (q is scratch). */
    static void dequantizeAny(MlxWeight w, int r, int[] q, float[] dst) {
        w.unpack(r, q);
        int gsz = w.groupSize;
        for (int g = 0; g < w.groups; g++) {
            float s = w.scale(r, g);
            float b = w.bias(r, g);
            for (int j = g * gsz, e = j + gsz; j < e; j++) {
                dst[j] = Math.fma(s, q[j], b);
            }
        }
    }

    /** Four tokens from x[xo] dotted with one float row; out[o + t * stride] for t = 0..3. */
    private static void tile4(float[] row, float[] x, int xo, int cols, float[] out, int o, int stride) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int c = 0; c < cols; c += FL) {
            FloatVector wv = FloatVector.fromArray(F, row, c);
            a0 = wv.fma(FloatVector.fromArray(F, x, xo + c), a0);
            a1 = wv.fma(FloatVector.fromArray(F, x, xo + cols + c), a1);
            a2 = wv.fma(FloatVector.fromArray(F, x, xo + 2 * cols + c), a2);
            a3 = wv.fma(FloatVector.fromArray(F, x, xo + 3 * cols + c), a3);
        }
        out[o] = a0.reduceLanes(VectorOperators.ADD);
        out[o + stride] = a1.reduceLanes(VectorOperators.ADD);
        out[o + 2 * stride] = a2.reduceLanes(VectorOperators.ADD);
        out[o + 3 * stride] = a3.reduceLanes(VectorOperators.ADD);
    }

    /** Eight tokens from x[xo] dotted with one float row; out[o + t * stride] for t = 0..7. */
    private static void tile8(float[] row, float[] x, int xo, int cols, float[] out, int o, int stride) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector a4 = a0;
        FloatVector a5 = a0;
        FloatVector a6 = a0;
        FloatVector a7 = a0;
        for (int c = 0; c < cols; c += FL) {
            FloatVector wv = FloatVector.fromArray(F, row, c);
            int xc = xo + c;
            a0 = wv.fma(FloatVector.fromArray(F, x, xc), a0);
            a1 = wv.fma(FloatVector.fromArray(F, x, xc + cols), a1);
            a2 = wv.fma(FloatVector.fromArray(F, x, xc + 2 * cols), a2);
            a3 = wv.fma(FloatVector.fromArray(F, x, xc + 3 * cols), a3);
            a4 = wv.fma(FloatVector.fromArray(F, x, xc + 4 * cols), a4);
            a5 = wv.fma(FloatVector.fromArray(F, x, xc + 5 * cols), a5);
            a6 = wv.fma(FloatVector.fromArray(F, x, xc + 6 * cols), a6);
            a7 = wv.fma(FloatVector.fromArray(F, x, xc + 7 * cols), a7);
        }
        out[o] = a0.reduceLanes(VectorOperators.ADD);
        out[o + stride] = a1.reduceLanes(VectorOperators.ADD);
        out[o + 2 * stride] = a2.reduceLanes(VectorOperators.ADD);
        out[o + 3 * stride] = a3.reduceLanes(VectorOperators.ADD);
        out[o + 4 * stride] = a4.reduceLanes(VectorOperators.ADD);
        out[o + 5 * stride] = a5.reduceLanes(VectorOperators.ADD);
        out[o + 6 * stride] = a6.reduceLanes(VectorOperators.ADD);
        out[o + 7 * stride] = a7.reduceLanes(VectorOperators.ADD);
    }

    private static float dot(float[] row, float[] x, int xo, int cols) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        for (int c = 0; c < cols; c += 2 * FL) {
            a0 = FloatVector.fromArray(F, row, c).fma(FloatVector.fromArray(F, x, xo + c), a0);
            a1 = FloatVector.fromArray(F, row, c + FL).fma(FloatVector.fromArray(F, x, xo + c + FL), a1);
        }
        return a0.add(a1).reduceLanes(VectorOperators.ADD);
    }
}
