package io.jknife.audio;

import java.util.Arrays;

/** A growable float array: the only full-length buffer of a decode is the output. */
final class SampleAccumulator {

    /** Caps the up-front allocation that a (possibly lying) header can ask for. */
    private static final int MAX_INITIAL = 1 << 26;

    private float[] data;
    private int size;

    SampleAccumulator(long expected) {
        data = new float[Math.clamp(expected, 1024, MAX_INITIAL)];
    }

    void add(float v) {
        if (size == data.length) {
            grow(size + 1);
        }
        data[size++] = v;
    }

    void add(float[] src, int off, int len) {
        if (size + len > data.length) {
            grow(size + len);
        }
        System.arraycopy(src, off, data, size, len);
        size += len;
    }

    int size() {
        return size;
    }

    /** The samples, clamped to [-1, 1] (non-finite values become 0), trimmed to size. */
    float[] toArray() {
        float[] out = size == data.length ? data : new float[size];
        for (int i = 0; i < size; i++) { // trim and clamp in one pass
            float v = data[i];
            out[i] = v != v ? 0f : Math.max(-1f, Math.min(1f, v));
        }
        data = null;
        return out;
    }

    private void grow(int min) {
        if (min < 0 || min > Integer.MAX_VALUE - 16) {
            throw new OutOfMemoryError("audio too long for one clip");
        }
        long next = Math.max(min, (long) data.length + (data.length >> 1));
        data = Arrays.copyOf(data, (int) Math.min(next, Integer.MAX_VALUE - 16));
    }
}
