package io.jknife.bench.system;

import java.nio.file.Path;

/** Pressure stall information ({@code /proc/pressure/memory} or a cgroup's {@code memory.pressure}). */
public record Psi(double someAvg10, double fullAvg10, long someTotalUs, long fullTotalUs) {
    public static final Path MEMORY = Path.of("/proc/pressure/memory");

    public static Psi read(Path file) {
        return parse(ProcFiles.read(file));
    }

    /** Null when the text is not PSI (file missing, PSI disabled). */
    public static Psi parse(String text) {
        if (text == null || !text.startsWith("some ")) {
            return null;
        }
        int full = text.indexOf("\nfull ");
        String some = full < 0 ? text : text.substring(0, full);
        String fl = full < 0 ? "" : text.substring(full + 1);
        return new Psi(dbl(some, "avg10="), dbl(fl, "avg10="), lng(some, "total="), lng(fl, "total="));
    }

    private static String value(String line, String key) {
        int i = line.indexOf(key);
        if (i < 0) {
            return null;
        }
        int from = i + key.length();
        int end = from;
        while (end < line.length() && line.charAt(end) > ' ') {
            end++;
        }
        return line.substring(from, end);
    }

    private static double dbl(String line, String key) {
        String v = value(line, key);
        return v == null ? 0 : Double.parseDouble(v);
    }

    private static long lng(String line, String key) {
        String v = value(line, key);
        return v == null ? 0 : Long.parseLong(v);
    }
}
