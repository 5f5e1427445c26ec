package io.jknife.bench.memmon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jknife.bench.json.Jsonl;
import io.jknife.bench.json.Num;

import java.util.ArrayList;
import java.util.List;

import static io.jknife.bench.memmon.MemmonFields.*;

/**
 * Running statistics over the samples for the summary line (constant memory: min/max/sum per
 * metric, acquisition times kept for the 95th percentile only up to a cap). Also used to recompute a
 * summary from a file's samples ({@link #of}).
 */
public final class SummaryStats {
    private static final int ACQ_CAP = 100_000;

    private final Acc ramFree = new Acc();
    private final Acc swap = new Acc();
    private final Acc load = new Acc();
    private final Acc cpuUser = new Acc();
    private final Acc cpuSys = new Acc();
    private final Acc rss = new Acc();
    private final Acc gpuDevice = new Acc();
    private final Acc gpuRenderer = new Acc();
    private final Acc gpuMem = new Acc();
    private final Acc pressure = new Acc();
    private final List<Double> acq = new ArrayList<>();
    private double swapOutPages;
    private int samples;
    private int late;

    /** A sample's values (the same node that was written). */
    public synchronized void add(JsonNode s) {
        samples++;
        ramFree.add(s.get(RAM_FREE_GB));
        swap.add(s.get(SWAP_USED_MB));
        load.add(s.get(LOAD_1));
        cpuUser.add(s.get(CPU_USER));
        cpuSys.add(s.get(CPU_SYS));
        rss.add(s.get(PROC_RSS_GB));
        gpuDevice.add(s.get(GPU_DEVICE_UTIL));
        gpuRenderer.add(s.get(GPU_RENDERER_UTIL));
        gpuMem.add(s.get(GPU_MEM_USED_MB));
        pressure.add(s.get(MEMORY_PRESSURE));
        JsonNode a = s.get(ACQ_MS);
        if (a != null && a.isNumber() && acq.size() < ACQ_CAP) {
            acq.add(a.doubleValue());
        }
        JsonNode out = s.get(SWAP_OUT_PPS);
        JsonNode el = s.get(ELAPSED_S);
        if (out != null && out.isNumber()) {
            swapOutPages += out.doubleValue() * intervalHint(el);
        }
        JsonNode lt = s.get(LATE);
        if (lt != null && lt.asBoolean()) {
            late++;
        }
    }

    private double lastElapsed = -1;

    private double intervalHint(JsonNode elapsed) {
        if (elapsed == null || !elapsed.isNumber()) {
            return 0;
        }
        double e = elapsed.doubleValue();
        double d = lastElapsed < 0 ? 0 : e - lastElapsed;
        lastElapsed = e;
        return Math.max(0, d);
    }

    public synchronized int samples() {
        return samples;
    }

    public synchronized int lateSamples() {
        return late;
    }

    /** The summary's statistics fields (the caller adds run facts: duration, command, exit code...). */
    public synchronized ObjectNode fields(int intervalMs) {
        ObjectNode o = Jsonl.object();
        o.put(S_SAMPLES, samples);
        o.put(S_INTERVAL_MS, intervalMs);
        o.put(S_RAM_FREE_MIN_GB, Num.round(ramFree.min(), 2));
        o.put(S_RAM_FREE_MAX_GB, Num.round(ramFree.max(), 2));
        o.put(S_RAM_FREE_AVG_GB, Num.round(ramFree.avg(), 2));
        o.put(S_SWAP_MAX_MB, Num.round(swap.max(), 1));
        o.put(S_SWAP_AVG_MB, Num.round(swap.avg(), 1));
        o.put(S_SWAP_OUT_PAGES, Math.round(swapOutPages));
        o.put(S_PRESSURE_MAX, pressure.max() == null ? null : (int) (double) pressure.max());
        o.put(S_LOAD_MAX, Num.round(load.max(), 2));
        o.put(S_LOAD_AVG, Num.round(load.avg(), 2));
        o.put(S_CPU_USER_MAX, Num.round(cpuUser.max(), 1));
        o.put(S_CPU_SYS_MAX, Num.round(cpuSys.max(), 1));
        o.put(S_PROC_RSS_MAX_GB, Num.round(rss.max(), 3));
        o.put(S_GPU_DEVICE_MAX, Num.round(gpuDevice.max(), 1));
        o.put(S_GPU_DEVICE_AVG, Num.round(gpuDevice.avg(), 1));
        o.put(S_GPU_RENDERER_MAX, Num.round(gpuRenderer.max(), 1));
        o.put(S_GPU_RENDERER_AVG, Num.round(gpuRenderer.avg(), 1));
        o.put(S_GPU_MEM_USED_MAX_MB, Num.round(gpuMem.max(), 0));
        o.put(S_LATE_SAMPLES, late);
        o.put(S_ACQ_MS_P95, Num.round(Num.percentile(acq, 95), 2));
        return o;
    }

    /** Statistics recomputed from sample lines (for tests and readers). */
    public static SummaryStats of(Iterable<JsonNode> samples) {
        SummaryStats s = new SummaryStats();
        samples.forEach(s::add);
        return s;
    }

    /** min/max/sum/count of the numeric values seen (nulls skipped). */
    private static final class Acc {
        private double min = Double.POSITIVE_INFINITY;
        private double max = Double.NEGATIVE_INFINITY;
        private double sum;
        private long n;

        void add(JsonNode v) {
            if (v == null || !v.isNumber()) {
                return;
            }
            double d = v.doubleValue();
            min = Math.min(min, d);
            max = Math.max(max, d);
            sum += d;
            n++;
        }

        Double min() {
            return n == 0 ? null : min;
        }

        Double max() {
            return n == 0 ? null : max;
        }

        Double avg() {
            return n == 0 ? null : sum / n;
        }
    }
}
