package io.jknife.chat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Python's {@code seq[start:stop:step]} for lists and strings (strings by code point). */
final class PySlice {

    private PySlice() {
    }

    /**
     * @param start null for Python's default
     * @param stop  null for Python's default
     * @param step  null for 1; 0 is an error, as in Python
     */
    static Object slice(Object base, Long start, Long stop, Long step) {
        if (base == null) {
            throw new IllegalArgumentException("'NoneType' object is not subscriptable");
        }
        long st = step == null ? 1 : step;
        if (st == 0) {
            throw new IllegalArgumentException("slice step cannot be zero");
        }
        if (base instanceof CharSequence cs) {
            int[] cps = cs.toString().codePoints().toArray();
            StringBuilder b = new StringBuilder();
            for (long i : indices(cps.length, start, stop, st)) {
                b.appendCodePoint(cps[(int) i]);
            }
            return b.toString();
        }
        List<?> items;
        if (base instanceof List<?> l) {
            items = l;
        } else if (base instanceof Object[] arr) {
            items = Arrays.asList(arr);
        } else if (base instanceof Map<?, ?> m) {
            throw new IllegalArgumentException("unhashable type: 'slice' (slicing a mapping)");
        } else if (base instanceof Iterable<?> it) {
            List<Object> copy = new ArrayList<>();
            it.forEach(copy::add);
            items = copy;
        } else {
            throw new IllegalArgumentException("'" + base.getClass().getSimpleName() + "' object is not subscriptable");
        }
        List<Object> out = new ArrayList<>();
        for (long i : indices(items.size(), start, stop, st)) {
            out.add(items.get((int) i));
        }
        return out;
    }

    /** The indices Python's {@code slice(start, stop, step).indices(length)} walks. */
    private static long[] indices(int length, Long start, Long stop, long step) {
        long lower = step < 0 ? -1 : 0;
        long upper = step < 0 ? length - 1 : length;
        long s = start == null ? (step < 0 ? upper : lower) : clamp(start, length, lower, upper);
        long e = stop == null ? (step < 0 ? lower : upper) : clamp(stop, length, lower, upper);
        List<Long> out = new ArrayList<>();
        for (long i = s; step > 0 ? i < e : i > e; i += step) {
            out.add(i);
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    private static long clamp(long i, int length, long lower, long upper) {
        if (i < 0) {
            i += length;
            return Math.max(i, lower);
        }
        return Math.min(i, upper);
    }
}
