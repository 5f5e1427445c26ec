package io.jknife.bench.plot;

import com.fasterxml.jackson.databind.JsonNode;
import io.jknife.bench.report.BenchRecord;
import io.jknife.bench.report.Inputs;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static io.jknife.bench.memmon.MemmonFields.*;

/**
 * The data of one timeline on one time base: minutes since the first sample's {@code ts}, for
 * samples, test windows and events alike (reference defect D26).
 */
record Timeline(List<JsonNode> samples, JsonNode summary, List<TestSpan> tests, List<BenchRecord> events, double t0,
                double lastMinute, double ramTotalGb) {

    /** A test drawn on the timeline. */
    record TestSpan(BenchRecord record, double startMin, double endMin, String modelId) {
        boolean hasModel() {
            return modelId != null;
        }
    }

    static Timeline of(Inputs.MemoryLog mem, List<BenchRecord> records) {
        List<JsonNode> samples = mem.samples();
        double t0 = samples.isEmpty() ? 0 : samples.getFirst().path(TS).asDouble();
        double last = samples.isEmpty() ? 0 : (samples.getLast().path(TS).asDouble() - t0) / 60.0;
        List<TestSpan> tests = new ArrayList<>();
        List<BenchRecord> events = new ArrayList<>();
        for (BenchRecord r : records) {
            if (r.isEvent()) {
                if (r.eventTs() != null) {
                    events.add(r);
                }
                continue;
            }
            if (!(r.passed() || "failed".equals(r.outcome()))) {
                continue;
            }
            Double s = r.startTs();
            Double e = r.endTs();
            if (s == null || e == null) {
                continue;
            }
            double sm = (s - t0) / 60.0;
            double em = Math.min((e - t0) / 60.0, last);
            if (sm < 0 || sm > last) {
                continue;
            }
            tests.add(new TestSpan(r, sm, Math.max(sm, em), r.modelId()));
        }
        tests.sort(Comparator.comparingDouble(TestSpan::startMin));
        events.sort(Comparator.comparingDouble(BenchRecord::eventTs));
        return new Timeline(samples, mem.summary(), tests, events, t0, last, ramTotal(samples, mem.summary()));
    }

    double minute(double ts) {
        return (ts - t0) / 60.0;
    }

    private static double ramTotal(List<JsonNode> samples, JsonNode summary) {
        if (summary != null && summary.path(S_RAM_TOTAL_GB).isNumber()) {
            return summary.path(S_RAM_TOTAL_GB).asDouble();
        }
        double max = 0;
        for (JsonNode s : samples) {
            max = Math.max(max, s.path(RAM_TOTAL_GB).asDouble(0));
            max = Math.max(max, s.path(RAM_FREE_GB).asDouble(0));
        }
        return max;
    }
}
