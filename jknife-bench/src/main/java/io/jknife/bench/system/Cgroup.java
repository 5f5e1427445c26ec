package io.jknife.bench.system;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The memory cgroup of a process: v2 ({@code 0::/path} under /sys/fs/cgroup) or, failing that, the
 * v1 memory controller. Values in bytes; {@code max} null when unlimited.
 */
public final class Cgroup {
    private static final Path ROOT = Path.of("/sys/fs/cgroup");
    private static final long UNLIMITED = 1L << 60;

    private final int version;
    private final Path dir;
    private final java.util.Map<String, ProcFile> files = new java.util.HashMap<>();

    Cgroup(int version, Path dir) {
        this.version = version;
        this.dir = dir;
    }

    public int version() {
        return version;
    }

    public Path dir() {
        return dir;
    }

    /** The file's content through a kept-open handle (one pread per sample). */
    private synchronized String file(String name) {
        return files.computeIfAbsent(name, n -> new ProcFile(dir.resolve(n))).read();
    }

    private Long value(String name) {
        String s = file(name);
        if (s == null) {
            return null;
        }
        s = s.trim();
        if (s.isEmpty() || s.equals("max")) {
            return null;
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** A reading of the cgroup's memory. */
    public record Memory(Long current, Long max, Long swapCurrent, Long inactiveFile, Long oomKills) {
        /** What the cgroup can still take: max − current + inactive file pages; null when unlimited. */
        public Long headroom() {
            if (max == null || current == null) {
                return null;
            }
            return Math.max(0, max - current + (inactiveFile == null ? 0 : inactiveFile));
        }
    }

    /** The cgroup of {@code pid} (or of this process when pid is null); null when none is readable. */
    public static Cgroup of(Long pid) {
        String text = ProcFiles.read(Path.of("/proc", pid == null ? "self" : pid.toString(), "cgroup"));
        if (text == null) {
            return null;
        }
        String v1 = null;
        for (String line : text.split("\n")) {
            if (line.startsWith("0::")) {
                Path dir = under(ROOT, line.substring(3));
                if (Files.exists(dir.resolve("memory.current"))) {
                    return new Cgroup(2, dir);
                }
            }
            String[] f = line.split(":", 3);
            if (f.length == 3 && f[1].equals("memory")) {
                v1 = f[2];
            }
        }
        if (v1 != null) {
            Path base = ROOT.resolve("memory");
            Path dir = under(base, v1);
            if (Files.exists(dir.resolve("memory.usage_in_bytes"))) {
                return new Cgroup(1, dir);
            }
            if (Files.exists(base.resolve("memory.usage_in_bytes"))) {
                return new Cgroup(1, base);
            }
        }
        return null;
    }

    private static Path under(Path root, String rel) {
        String r = rel.startsWith("/") ? rel.substring(1) : rel;
        return r.isEmpty() ? root : root.resolve(r);
    }

    private int calls;
    private Memory cached;

    /**
     * A reading for the sampler: usage every call; the limit, OOM count and inactive file pages
     * (the big memory.stat, read only under a limit) every 5th call — they change rarely and cost
     * the kernel most.
     */
    public synchronized Memory memory() {
        if (cached == null || calls++ % 5 == 0) {
            cached = memoryFresh();
            return cached;
        }
        Long current = value(version == 2 ? "memory.current" : "memory.usage_in_bytes");
        cached = new Memory(current, cached.max(), version == 2 ? value("memory.swap.current") : null, cached.inactiveFile(), cached.oomKills());
        return cached;
    }

    /** Every value read now (for the per-test health probe). */
    public synchronized Memory memoryFresh() {
        if (version == 2) {
            Long max = limit(value("memory.max"));
            return new Memory(value("memory.current"), max, value("memory.swap.current"),
                    max == null ? null : ProcFiles.keyed(file("memory.stat"), "inactive_file"),
                    ProcFiles.keyed(file("memory.events"), "oom_kill"));
        }
        Long max = limit(value("memory.limit_in_bytes"));
        Long inactive = null;
        if (max != null) {
            String stat = file("memory.stat");
            inactive = ProcFiles.keyed(stat, "total_inactive_file");
            if (inactive == null) {
                inactive = ProcFiles.keyed(stat, "inactive_file");
            }
        }
        return new Memory(value("memory.usage_in_bytes"), max, null, inactive, ProcFiles.keyed(file("memory.oom_control"), "oom_kill"));
    }

    private static Long limit(Long v) {
        return v == null || v >= UNLIMITED ? null : v;
    }
}
