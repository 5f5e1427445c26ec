package io.jknife.bench.system;

import java.nio.file.Path;

/** Swap activity counters of /proc/vmstat (pages since boot). */
public record VmStat(long pswpin, long pswpout) {
    public static final Path FILE = Path.of("/proc/vmstat");

    public static VmStat read() {
        return parse(ProcFiles.read(FILE));
    }

    public static VmStat parse(String text) {
        Long in = ProcFiles.keyed(text, "pswpin");
        Long out = ProcFiles.keyed(text, "pswpout");
        return in == null || out == null ? null : new VmStat(in, out);
    }
}
