package io.jknife.hub;

import java.util.Locale;

/** Byte counts for people: {@code 1.2 GB}, {@code 350 MB}, {@code 12 KB} (decimal units, as the Hub shows them). */
public final class Bytes {
    private Bytes() {
    }

    public static String human(long n) {
        if (n < 1000) {
            return n + " B";
        }
        String[] units = {"KB", "MB", "GB", "TB", "PB"};
        double v = n;
        int u = -1;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : "%.1f %s", v, units[u]);
    }
}
