package io.jknife.server;

import io.jknife.bench.system.Psi;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalDouble;

/** How much memory the machine has and how much is free now; injectable so tests can fake pressure. */
public interface MemoryReading {
    /** Bytes that can be allocated now without swapping. */
    long availableBytes();

    /** Bytes the process could ever get (physical memory or the cgroup limit). */
    long totalBytes();

    /**
     * Memory pressure now: the share of the last 10 s some task stalled on memory (PSI
     * {@code some avg10}, 0–100), or empty where the kernel does not report it.
     */
    default OptionalDouble pressure() {
        return OptionalDouble.empty();
    }

    /** Linux: min(MemAvailable, cgroup v2 memory.max − memory.current); total is min(MemTotal, memory.max). */
    static MemoryReading linux() {
        return new Linux(Path.of("/proc/meminfo"), Path.of("/sys/fs/cgroup"));
    }

    /** Fixed numbers with a fixed pressure (tests). */
    static MemoryReading fixed(long available, long total, double pressure) {
        return new Fixed(available, total, OptionalDouble.of(pressure));
    }

    /** Fixed numbers, pressure unknown (tests, or machines without /proc). */
    static MemoryReading fixed(long available, long total) {
        return new Fixed(available, total, OptionalDouble.empty());
    }

    record Fixed(long availableBytes, long totalBytes, OptionalDouble pressure) implements MemoryReading {
    }

    record Linux(Path meminfo, Path cgroup) implements MemoryReading {
        @Override
        public long availableBytes() {
            long avail = meminfo("MemAvailable:");
            long max = cgroupValue("memory.max");
            long cur = cgroupValue("memory.current");
            if (max > 0 && cur >= 0) {
                long headroom = Math.max(0, max - cur);
                avail = avail < 0 ? headroom : Math.min(avail, headroom);
            }
            return avail < 0 ? Runtime.getRuntime().maxMemory() : avail;
        }

        @Override
        public long totalBytes() {
            long total = meminfo("MemTotal:");
            long max = cgroupValue("memory.max");
            if (max > 0) {
                total = total < 0 ? max : Math.min(total, max);
            }
            return total < 0 ? Runtime.getRuntime().maxMemory() : total;
        }

        private long meminfo(String key) {
            try {
                for (String line : Files.readAllLines(meminfo)) {
                    if (line.startsWith(key)) {
                        String[] p = line.substring(key.length()).trim().split("\\s+");
                        return Long.parseLong(p[0]) * 1024;
                    }
                }
            } catch (IOException | RuntimeException e) {
                // not Linux, or unreadable
            }
            return -1;
        }

        /** The cgroup's own PSI when it has one (the stalls of this container), else the machine's. */
        @Override
        public OptionalDouble pressure() {
            Psi psi = Psi.read(cgroup.resolve("memory.pressure"));
            if (psi == null) {
                psi = Psi.read(Psi.MEMORY);
            }
            return psi == null ? OptionalDouble.empty() : OptionalDouble.of(psi.someAvg10());
        }

        /** A cgroup v2 file's number; -1 when absent or "max". */
        private long cgroupValue(String file) {
            try {
                List<String> lines = Files.readAllLines(cgroup.resolve(file));
                String v = lines.isEmpty() ? "" : lines.getFirst().trim();
                return v.equals("max") || v.isEmpty() ? -1 : Long.parseLong(v);
            } catch (IOException | RuntimeException e) {
                return -1;
            }
        }
    }
}
