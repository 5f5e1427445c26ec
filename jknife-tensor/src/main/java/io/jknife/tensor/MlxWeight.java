package io.jknife.tensor;

import io.jknife.formats.GgmlType;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * MLX affine group quantization: per row a little-endian bit stream of {@code bits}-bit unsigned
 * values q, per group of {@code groupSize} values a scale s and a bias b; value = s * q + b. Three
 * separate segments (packed values, scales, biases), as mlx-lm stores them, used in place.
 */
final class MlxWeight implements WeightTensor {
    final MlxLayout layout;
    final MemorySegment packed;
    final MemorySegment scales;
    final MemorySegment biases;
    final int rows;
    final int cols;
    final int bits;
    final int groupSize;
    final int groups;
    final long packedRowBytes;
    /** How scales and biases are stored, see {@link MlxKernels#scalar}. */
    final int scaleKind;
    /** log2 of the {@link MlxKernels#CHUNK}-value chunks per group: chunk i is in group i >>> chunkShift. */
    final int chunkShift;

    MlxWeight(MlxLayout layout, MemorySegment packed, MemorySegment scales, MemorySegment biases) {
        this.layout = Objects.requireNonNull(layout, "layout");
        check("packed values", packed, layout.packedBytes());
        check("scales", scales, layout.scalesBytes());
        check("biases", biases, layout.scalesBytes());
        this.packed = packed;
        this.scales = scales;
        this.biases = biases;
        this.rows = layout.rows();
        this.cols = layout.cols();
        this.bits = layout.bits();
        this.groupSize = layout.groupSize();
        this.groups = layout.groups();
        this.packedRowBytes = layout.packedRowBytes();
        this.scaleKind = MlxKernels.scaleKind(layout.scaleType());
        this.chunkShift = Integer.numberOfTrailingZeros(groupSize / MlxKernels.CHUNK);
    }

    private void check(String what, MemorySegment seg, long expected) {
        if (seg == null) {
            throw new IllegalArgumentException(layout.typeName() + " " + what + " missing");
        }
        if (seg.byteSize() != expected) {
            throw new IllegalArgumentException(rows() + " x " + cols() + " " + layout.typeName() + " "
                    + layout.scaleType() + " needs " + expected + " bytes of " + what + ", the segment has "
                    + seg.byteSize());
        }
    }

    @Override
    public String typeName() {
        return layout.typeName();
    }

    @Override
    public int rows() {
        return layout.rows();
    }

    @Override
    public int cols() {
        return layout.cols();
    }

    /** The packed values; the scales and biases are {@link #scales} and {@link #biases}. */
    @Override
    public MemorySegment data() {
        return packed;
    }

    @Override
    public long rowBytes() {
        return layout.rowBytes();
    }

    /** Scale of group g of row r. */
    float scale(int r, int g) {
        return MlxKernels.scalar(scales, (long) r * groups + g, scaleKind);
    }

    /** Bias of group g of row r. */
    float bias(int r, int g) {
        return MlxKernels.scalar(biases, (long) r * groups + g, scaleKind);
    }

    /** The unsigned quantized values of row r, in order, into q[0, cols). */
    void unpack(int r, int[] q) {
        long p = r * packedRowBytes;
        int mask = (1 << bits) - 1;
        // a bit buffer refilled a whole word at a time (a row is whole words)
        long buf = 0;
        int have = 0;
        for (int c = 0; c < cols; c++) {
            if (have < bits) {
                buf |= (packed.get(AbstractWeight.INT, p) & 0xFFFFFFFFL) << have;
                p += 4;
                have += 32;
            }
            q[c] = (int) buf & mask;
            buf >>>= bits;
            have -= bits;
        }
    }

    @Override
    public void rowTo(int r, float[] dst, int off) {
        AbstractWeight.checkRow(this, r, dst, off);
        int[] q = new int[cols];
        unpack(r, q);
        for (int g = 0; g < groups; g++) {
            float s = scale(r, g);
            float b = bias(r, g);
            for (int j = g * groupSize, e = j + groupSize; j < e; j++) {
                dst[off + j] = s * q[j] + b;
            }
        }
    }

    @Override
    public void multiplyRows(Activations x, int rowFrom, int rowTo, float[] out) {
        AbstractWeight.checkMultiply(this, x, rowFrom, rowTo, out);
        MlxKernels.multiply(this, x, rowFrom, rowTo, out);
    }

    @Override
    public String toString() {
        return rows + " x " + cols + " " + layout.typeName() + " (" + layout.scaleType() + " scales)";
    }
}
