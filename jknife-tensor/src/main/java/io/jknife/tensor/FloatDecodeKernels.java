package io.jknife.tensor;

import io.jknife.formats.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static io.jknife.tensor.AbstractWeight.LE;
import static io.jknife.tensor.AbstractWeight.SHORT;
import static io.jknife.tensor.Vec.BQ;
import static io.jknife.tensor.Vec.F;
import static io.jknife.tensor.Vec.I;

/**
 * Q4_0 weights times FLOAT activations, for decode (fewer than {@link #MAX_TOKENS} tokens), as
 * {@link MlxKernels} does for MLX: each 16 bytes of nibbles are widened to int lanes, the low and
 * the high nibbles less 8 converted to float lanes and fused-multiply-added with x, and each
 * block's sum of products scaled by its d into the row's accumulator.
 *
 * <p>Why: the 8-bit integer kernels ({@link Q8Kernels}, {@link KKernels}) spend most of a decode
 * step on arithmetic, because the Vector API has no pair-summing multiply-add (vpmaddwd/VNNI) and
 * the pair sums are emulated with three more operations per vector; the float form needs one
 * conversion and one FMA per vector of values. {@code MatMulBench} on a 1B layer stack, 6 runs
 * alternating with the integer kernel on a 2-core AVX-512 EPYC: medians 11.05 against 9.42
 * tokens/s on one thread, 20.92 against 19.30 on two (the float kernel won every pair). Float
 * activations are also exact where the 8-bit ones carry about 0.5 % error per dot product.
 * Prefill keeps the integer tiles and the float tiles, which reuse each decoded weight block for
 * several tokens.
 *
 * <p>One row at a time, one 32-value block per step: variants that read 2 or 4 rows at once (to
 * share the loads of x) or 2 blocks per step were faster on an L2-resident matrix but 1.5-2x
 * slower on a whole model streamed from memory. Hot loops are written out in full, as in
 * {@link Q8Kernels}: no helper takes or returns a vector; inner loops have constant trip counts.
 */
final class FloatDecodeKernels {
    /** Token counts below this take these kernels (one pass over the row per token). */
    static final int MAX_TOKENS = 4;
    /**
     * {@code -Djknife.tensor.intDecode=true} sends decode to the 8-bit integer kernels instead:
     * for side-by-side benchmarks in one build.
     */
    static final boolean DISABLED = Boolean.getBoolean("jknife.tensor.intDecode");
    private static final int FL = F.length();

    private FloatDecodeKernels() {
    }

    /** Whether {@code n} tokens of a covered type go through these kernels. */
    static boolean takes(int n) {
        return n < MAX_TOKENS && !DISABLED;
    }

    /**
     * The weight types these kernels implement. Q4_K in the same form (the minimums from the
     * 32-value sums of x) was 10-40 % slower than its integer kernel on a whole 1B model, so it
     * keeps that one.
     */
    static boolean covers(GgmlType type) {
        return type == GgmlType.Q4_0;
    }

    // ---- Q4_0 -----------------------------------------------------------------------------

    static void q4_0(Q4_0Weight w, Activations x, int from, int to, float[] out) {
        float[] xf = x.floats();
        MemorySegment seg = w.data;
        int cols = w.cols;
        int nb = cols / 32;
        int rows = w.rows;
        int n = x.n();
        for (int r = from; r < to; r++) {
            for (int t = 0; t < n; t++) {
                out[t * rows + r] = q4_0Dot(seg, r * w.rowBytes, nb, xf, t * cols);
            }
        }
    }

    /**
     * The row at byte {@code row} times the floats at xf[xo]: per block, the low nibbles (values
     * 0..15) and the high ones (16..31), minus 8, as floats FMA'd with x, the sum scaled by d.
     */
    static float q4_0Dot(MemorySegment seg, long row, int nb, float[] xf, int xo) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long o = row + 18L * b;
            int xb = xo + 32 * b;
            FloatVector p = FloatVector.zero(F);
            for (int k = 0; k < 16; k += FL) {
                IntVector raw = (IntVector) ByteVector.fromMemorySegment(BQ, seg, o + 2 + k, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                p = ((FloatVector) raw.and(0xF).sub(8).convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.fromArray(F, xf, xb + k), p);
                p = ((FloatVector) raw.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.fromArray(F, xf, xb + 16 + k), p);
            }
            acc = p.fma(FloatVector.broadcast(F, Float.float16ToFloat(seg.get(SHORT, o))), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
