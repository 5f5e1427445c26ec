package io.jknife.bench.memmon;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jknife.bench.json.Jsonl;
import io.jknife.bench.json.Num;
import io.jknife.bench.system.Cgroup;
import io.jknife.bench.system.GpuStream;
import io.jknife.bench.system.Machine;
import io.jknife.bench.system.MemInfo;
import io.jknife.bench.system.ProcessTree;
import io.jknife.bench.system.Processes;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The memory monitor: wraps a command (or runs for a fixed time), samples at a fixed rate on one
 * daemon thread, writes each sample as a JSONL line as it is taken, and ends with one
 * {@code {"summary": ...}} line — also when the monitor is stopped by SIGINT/SIGTERM/SIGHUP (a
 * shutdown hook terminates the child, then writes the summary with {@code interrupted: true}).
 * Returns the child's exit status (128+N when a signal N ended it).
 */
public final class MemMon {
    /** Grace period between SIGTERM and SIGKILL for a child that must be stopped. */
    static final long GRACE_MS = 5000;
    /** A child that got the terminal's SIGINT itself gets this long to exit before we signal it. */
    static final long SELF_EXIT_MS = 500;
    public static final int COMMAND_NOT_FOUND = 127;

    /** What to run: a command (wrap mode) or a duration (monitor-only), never both. */
    public record Options(Path output, int intervalMs, Double durationS, List<String> command) {
        public Options {
            command = command == null ? List.of() : List.copyOf(command);
            if (intervalMs < 10) {
                throw new IllegalArgumentException("interval must be at least 10 ms");
            }
            if (durationS != null && !command.isEmpty()) {
                throw new IllegalArgumentException("--duration and a command exclude each other");
            }
            if (durationS == null && command.isEmpty()) {
                throw new IllegalArgumentException("give a command to wrap (after --) or --duration SECONDS");
            }
        }
    }

    private final Options options;
    private final PrintStream console;
    private final SummaryStats stats = new SummaryStats();
    private SampleWriter writer;
    private ScheduledExecutorService scheduler;
    private GpuStream gpu;
    private Sampler sampler;
    private Process child;
    private ProcessTree tree;
    private long startNanos;
    private long firstNanos;
    private double t0;
    private double cpuAtFirstSample = -1;
    private long firstSampleNanos;
    private int ticks;
    private boolean finished;
    private ObjectNode summary;

    public MemMon(Options options, PrintStream console) {
        this.options = options;
        this.console = console;
    }

    /** Runs to the end; returns the exit status memmon should exit with. */
    public int run() throws IOException, InterruptedException {
        writer = options.output() == null ? null : new SampleWriter(options.output(), console);
        startNanos = System.nanoTime();
        preamble();
        Integer spawnFailure = null;
        if (!options.command().isEmpty()) {
            try {
                child = new ProcessBuilder(options.command()).inheritIO().start();
                tree = new ProcessTree(child.pid());
            } catch (IOException e) {
                console.println("memmon: cannot run " + options.command().getFirst() + ": " + e.getMessage());
                spawnFailure = COMMAND_NOT_FOUND;
            }
        }
        Thread hook = Thread.ofPlatform().unstarted(() -> finish(true, null));
        Runtime.getRuntime().addShutdownHook(hook);
        if (spawnFailure == null) {
            gpu = GpuStream.start(options.intervalMs());
            sampler = new Sampler(tree, Cgroup.of(child == null ? null : child.pid()), gpu, options.intervalMs());
            scheduler = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("memmon-sampler").unstarted(r));
            scheduler.scheduleAtFixedRate(this::tick, 0, options.intervalMs(), TimeUnit.MILLISECONDS);
        }
        Integer code = spawnFailure;
        if (code == null && child != null) {
            code = child.waitFor();
        } else if (code == null) {
            Thread.sleep((long) (options.durationS() * 1000));
            code = 0;
        }
        finish(false, code);
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // shutting down already
        }
        return code;
    }

    /** The summary written last (null before the end). */
    public synchronized ObjectNode summary() {
        return summary;
    }

    private void tick() {
        try {
            long now = System.nanoTime();
            Instant wall = Instant.now();
            double ts = wall.getEpochSecond() + wall.getNano() / 1e9;
            long intervalNanos = TimeUnit.MILLISECONDS.toNanos(options.intervalMs());
            if (firstNanos == 0) {
                firstNanos = now;
                t0 = Num.round(ts, 3);
            }
            boolean late = now - (firstNanos + ticks * intervalNanos) > intervalNanos / 2;
            ticks++;
            ObjectNode s = sampler.sample(now);
            double acqMs = (System.nanoTime() - now) / 1e6;
            s.put(MemmonFields.TS, java.math.BigDecimal.valueOf(ts).setScale(3, java.math.RoundingMode.HALF_UP));
            s.put(MemmonFields.ELAPSED_S, Num.round(Num.round(ts, 3) - t0, 2));
            s.put(MemmonFields.ACQ_MS, Num.round(acqMs, 2));
            s.put(MemmonFields.LATE, late);
            if (cpuAtFirstSample < 0) {
                cpuAtFirstSample = Processes.selfCpuSeconds();
                firstSampleNanos = System.nanoTime();
            }
            stats.add(s);
            if (writer != null) {
                writer.write(SampleLine.of(s));
            }
        } catch (RuntimeException | Error e) {
            console.println("memmon: sample failed: " + e);
        }
    }

    /** Ends the run once: stops the child (when interrupted), the sampler and the GPU stream, writes the summary. */
    private synchronized void finish(boolean interrupted, Integer code) {
        if (finished) {
            return;
        }
        finished = true;
        if (interrupted && child != null) {
            code = stopChild();
        }
        if (scheduler != null) {
            scheduler.shutdown();
            try {
                scheduler.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (gpu != null) {
            gpu.close();
        }
        summary = buildSummary(interrupted, code);
        if (writer != null) {
            ObjectNode line = Jsonl.object();
            line.set(MemmonFields.SUMMARY, summary);
            writer.write(line);
            writer.close();
        }
        SummaryPrinter.print(console, summary, options.output());
    }

    /** SIGTERM → grace → SIGKILL (descendants too); the child's exit status, or null. */
    private Integer stopChild() {
        try {
            if (!child.waitFor(SELF_EXIT_MS, TimeUnit.MILLISECONDS)) {
                List<ProcessHandle> descendants = child.descendants().toList();
                child.destroy();
                if (!child.waitFor(GRACE_MS, TimeUnit.MILLISECONDS)) {
                    descendants.forEach(ProcessHandle::destroyForcibly);
                    child.destroyForcibly();
                    child.waitFor(GRACE_MS, TimeUnit.MILLISECONDS);
                }
            }
            return child.isAlive() ? null : child.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private ObjectNode buildSummary(boolean interrupted, Integer code) {
        ObjectNode s = Jsonl.object();
        double duration = (System.nanoTime() - startNanos) / 1e9;
        s.put(MemmonFields.S_DURATION_S, Num.round(duration, 2));
        s.setAll(stats.fields(options.intervalMs()));
        if (!options.command().isEmpty()) {
            s.put(MemmonFields.S_EXIT_CODE, code);
            s.put(MemmonFields.S_COMMAND, String.join(" ", options.command()));
        }
        s.put(MemmonFields.S_TIMESTAMP, DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(Instant.now().truncatedTo(ChronoUnit.MICROS).atOffset(ZoneOffset.UTC)));
        s.put(MemmonFields.S_PLATFORM, "linux");
        Machine m = Machine.detectWithoutGpu();
        s.put(MemmonFields.S_HOST, m.host());
        ObjectNode src = s.putObject(MemmonFields.S_SOURCES);
        if (sampler != null) {
            sampler.sources().forEach(src::put);
        }
        MemInfo mem = MemInfo.read();
        s.put(MemmonFields.S_RAM_TOTAL_GB, mem == null ? null : Num.round(mem.total() / Num.GIB, 2));
        s.put(MemmonFields.S_GPU_NAME, gpuName());
        s.put(MemmonFields.S_INTERRUPTED, interrupted);
        double cpuNow = Processes.selfCpuSeconds();
        s.put(MemmonFields.S_MONITOR_CPU_S, Num.round(cpuNow, 3));
        double steady = (System.nanoTime() - firstSampleNanos) / 1e9;
        s.put(MemmonFields.S_MONITOR_CPU_PCT, cpuAtFirstSample >= 0 && steady > 0.5
                ? Num.round((cpuNow - cpuAtFirstSample) / steady * 100, 2) : null);
        return s;
    }

    private String gpuName() {
        if (gpu == null) {
            return null;
        }
        var g = gpu.latest(Long.MAX_VALUE / 2_000_000);
        return g.isEmpty() ? null : g.getFirst().name();
    }

    private void preamble() {
        console.println("memmon: sampling every " + options.intervalMs() + " ms"
                + (options.output() == null ? "" : " -> " + options.output()));
        console.println(options.command().isEmpty() ? "memmon: monitoring for " + options.durationS() + " s"
                : "memmon: command: " + String.join(" ", options.command()));
        console.println("-".repeat(60));
    }
}
