package io.jknife.bench.system;

import java.nio.file.Path;

/**
 * The aggregate {@code cpu} line of /proc/stat, in ticks. guest/guest_nice are already contained in
 * user/nice and are not added again.
 */
public record CpuTimes(long user, long nice, long system, long idle, long iowait, long irq, long softirq, long steal) {
    public static final Path FILE = Path.of("/proc/stat");

    /** Percentages of the interval between two readings; they add up to 100. */
    public record Split(double user, double sys, double idle, double iowait, double steal) {
    }

    public static CpuTimes read() {
        return parse(ProcFiles.read(FILE));
    }

    public static CpuTimes parse(String text) {
        if (text == null || !text.startsWith("cpu ")) {
            return null;
        }
        int nl = text.indexOf('\n');
        var f = Fields.split(text.substring(4, nl < 0 ? text.length() : nl));
        long[] v = new long[8];
        for (int i = 0; i < v.length && i < f.size(); i++) {
            v[i] = Long.parseLong(f.get(i));
        }
        return new CpuTimes(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
    }

    public long total() {
        return user + nice + system + idle + iowait + irq + softirq + steal;
    }

    /** The split of the time between {@code prev} and this reading; null when no time passed. */
    public Split since(CpuTimes prev) {
        if (prev == null) {
            return null;
        }
        double dt = total() - prev.total();
        if (dt <= 0) {
            return null;
        }
        double u = (user + nice) - (prev.user + prev.nice);
        double s = (system + irq + softirq) - (prev.system + prev.irq + prev.softirq);
        double i = idle - prev.idle;
        double w = iowait - prev.iowait;
        double st = steal - prev.steal;
        return new Split(pct(u, dt), pct(s, dt), pct(i, dt), pct(w, dt), pct(st, dt));
    }

    private static double pct(double part, double total) {
        return Math.max(0, part) * 100.0 / total;
    }
}
