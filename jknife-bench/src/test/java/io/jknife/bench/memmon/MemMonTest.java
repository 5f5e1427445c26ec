package io.jknife.bench.memmon;

import com.fasterxml.jackson.databind.JsonNode;
import io.jknife.bench.json.Jsonl;
import io.jknife.bench.report.ReportValidator;
import io.jknife.bench.system.MemInfo;
import io.jknife.bench.system.NvidiaSmi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemMonTest {
    private static final List<String> LEGACY_KEYS = List.of("ram_free_gb", "ram_used_gb", "ram_percent", "swap_used_mb", "swap_percent",
            "memory_pressure", "vm_pressure", "load_1", "load_5", "load_15", "cpu_user", "cpu_sys", "cpu_idle", "gpu_active",
            "gpu_device_util", "gpu_renderer_util", "gpu_tiler_util", "ts", "elapsed_s");

    private final ByteArrayOutputStream console = new ByteArrayOutputStream();

    private int memmon(Path out, Double duration, String... cmd) throws Exception {
        return new MemMon(new MemMon.Options(out, 200, duration, List.of(cmd)), new PrintStream(console, true)).run();
    }

    @Test
    void propagatesTheExitStatus(@TempDir Path dir) throws Exception {
        assertEquals(0, memmon(dir.resolve("a.jsonl"), null, "true"));
        assertEquals(3, memmon(dir.resolve("b.jsonl"), null, "sh", "-c", "exit 3"));
        assertEquals(42, memmon(dir.resolve("c.jsonl"), null, "sh", "-c", "exit 42"));
        assertEquals(137, memmon(dir.resolve("d.jsonl"), null, "sh", "-c", "kill -9 $$"), "a signal death is 128+N");
        assertEquals(42, summary(dir.resolve("c.jsonl")).get("exit_code").asInt());
    }

    @Test
    void aCommandThatCannotStartIs127WithASummary(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("m.jsonl");
        assertEquals(127, memmon(out, null, "/nonexistent/command"));
        assertEquals(127, summary(out).get("exit_code").asInt());
        assertTrue(console.toString().contains("cannot run"));
    }

    @Test
    void streamsSamplesAndEndsWithAMatchingSummary(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("m.jsonl");
        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> {
            try {
                return memmon(out, null, "sleep", "3");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(1800);
        assertTrue(Files.readAllLines(out).size() >= 5, "samples are on disk while the command runs");
        assertEquals(0, run.get(30, TimeUnit.SECONDS));

        List<JsonNode> samples = samples(out);
        JsonNode summary = summary(out);
        assertTrue(samples.size() >= 12, "samples: " + samples.size());
        assertEquals(samples.size(), summary.get("samples").asInt());
        JsonNode again = SummaryStats.of(samples).fields(200);
        for (String k : List.of("ram_free_min_gb", "ram_free_max_gb", "ram_free_avg_gb", "swap_max_mb", "load_max", "cpu_user_max",
                "cpu_sys_max", "proc_rss_max_gb", "pressure_max")) {
            assertEquals(again.get(k), summary.get(k), k);
        }
        assertTrue(samples.getFirst().get("elapsed_s").asDouble() < 0.05);
        for (JsonNode s : samples) {
            for (String k : LEGACY_KEYS) {
                assertTrue(s.has(k), k + " in " + s);
            }
        }
        assertTrue(samples.getFirst().get("cpu_user").isNull(), "no CPU delta on the first sample");
        List<JsonNode> withCpu = samples.stream().filter(s -> !s.get("cpu_user").isNull()).toList();
        assertTrue(withCpu.size() >= samples.size() - 3, "only the first sample and catch-up samples lack CPU shares");
        for (JsonNode s : withCpu) {
            double sum = s.get("cpu_user").asDouble() + s.get("cpu_sys").asDouble() + s.get("cpu_idle").asDouble()
                    + s.get("cpu_iowait").asDouble() + s.get("cpu_steal").asDouble();
            assertEquals(100, sum, 0.5, s.toString());
            // while the command runs (sleep 3); a tick between its exit and memmon's end rightly finds no process
            if (s.get("elapsed_s").asDouble() < 2.8) {
                assertTrue(s.get("proc_count").asInt() >= 1, "the command's tree is sampled: " + s);
            }
        }
        List<Double> periods = new ArrayList<>();
        for (int i = 1; i < samples.size(); i++) {
            periods.add(samples.get(i).get("ts").asDouble() - samples.get(i - 1).get("ts").asDouble());
        }
        periods.sort(Double::compare);
        assertEquals(0.2, periods.get(periods.size() / 2), 0.04, "fixed-rate: the median period is the interval");
        assertEquals("sleep 3", summary.get("command").asText());
        assertFalse(summary.get("interrupted").asBoolean());
        assertEquals("procfs", summary.at("/sources/memory").asText());
        if (NvidiaSmi.find() == null) {
            assertEquals("none", summary.at("/sources/gpu").asText());
            assertTrue(samples.stream().allMatch(s -> s.get("gpu_device_util").isNull() && !s.get("gpu_active").asBoolean()));
        }
        ReportValidator v = new ReportValidator(ReportValidator.Mode.PER_VERSION);
        assertTrue(v.validate(out).ok(), v.validate(out).errors().toString());
    }

    @Test
    void ramFreeIsMemAvailable(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("m.jsonl");
        memmon(out, 0.5);
        MemInfo m = MemInfo.read();
        JsonNode s = samples(out).getLast();
        if (s.get("cg_mem_max_gb").isNull()) {
            assertEquals(m.available() / (double) (1L << 30), s.get("ram_free_gb").asDouble(), 0.5);
        } else {
            assertTrue(s.get("ram_free_gb").asDouble() <= s.get("cg_mem_max_gb").asDouble() + 0.01);
        }
        assertEquals((m.swapTotal() - m.swapFree()) / (double) (1L << 20), s.get("swap_used_mb").asDouble(), 64);
    }

    @Test
    void durationModeHasNoExitCode(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("m.jsonl");
        assertEquals(0, memmon(out, 1.0));
        JsonNode summary = summary(out);
        assertNotNull(summary.get("timestamp"));
        assertFalse(summary.has("exit_code"));
        assertEquals(5, summary.get("samples").asInt(), 2);
    }

    @Test
    void optionsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new MemMon.Options(null, 200, 1.0, List.of("true")));
        assertThrows(IllegalArgumentException.class, () -> new MemMon.Options(null, 200, null, List.of()));
        assertThrows(IllegalArgumentException.class, () -> new MemMon.Options(null, 5, 1.0, null));
    }

    @Test
    void noProcessPerSample(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("m.jsonl");
        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> {
            try {
                return memmon(out, null, "sleep", "2");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        int most = 0;
        for (int i = 0; i < 15; i++) {
            Thread.sleep(100);
            most = Math.max(most, (int) ProcessHandle.current().children().count());
        }
        run.get(30, TimeUnit.SECONDS);
        int allowed = NvidiaSmi.find() == null ? 1 : 2;
        assertTrue(most <= allowed, "children of the monitor: " + most);
    }

    @Test
    void sigtermStopsTheChildAndStillWritesTheSummary(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("m.jsonl");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), MemMonMain.class.getName(), out.toString(), "sleep", "60")
                .redirectErrorStream(true).redirectOutput(dir.resolve("console.txt").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline && (!Files.exists(out) || Files.readAllLines(out).size() < 3)) {
            Thread.sleep(100);
        }
        List<ProcessHandle> kids = p.descendants().toList();
        assertFalse(kids.isEmpty());
        p.destroy();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(143, p.exitValue());
        JsonNode summary = summary(out);
        assertTrue(summary.get("interrupted").asBoolean());
        assertEquals(143, summary.get("exit_code").asInt(), "the child got SIGTERM");
        for (ProcessHandle k : kids) {
            assertFalse(k.isAlive(), "child " + k.pid() + " still alive");
        }
    }

    /** A stand-in nvidia-smi that streams like the real one: one long-lived process, its lines become GPU fields. */
    @Test
    void gpuFieldsComeFromOneStreamingNvidiaSmi(@TempDir Path dir) throws Exception {
        Path smi = dir.resolve("nvidia-smi");
        Path starts = dir.resolve("starts.txt");
        Files.writeString(smi, "#!/bin/sh\necho start >> " + starts + "\n"
                + "while true; do echo '0, Fake GPU, 55, 20, 1024, 8192, 100.5, 50'; echo '1, Fake GPU, 35, 10, 2048, 8192, [N/A], 40'; sleep 0.2; done\n");
        smi.toFile().setExecutable(true);
        Path out = dir.resolve("m.jsonl");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), MemMonMain.class.getName(), out.toString(), "sleep", "2")
                .redirectErrorStream(true).redirectOutput(dir.resolve("console.txt").toFile());
        pb.environment().put("JKNIFE_NVIDIA_SMI", smi.toString());
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve("console.txt")));
        assertEquals(1, Files.readAllLines(starts).size(), "one nvidia-smi for the whole run");
        JsonNode last = samples(out).getLast();
        assertTrue(last.get("gpu_active").asBoolean(), last.toString());
        assertEquals(55.0, last.get("gpu_device_util").asDouble(), "the busiest GPU");
        assertEquals(3072.0, last.get("gpu_mem_used_mb").asDouble(), "memory summed over GPUs");
        assertEquals(2, last.get("gpus").size());
        JsonNode summary = summary(out);
        assertEquals("nvidia-smi", summary.at("/sources/gpu").asText());
        assertEquals("Fake GPU", summary.get("gpu_name").asText());
        assertEquals(55.0, summary.get("gpu_device_max").asDouble());
    }

    static List<JsonNode> samples(Path out) throws Exception {
        return Jsonl.read(out).stream().map(Jsonl.Line::node).filter(n -> !n.has("summary")).toList();
    }

    static JsonNode summary(Path out) throws Exception {
        JsonNode last = Jsonl.read(out).getLast().node();
        assertTrue(last.has("summary"), "the last line is the summary: " + last);
        return last.get("summary");
    }
}
