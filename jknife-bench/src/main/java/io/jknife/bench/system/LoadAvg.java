package io.jknife.bench.system;

import java.nio.file.Path;

/** /proc/loadavg (host-wide; Linux counts tasks in uninterruptible sleep too). */
public record LoadAvg(double load1, double load5, double load15) {
    public static final Path FILE = Path.of("/proc/loadavg");

    public static LoadAvg read() {
        return parse(ProcFiles.read(FILE));
    }

    public static LoadAvg parse(String s) {
        if (s == null) {
            return null;
        }
        var f = Fields.split(s);
        try {
            return new LoadAvg(Double.parseDouble(f.get(0)), Double.parseDouble(f.get(1)), Double.parseDouble(f.get(2)));
        } catch (RuntimeException e) {
            return null;
        }
    }
}
