package io.jknife.formats.gguf;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A GGUF array value. Short arrays are read with their values; long ones (a 150 000-token
 * vocabulary) are only located: {@code values} is null and {@link GgufReader#readArray} loads
 * them on demand from {@code offset}.
 *
 * @param elementType the type of every element (never ARRAY: nested arrays are rejected, as
 *                    llama.cpp does)
 * @param length      number of elements
 * @param offset      absolute file offset of the first element, or -1 for an array built in memory
 * @param values      the elements as the plain Java types of {@link GgufValueType}, or null when
 *                    not loaded
 */
public record GgufArray(GgufValueType elementType, long length, long offset, List<Object> values) {

    public GgufArray {
        Objects.requireNonNull(elementType, "elementType");
        if (elementType == GgufValueType.ARRAY) {
            throw new IllegalArgumentException("nested arrays are not supported");
        }
        if (length < 0) {
            throw new IllegalArgumentException("negative length " + length);
        }
        if (values != null) {
            if (values.size() != length) {
                throw new IllegalArgumentException("length " + length + " but " + values.size() + " values");
            }
            values = Collections.unmodifiableList(new ArrayList<>(values));
        }
    }

    /** An in-memory array, e.g. for {@link GgufWriter}. */
    public static GgufArray of(GgufValueType elementType, List<?> values) {
        return new GgufArray(elementType, values.size(), -1, new ArrayList<>(values));
    }

    public static GgufArray ofStrings(List<String> values) {
        return of(GgufValueType.STRING, values);
    }

    public boolean isLoaded() {
        return values != null;
    }

    /** The values as strings; for STRING arrays that are loaded. */
    public List<String> strings() {
        requireLoaded();
        if (elementType != GgufValueType.STRING) {
            throw new IllegalStateException("array of " + elementType + ", not STRING");
        }
        List<String> out = new ArrayList<>(values.size());
        for (Object v : values) {
            out.add((String) v);
        }
        return out;
    }

    /** The values as longs; for loaded integer or BOOL (0/1) arrays. */
    public long[] longs() {
        requireLoaded();
        if (!elementType.isInteger() && elementType != GgufValueType.BOOL) {
            throw new IllegalStateException("array of " + elementType + ", not integers");
        }
        long[] out = new long[values.size()];
        for (int i = 0; i < out.length; i++) {
            Object v = values.get(i);
            out[i] = v instanceof Boolean b ? (b ? 1 : 0) : ((Number) v).longValue();
        }
        return out;
    }

    /** The values as doubles; for loaded numeric arrays. */
    public double[] doubles() {
        requireLoaded();
        if (elementType == GgufValueType.STRING || elementType == GgufValueType.BOOL) {
            throw new IllegalStateException("array of " + elementType + ", not numbers");
        }
        double[] out = new double[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) values.get(i)).doubleValue();
        }
        return out;
    }

    private void requireLoaded() {
        if (values == null) {
            throw new IllegalStateException(
                    "array of " + length + " elements was not loaded; use GgufReader.readArray");
        }
    }

    @Override
    public String toString() {
        return "GgufArray[" + elementType + " x " + length + (values == null ? ", not loaded" : "") + "]";
    }
}
