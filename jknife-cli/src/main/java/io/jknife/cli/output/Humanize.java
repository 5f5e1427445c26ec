package io.jknife.cli.output;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/** Sizes and ages for human output, as the original prints them (decimal units, "2d ago"). */
public final class Humanize {
    private static final String[] UNITS = {"B", "KB", "MB", "GB", "TB"};

    private Humanize() {
    }

    /** 588B, 1.2KB, 2.1GB: divisor 1000, one decimal above bytes. */
    public static String size(long bytes) {
        double v = bytes;
        for (String unit : UNITS) {
            if (v < 1000) {
                return unit.equals("B") ? String.format("%.0fB", v) : oneDecimal(v) + unit;
            }
            v /= 1000;
        }
        return oneDecimal(v) + "PB";
    }

    /**
     * {@code n} over 1e9, 1e6 or 1e3 with the given suffix ({@code billions} with {@code billionDecimals}
     * decimals, the others with one), or {@code n} itself below 1000.
     */
    public static String scaled(long n, int billionDecimals, String billions, String millions, String thousands) {
        if (n >= 1_000_000_000L) {
            return String.format(java.util.Locale.ROOT, "%." + billionDecimals + "f", n / 1e9) + billions;
        }
        if (n >= 1_000_000L) {
            return String.format(java.util.Locale.ROOT, "%.1f", n / 1e6) + millions;
        }
        if (n >= 1_000L) {
            return String.format(java.util.Locale.ROOT, "%.1f", n / 1e3) + thousands;
        }
        return Long.toString(n);
    }

    /** Python's {@code f"{x:.1f}"}: half-to-even on the binary value. */
    static String oneDecimal(double v) {
        return new BigDecimal(v).setScale(1, RoundingMode.HALF_EVEN).toPlainString();
    }

    /** "just now", "5m ago", "3h ago", "2d ago", else the date; the timestamp is UTC ISO with Z. */
    public static String age(String isoUtc, Instant now) {
        if (isoUtc == null) {
            return "-";
        }
        Instant t;
        try {
            t = Instant.parse(isoUtc);
        } catch (DateTimeParseException e) {
            return isoUtc;
        }
        long s = Duration.between(t, now).getSeconds();
        if (s < 45) {
            return "just now";
        }
        if (s < 90) {
            return "1m ago";
        }
        long m = Math.round(Math.rint(s / 60.0));
        if (m < 45) {
            return m + "m ago";
        }
        if (m < 90) {
            return "1h ago";
        }
        long h = Math.round(Math.rint(m / 60.0));
        if (h < 24) {
            return h + "h ago";
        }
        if (h < 36) {
            return "1d ago";
        }
        long d = Math.round(Math.rint(h / 24.0));
        if (d < 30) {
            return d + "d ago";
        }
        return DateTimeFormatter.ISO_LOCAL_DATE.withZone(ZoneOffset.UTC).format(t);
    }
}
