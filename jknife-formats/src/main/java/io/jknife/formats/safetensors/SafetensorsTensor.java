package io.jknife.formats.safetensors;

import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor of a safetensors file.
 *
 * @param name  the header key
 * @param dtype element type
 * @param shape dimensions, outermost first (row-major, as in the file)
 * @param begin <b>absolute</b> file offset of the first data byte (header's {@code data_offsets[0]} plus
 *              {@link SafetensorsHeader#dataStart()})
 * @param end   absolute file offset one past the last data byte
 */
public record SafetensorsTensor(String name, SafetensorsDType dtype, long[] shape, long begin, long end) {

    public SafetensorsTensor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("bad offsets [" + begin + ", " + end + ") for " + name);
        }
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** Product of the dimensions (1 for a scalar). The reader has checked it does not overflow. */
    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Bytes of data, {@code end - begin}; the reader checked it equals elementCount times the dtype size. */
    public long byteSize() {
        return end - begin;
    }

    /** Offsets relative to the data region, as written in the header's {@code data_offsets}. */
    public long[] dataOffsets(long dataStart) {
        return new long[]{begin - dataStart, end - dataStart};
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SafetensorsTensor t && name.equals(t.name) && dtype == t.dtype
                && Arrays.equals(shape, t.shape) && begin == t.begin && end == t.end;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), begin, end);
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape) + " @[" + begin + ", " + end + ")";
    }
}
