package io.jknife.tensor;

import io.jknife.formats.GgmlType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** What every weight type shares: shape, memory, argument checks. */
abstract class AbstractWeight implements WeightTensor {
    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    final GgmlType type;
    final MemorySegment data;
    final int rows;
    final int cols;
    final long rowBytes;

    AbstractWeight(GgmlType type, MemorySegment data, int rows, int cols) {
        this(type, data, rows, cols, type.byteSize(cols));
    }

    /** A layout of its own ({@link Interleaved}'s Q4_K) with rows of {@code rowBytes}. */
    AbstractWeight(GgmlType type, MemorySegment data, int rows, int cols, long rowBytes) {
        this.type = type;
        this.data = data;
        this.rows = rows;
        this.cols = cols;
        this.rowBytes = rowBytes;
    }

    /** The GGML type (not part of {@link WeightTensor}: MLX weights have none). */
    public final GgmlType type() {
        return type;
    }

    @Override
    public final String typeName() {
        return type.name();
    }

    @Override
    public final int rows() {
        return rows;
    }

    @Override
    public final int cols() {
        return cols;
    }

    @Override
    public final MemorySegment data() {
        return data;
    }

    @Override
    public final long rowBytes() {
        return rowBytes;
    }

    final float f16(long offset) {
        return Float.float16ToFloat(data.get(SHORT, offset));
    }

    final void checkRow(int r, float[] dst, int off) {
        checkRow(this, r, dst, off);
    }

    final void checkMultiply(Activations x, int rowFrom, int rowTo, float[] out) {
        checkMultiply(this, x, rowFrom, rowTo, out);
    }

    /** The argument checks of {@link WeightTensor#rowTo}, for every implementation. */
    static void checkRow(WeightTensor w, int r, float[] dst, int off) {
        if (r < 0 || r >= w.rows()) {
            throw new IndexOutOfBoundsException("row " + r + " of " + w.rows());
        }
        if (off < 0 || off > dst.length - w.cols()) {
            throw new IndexOutOfBoundsException("no room for " + w.cols() + " values at " + off + " in " + dst.length);
        }
    }

    /** The argument checks of {@link WeightTensor#multiplyRows}, for every implementation. */
    static void checkMultiply(WeightTensor w, Activations x, int rowFrom, int rowTo, float[] out) {
        if (x.cols() != w.cols()) {
            throw new IllegalArgumentException("activations have " + x.cols() + " columns, the " + w
                    + " matrix needs " + w.cols());
        }
        if (rowFrom < 0 || rowTo > w.rows() || rowFrom > rowTo) {
            throw new IndexOutOfBoundsException("rows [" + rowFrom + ", " + rowTo + ") of " + w.rows());
        }
        if (out.length < (long) x.n() * w.rows()) {
            throw new IllegalArgumentException("output of " + out.length + " floats is smaller than "
                    + x.n() + " tokens x " + w.rows() + " rows");
        }
    }

    @Override
    public String toString() {
        return rows + " x " + cols + " " + type;
    }
}
