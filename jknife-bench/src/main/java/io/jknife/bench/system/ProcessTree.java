package io.jknife.bench.system;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A process and its descendants. Members are discovered through
 * {@code /proc/PID/task/TID/children} (cheap; falls back to {@link ProcessHandle#descendants()}),
 * which the caller does only now and then; RSS and CPU ticks are read per sample from
 * {@code /proc/PID/stat} of the known members.
 */
public final class ProcessTree {
    private final long root;
    private List<Long> members;
    private final java.util.Map<Long, ProcFile> stats = new java.util.HashMap<>();

    /** RSS in bytes, CPU ticks (utime+stime of live members), member count. */
    public record Usage(long rssBytes, long cpuTicks, int count) {
    }

    public ProcessTree(long root) {
        this.root = root;
        this.members = List.of(root);
    }

    /** Re-discovers the descendants. */
    public void refresh() {
        members = List.copyOf(discover(root));
        stats.keySet().retainAll(new java.util.HashSet<>(members));
    }

    public List<Long> members() {
        return members;
    }

    public Usage usage() {
        long rss = 0;
        long ticks = 0;
        int n = 0;
        for (long pid : members) {
            String stat = stats.computeIfAbsent(pid, p -> new ProcFile(Path.of("/proc", Long.toString(p), "stat"))).read();
            long[] f = StatLine.fields(stat);
            if (f == null) {
                continue;
            }
            n++;
            rss += f[StatLine.RSS] * ProcFiles.PAGE_SIZE;
            ticks += f[StatLine.UTIME] + f[StatLine.STIME];
        }
        return new Usage(rss, ticks, n);
    }

    /** {@code pid} and its descendants, parents before children. */
    public static Set<Long> discover(long pid) {
        Set<Long> out = new LinkedHashSet<>();
        Deque<Long> todo = new ArrayDeque<>();
        todo.add(pid);
        boolean childrenFiles = Files.exists(Path.of("/proc", Long.toString(pid), "task", Long.toString(pid), "children"));
        if (!childrenFiles) {
            out.add(pid);
            ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d -> out.add(d.pid())));
            return out;
        }
        while (!todo.isEmpty()) {
            long p = todo.poll();
            if (!out.add(p)) {
                continue;
            }
            todo.addAll(children(p));
        }
        return out;
    }

    private static List<Long> children(long pid) {
        List<Long> kids = new ArrayList<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                String text = ProcFiles.read(task.resolve("children"));
                if (text == null || text.isBlank()) {
                    continue;
                }
                for (String s : Fields.split(text)) {
                    kids.add(Long.parseLong(s));
                }
            }
        } catch (IOException | RuntimeException e) {
            // the process is gone
        }
        return kids;
    }
}
