package io.jknife.bench.system;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/** Counts over all processes (one scan of /proc). */
public final class Processes {
    private Processes() {
    }

    /** Zombie processes system-wide (state Z). */
    public static int zombies() {
        int n = 0;
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(Path.of("/proc"), p -> isPid(p.getFileName().toString()))) {
            for (Path dir : dirs) {
                if (StatLine.state(ProcFiles.read(dir.resolve("stat"))) == 'Z') {
                    n++;
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return n;
    }

    /** Zombies among the given processes. */
    public static int zombies(Set<Long> pids) {
        int n = 0;
        for (long pid : pids) {
            if (StatLine.state(ProcFiles.read(Path.of("/proc", Long.toString(pid), "stat"))) == 'Z') {
                n++;
            }
        }
        return n;
    }

    private static boolean isPid(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (!Character.isDigit(name.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** CPU seconds (user + system) this process has used since it started. */
    public static double selfCpuSeconds() {
        long[] f = StatLine.fields(ProcFiles.read(Path.of("/proc/self/stat")));
        return f == null ? 0 : (f[StatLine.UTIME] + f[StatLine.STIME]) / (double) ProcFiles.CLOCK_TICKS;
    }
}
