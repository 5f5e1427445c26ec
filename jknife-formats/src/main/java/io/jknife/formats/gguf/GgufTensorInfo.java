package io.jknife.formats.gguf;

import io.jknife.formats.GgmlType;

import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor's entry in a GGUF file. Nothing here is read from the data section.
 *
 * @param name           tensor name, e.g. {@code blk.0.attn_q.weight}
 * @param dims           the shape in ggml order (ne[0] first: ne[0] is the row length)
 * @param type           element type
 * @param relativeOffset offset of the data from the start of the data section
 * @param absoluteOffset offset of the data from the start of the file
 * @param byteSize       bytes of data
 * @param elementCount   product of the dims
 */
public record GgufTensorInfo(String name, long[] dims, GgmlType type, long relativeOffset,
                             long absoluteOffset, long byteSize, long elementCount) {

    public GgufTensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        dims = dims.clone();
    }

    @Override
    public long[] dims() {
        return dims.clone();
    }

    public int rank() {
        return dims.length;
    }

    /** ne[i], or 1 past the stored rank (ggml's convention). */
    public long dim(int i) {
        return i < dims.length ? dims[i] : 1;
    }

    /** Absolute file offset one past the last data byte. */
    public long endOffset() {
        return absoluteOffset + byteSize;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensorInfo t
                && name.equals(t.name) && Arrays.equals(dims, t.dims) && type == t.type
                && relativeOffset == t.relativeOffset && absoluteOffset == t.absoluteOffset
                && byteSize == t.byteSize && elementCount == t.elementCount;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(dims), type, relativeOffset, absoluteOffset);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(dims) + " @" + absoluteOffset + "+" + byteSize;
    }
}
