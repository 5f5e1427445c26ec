package io.jknife.formats.ggml;

import io.jknife.formats.GgmlType;

import java.util.Arrays;
import java.util.Objects;

/**
 * One entry of a whisper.cpp GGML file's tensor table.
 *
 * @param name       tensor name, e.g. {@code encoder.conv1.weight}
 * @param dims       dimensions as stored, ggml order ({@code ne[0]}, the innermost, first)
 * @param type       the stored ggml type
 * @param dataOffset absolute file offset of the data
 * @param byteSize   bytes of data
 */
public record WhisperGgmlTensor(String name, long[] dims, GgmlType type, long dataOffset, long byteSize) {

    public WhisperGgmlTensor {
        Objects.requireNonNull(name);
        Objects.requireNonNull(type);
        dims = dims.clone();
    }

    @Override
    public long[] dims() {
        return dims.clone();
    }

    public long elementCount() {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WhisperGgmlTensor t && name.equals(t.name) && Arrays.equals(dims, t.dims)
                && type == t.type && dataOffset == t.dataOffset && byteSize == t.byteSize;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(dims), type, dataOffset, byteSize);
    }

    @Override
    public String toString() {
        return name + " " + type.ggmlName() + Arrays.toString(dims) + " @" + dataOffset + "+" + byteSize;
    }
}
