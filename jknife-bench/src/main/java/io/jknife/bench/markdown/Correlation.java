package io.jknife.bench.markdown;

import com.fasterxml.jackson.databind.JsonNode;
import io.jknife.bench.json.Num;
import io.jknife.bench.report.BenchRecord;
import io.jknife.bench.report.Inputs;
import io.jknife.bench.report.ReportFields.Flags;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import static io.jknife.bench.memmon.MemmonFields.*;

/**
 * memmon samples inside each test's window {@code [start, end]} (precise fields, else
 * {@code [timestamp − duration, timestamp]}: reference defect D2), keyed by record, not by test id
 * (D22). GPU figures are over raw samples (D17).
 */
final class Correlation {
    record Window(int samples, Double gpuAvg, Double gpuMax, Double gpuMemUtilAvg, int pressureMax, double criticalS,
                  int swapOutRun, Double ramMin) {
    }

    final Inputs.MemoryLog log;
    private final Map<BenchRecord, Window> windows = new IdentityHashMap<>();
    final List<Double> gpuSamples = new ArrayList<>();

    Correlation(Inputs.MemoryLog log, List<BenchRecord> tests) {
        this.log = log;
        double interval = intervalS();
        for (BenchRecord r : tests) {
            Double s = r.startTs();
            Double e = r.endTs();
            if (s == null || e == null) {
                continue;
            }
            List<JsonNode> in = log.samples().stream().filter(x -> {
                double ts = x.path(TS).asDouble();
                return ts >= s && ts <= e;
            }).toList();
            if (in.isEmpty()) {
                continue;
            }
            List<Double> gpu = values(in, GPU_DEVICE_UTIL);
            gpuSamples.addAll(gpu);
            int pressure = 1;
            double critical = 0;
            int run = 0;
            int bestRun = 0;
            for (JsonNode x : in) {
                int p = x.path(MEMORY_PRESSURE).asInt(1);
                pressure = Math.max(pressure, p);
                critical += p >= 4 ? interval : 0;
                run = x.path(SWAP_OUT_PPS).asDouble(0) > 0 ? run + 1 : 0;
                bestRun = Math.max(bestRun, run);
            }
            windows.put(r, new Window(in.size(), Num.avg(gpu), Num.max(gpu), Num.avg(values(in, GPU_MEM_UTIL)), pressure,
                    critical, bestRun, Num.min(values(in, RAM_FREE_GB))));
        }
    }

    Window of(BenchRecord r) {
        return windows.get(r);
    }

    int correlated() {
        return windows.size();
    }

    boolean hasGpu() {
        return !gpuSamples.isEmpty();
    }

    double intervalS() {
        JsonNode s = log.summary();
        return s != null && s.path(S_INTERVAL_MS).isNumber() ? s.path(S_INTERVAL_MS).asDouble() / 1000 : 0.2;
    }

    /** Degradation seen in the samples: critical pressure ≥ 1 s, swap-out in ≥ 2 consecutive samples. */
    List<String> flags(BenchRecord r) {
        Window w = windows.get(r);
        if (w == null) {
            return List.of();
        }
        List<String> f = new ArrayList<>();
        if (w.criticalS() >= 1.0) {
            f.add(Flags.DEGRADED_PRESSURE);
        }
        if (w.swapOutRun() >= 2) {
            f.add(Flags.DEGRADED_SWAP);
        }
        return f;
    }

    private static List<Double> values(List<JsonNode> samples, String key) {
        List<Double> v = new ArrayList<>();
        for (JsonNode s : samples) {
            JsonNode n = s.get(key);
            if (n != null && n.isNumber()) {
                v.add(n.doubleValue());
            }
        }
        return v;
    }
}
