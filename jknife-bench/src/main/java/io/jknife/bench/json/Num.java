package io.jknife.bench.json;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Collection;
import java.util.Objects;

/** Rounding and statistics over values that may be unknown (null) or non-finite. */
public final class Num {
    public static final double GIB = 1024.0 * 1024.0 * 1024.0;
    public static final double MIB = 1024.0 * 1024.0;

    private Num() {
    }

    private static final double[] SCALE = {1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};

    /**
     * {@code v} rounded to {@code dp} decimals (0..9; half away from zero on the binary value); null
     * for null or non-finite values. Plain arithmetic: the sampler calls it dozens of times per sample.
     */
    public static Double round(Double v, int dp) {
        if (v == null || !Double.isFinite(v)) {
            return null;
        }
        double scale = SCALE[dp];
        double scaled = v * scale;
        if (Math.abs(scaled) >= 9.0e15) {
            return v;
        }
        return (v < 0 ? -Math.round(-scaled) : Math.round(scaled)) / scale;
    }

    public static double round(double v, int dp) {
        Double r = round(Double.valueOf(v), dp);
        return r == null ? 0.0 : r;
    }

    public static Double max(Collection<Double> values) {
        return values.stream().filter(Objects::nonNull).max(Double::compare).orElse(null);
    }

    public static Double min(Collection<Double> values) {
        return values.stream().filter(Objects::nonNull).min(Double::compare).orElse(null);
    }

    public static Double avg(Collection<Double> values) {
        var s = values.stream().filter(Objects::nonNull).mapToDouble(Double::doubleValue).summaryStatistics();
        return s.getCount() == 0 ? null : s.getAverage();
    }

    /** Median with even-count averaging; null when empty. */
    public static Double median(Collection<Double> values) {
        double[] v = values.stream().filter(Objects::nonNull).mapToDouble(Double::doubleValue).sorted().toArray();
        if (v.length == 0) {
            return null;
        }
        int m = v.length / 2;
        return v.length % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2.0;
    }

    /** The p-th percentile (0..100), nearest rank; null when empty. */
    public static Double percentile(Collection<Double> values, double p) {
        double[] v = values.stream().filter(Objects::nonNull).mapToDouble(Double::doubleValue).sorted().toArray();
        if (v.length == 0) {
            return null;
        }
        int rank = (int) Math.ceil(p / 100.0 * v.length);
        return v[Math.max(0, Math.min(v.length - 1, rank - 1))];
    }

    /** "12.3" with {@code dp} decimals, half-up; "-" for null. */
    public static String fmt(Double v, int dp) {
        if (v == null || !Double.isFinite(v)) {
            return "-";
        }
        return BigDecimal.valueOf(v).setScale(dp, RoundingMode.HALF_UP).toPlainString();
    }
}
