package io.jknife.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jknife.bench.json.Jsonl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Synthetic memmon logs and report records on one clock, for plot and report tests. */
public final class Synthetic {
    public static final double T0 = 1_800_000_000.0;

    private Synthetic() {
    }

    /** {@code n} samples every 0.2 s from T0; GPU busy (100 %) between gpuFrom and gpuTo seconds, else idle. */
    public static Path memory(Path file, int n, boolean cpu, boolean gpu, double gpuFrom, double gpuTo) throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double t = i * 0.2;
            ObjectNode s = Jsonl.object();
            s.put("ram_free_gb", 40.0 - (i % 50) * 0.5).put("ram_total_gb", 64.0).put("swap_used_mb", i > n / 2 ? 300.0 : 0.0)
                    .put("memory_pressure", i == 10 ? 4 : i >= 20 && i < 23 ? 2 : 1).put("swap_out_pps", 0.0)
                    .put("proc_rss_gb", 2.0 + i * 0.01);
            if (cpu) {
                s.put("load_1", 1.5).put("cpu_user", 30.0).put("cpu_sys", 5.0).put("cpu_idle", 65.0);
            } else {
                s.putNull("load_1").putNull("cpu_user").putNull("cpu_sys");
            }
            if (gpu) {
                boolean busy = t >= gpuFrom && t <= gpuTo;
                s.put("gpu_active", true).put("gpu_device_util", busy ? 100.0 : 0.0).put("gpu_mem_util", busy ? 40.0 : 0.0)
                        .put("gpu_mem_used_mb", 20480.0).put("gpu_mem_total_mb", 81559.0);
            } else {
                s.put("gpu_active", false).putNull("gpu_device_util").putNull("gpu_mem_used_mb");
            }
            s.put("ts", T0 + t).put("elapsed_s", t);
            lines.add(Jsonl.line(s));
        }
        ObjectNode summary = Jsonl.object();
        summary.putObject("summary").put("duration_s", n * 0.2).put("samples", n).put("interval_ms", 200)
                .put("ram_free_min_gb", 15.5).put("ram_free_max_gb", 40.0).put("swap_max_mb", 300.0).put("load_max", cpu ? 1.5 : 0)
                .put("cpu_user_max", 30.0).put("cpu_sys_max", 5.0).put("ram_total_gb", 64.0).put("timestamp", "2027-01-15T08:00:00+00:00");
        if (gpu) {
            ((ObjectNode) summary.get("summary")).put("gpu_device_max", 100.0).put("gpu_mem_used_max_mb", 20480.0);
        }
        lines.add(Jsonl.line(summary));
        Files.write(file, lines);
        return file;
    }

    /** A test record whose window is [T0+start, T0+end], body = the last {@code body} seconds. */
    public static ObjectNode test(String name, double start, double end, double body, String outcome, String model, Double sizeGb, String modality) {
        ObjectNode r = Jsonl.object();
        r.put("schema_version", "0.3.0").put("timestamp", iso(T0 + end)).put("test_start_ts", T0 + start).put("test_end_ts", T0 + end)
                .put("mlx_knife_version", "0.1.0").put("producer", "jknife")
                .put("test", "jknife-cli/src/test/java/io/jknife/cli/LiveTest.java::LiveTest::" + name).put("outcome", outcome)
                .put("duration", body);
        if (model != null) {
            r.putObject("model").put("id", model).put("size_gb", sizeGb);
        }
        r.putObject("system").putObject("hardware_profile").put("model", "Test Machine").put("cores_physical", 8).put("chip", "Test CPU");
        r.putObject("system_health").put("ram_free_gb", 30.0).put("swap_used_mb", 0).put("zombie_processes", 0)
                .put("zombie_descendants", 0).put("orphan_processes", 0).put("swap_out_pages_delta", 0).putArray("quality_flags").add("clean");
        if (modality != null) {
            r.putObject("metadata").put("inference_modality", modality);
        }
        return r;
    }

    public static ObjectNode event(String event, double at, String model) {
        ObjectNode e = Jsonl.object();
        e.put("schema_version", "0.3.0").put("record_type", "event").put("event", event).put("ts", T0 + at)
                .put("timestamp", iso(T0 + at)).put("mlx_knife_version", "0.1.0").put("model_id", model);
        return e;
    }

    public static Path write(Path file, List<ObjectNode> records) throws IOException {
        Files.write(file, records.stream().map(Jsonl::line).toList());
        return file;
    }

    public static String iso(double epoch) {
        long s = (long) Math.floor(epoch);
        return java.time.Instant.ofEpochSecond(s, Math.round((epoch - s) * 1e9)).atOffset(java.time.ZoneOffset.UTC).toString();
    }
}
