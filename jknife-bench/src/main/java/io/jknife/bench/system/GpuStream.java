package io.jknife.bench.system;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * One long-lived {@code nvidia-smi --query-gpu=... -lms INTERVAL} process whose lines a daemon
 * thread parses; the sampler takes the latest reading per GPU. No process per sample.
 */
public final class GpuStream implements AutoCloseable {
    private final Process process;
    private final Map<Integer, GpuReading> latest = new TreeMap<>();
    private volatile long lastNanos;

    private GpuStream(Process process) {
        this.process = process;
        Thread reader = Thread.ofPlatform().daemon().name("memmon-nvidia-smi").unstarted(this::pump);
        reader.start();
    }

    /** Starts the stream, or returns null when there is no nvidia-smi. */
    public static GpuStream start(int intervalMs) {
        Path exe = NvidiaSmi.find();
        if (exe == null) {
            return null;
        }
        try {
            Process p = new ProcessBuilder(exe.toString(), "--query-gpu=" + GpuReading.QUERY, "--format=csv,noheader,nounits",
                    "-lms", Integer.toString(Math.max(100, intervalMs)))
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            return new GpuStream(p);
        } catch (IOException e) {
            return null;
        }
    }

    private void pump() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                GpuReading g = GpuReading.parse(line);
                if (g != null) {
                    synchronized (latest) {
                        latest.put(g.index(), g);
                    }
                    lastNanos = System.nanoTime();
                }
            }
        } catch (IOException e) {
            // process ended
        }
    }

    /** The latest reading per GPU, or an empty list when none arrived in the last {@code maxAgeMs}. */
    public List<GpuReading> latest(long maxAgeMs) {
        if (lastNanos == 0 || System.nanoTime() - lastNanos > TimeUnit.MILLISECONDS.toNanos(maxAgeMs)) {
            return List.of();
        }
        synchronized (latest) {
            return List.copyOf(latest.values());
        }
    }

    public boolean alive() {
        return process.isAlive();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(2, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
