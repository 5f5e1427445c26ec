package io.jknife.bench.system;

import java.nio.file.Path;

/** /proc/meminfo, in bytes. {@code available} is MemAvailable, or an estimate on kernels before 3.14. */
public record MemInfo(long total, long free, long available, long swapTotal, long swapFree, long inactiveFile) {
    public static final Path FILE = Path.of("/proc/meminfo");

    public static MemInfo read() {
        return parse(ProcFiles.read(FILE));
    }

    /** Parses the file's text; null when it is not meminfo. */
    public static MemInfo parse(String text) {
        Long total = kb(text, "MemTotal");
        if (total == null) {
            return null;
        }
        long free = orZero(kb(text, "MemFree"));
        Long available = kb(text, "MemAvailable");
        long inactiveFile = orZero(kb(text, "Inactive(file)"));
        if (available == null) {
            long estimate = free + orZero(kb(text, "Active(file)")) + inactiveFile + orZero(kb(text, "SReclaimable"));
            available = Math.min(estimate, total);
        }
        return new MemInfo(total, free, available, orZero(kb(text, "SwapTotal")), orZero(kb(text, "SwapFree")), inactiveFile);
    }

    public long swapUsed() {
        return Math.max(0, swapTotal - swapFree);
    }

    private static Long kb(String text, String key) {
        Long v = ProcFiles.keyed(text, key);
        return v == null ? null : v * 1024;
    }

    private static long orZero(Long v) {
        return v == null ? 0 : v;
    }
}
