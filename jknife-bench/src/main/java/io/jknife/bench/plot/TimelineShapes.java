package io.jknife.bench.plot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jknife.bench.json.Jsonl;
import io.jknife.bench.json.Num;
import io.jknife.bench.report.BenchRecord;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.jknife.bench.memmon.MemmonFields.*;

/**
 * Background shapes and event markers: test regions over all rows (gray: a model test, light blue:
 * infrastructure, red tint: failed), a helper line at each test start, memory-pressure runs (each run
 * reaches the next sample, so a single sample is visible), RAM guide lines at 50 %/25 % of the
 * machine's RAM, model residency bands from load→unload events, memory-gate waits, and marker traces
 * for model load, unload and gate events.
 */
final class TimelineShapes {
    static final String MODEL_TEST = "rgba(200, 200, 200, 0.3)";
    static final String INFRA_TEST = "rgba(173, 216, 230, 0.2)";
    static final String FAILED_TEST = "rgba(255, 59, 48, 0.10)";
    static final String WARN = "rgba(255, 204, 0, 0.15)";
    static final String CRITICAL = "rgba(255, 59, 48, 0.15)";
    static final String RESIDENT = "rgba(90, 90, 90, 0.45)";
    static final String GATE = "rgba(255, 149, 0, 0.25)";

    private final Timeline t;
    private final Rows rows;

    TimelineShapes(Timeline t, Rows rows) {
        this.t = t;
        this.rows = rows;
    }

    ArrayNode all() {
        ArrayNode shapes = Jsonl.MAPPER.createArrayNode();
        testRegions(shapes);
        pressure(shapes);
        guides(shapes);
        residency(shapes);
        gates(shapes);
        return shapes;
    }

    private void testRegions(ArrayNode shapes) {
        for (Timeline.TestSpan s : t.tests()) {
            String fill = !s.record().passed() ? FAILED_TEST : s.hasModel() ? MODEL_TEST : INFRA_TEST;
            rect(shapes, s.startMin(), s.endMin(), "paper", 0, 1, fill);
        }
        for (Timeline.TestSpan s : t.tests()) {
            ObjectNode line = shapes.addObject();
            line.put("type", "line").put("xref", "x").put("yref", "paper").put("x0", s.startMin()).put("x1", s.startMin())
                    .put("y0", 0).put("y1", 1).put("layer", "below");
            line.putObject("line").put("color", "rgba(128, 128, 128, 0.2)").put("width", 0.5);
        }
    }

    private void pressure(ArrayNode shapes) {
        List<JsonNode> samples = t.samples();
        String domain = rows.memory().axis() + " domain";
        int i = 0;
        while (i < samples.size()) {
            int level = samples.get(i).path(MEMORY_PRESSURE).asInt(1);
            int j = i;
            while (j + 1 < samples.size() && samples.get(j + 1).path(MEMORY_PRESSURE).asInt(1) == level) {
                j++;
            }
            if (level == 2 || level == 4) {
                double x0 = t.minute(samples.get(i).path(TS).asDouble());
                // the run lasts until the next sample (or one interval past the last one)
                double x1 = j + 1 < samples.size() ? t.minute(samples.get(j + 1).path(TS).asDouble())
                        : t.minute(samples.get(j).path(TS).asDouble()) + interval() / 60.0;
                rect(shapes, x0, x1, domain, 0, 1, level == 4 ? CRITICAL : WARN);
            }
            i = j + 1;
        }
    }

    private double interval() {
        JsonNode s = t.summary();
        return s != null && s.path(S_INTERVAL_MS).isNumber() ? s.path(S_INTERVAL_MS).asDouble() / 1000.0 : 0.2;
    }

    private void guides(ArrayNode shapes) {
        double total = t.ramTotalGb();
        if (total <= 0) {
            return;
        }
        for (double[] g : new double[][] {{0.5, 0}, {0.25, 1}}) {
            ObjectNode line = shapes.addObject();
            line.put("type", "line").put("xref", "x domain").put("yref", rows.memory().axis()).put("x0", 0).put("x1", 1)
                    .put("y0", Num.round(g[0] * total, 2)).put("y1", Num.round(g[0] * total, 2)).put("layer", "below");
            line.putObject("line").put("color", g[1] == 0 ? TimelineFigure.GREEN : TimelineFigure.ORANGE).put("width", 1).put("dash", "dot");
        }
    }

    /** Bands at the top of the memory row while a model is loaded (load end → unload). */
    private void residency(ArrayNode shapes) {
        Map<String, Double> loaded = new HashMap<>();
        String domain = rows.memory().axis() + " domain";
        for (BenchRecord e : t.events()) {
            String model = e.eventModelId() == null ? "" : e.eventModelId();
            double x = t.minute(e.eventTs());
            switch (e.eventName()) {
                case "model_load_start" -> loaded.putIfAbsent(model, x);
                case "model_unload" -> {
                    Double from = loaded.remove(model);
                    if (from != null) {
                        rect(shapes, from, x, domain, 0.93, 1.0, RESIDENT);
                    }
                }
                default -> {
                }
            }
        }
        loaded.values().forEach(from -> rect(shapes, from, t.lastMinute(), domain, 0.93, 1.0, RESIDENT));
    }

    private void gates(ArrayNode shapes) {
        Double open = null;
        for (BenchRecord e : t.events()) {
            double x = t.minute(e.eventTs());
            if ("gate_wait_start".equals(e.eventName())) {
                open = x;
            } else if ("gate_wait_end".equals(e.eventName()) && open != null) {
                rect(shapes, open, Math.max(x, open + 0.001), "paper", 0, 1, GATE);
                open = null;
            }
        }
    }

    /** Marker traces for model load, unload and gate events (hover shows the model and details). */
    void eventTraces(ArrayNode data) {
        marker(data, "Model load", "triangle-up", "rgb(52, 199, 89)", "model_load_start", "model_load_end");
        marker(data, "Model unload", "triangle-down", "rgb(90, 90, 90)", "model_unload");
        marker(data, "Memory gate", "hourglass", "rgb(255, 149, 0)", "gate_wait_start", "gate_wait_end");
    }

    private void marker(ArrayNode data, String name, String symbol, String color, String... events) {
        List<BenchRecord> es = t.events().stream().filter(e -> List.of(events).contains(e.eventName())).toList();
        if (es.isEmpty()) {
            return;
        }
        ObjectNode tr = data.addObject();
        tr.put("type", "scatter").put("name", name).put("mode", "markers").put("xaxis", "x").put("yaxis", rows.memory().axis());
        ArrayNode x = tr.putArray("x");
        ArrayNode y = tr.putArray("y");
        ArrayNode text = tr.putArray("text");
        double top = Math.ceil(1.1 * Math.max(t.ramTotalGb(), 1)) * 0.9;
        for (BenchRecord e : es) {
            x.add(Num.round(t.minute(e.eventTs()), 5));
            y.add(top);
            String detail = e.eventData().isObject() && !e.eventData().isEmpty() ? " " + e.eventData() : "";
            text.add(e.eventName() + (e.eventModelId() == null ? "" : ": " + e.eventModelId()) + detail);
        }
        tr.putObject("marker").put("symbol", symbol).put("size", 10).put("color", color);
        tr.put("hovertemplate", "%{text}<extra></extra>");
    }

    private static void rect(ArrayNode shapes, double x0, double x1, String yref, double y0, double y1, String fill) {
        ObjectNode r = shapes.addObject();
        r.put("type", "rect").put("xref", "x").put("yref", yref).put("x0", Num.round(x0, 5)).put("x1", Num.round(x1, 5))
                .put("y0", y0).put("y1", y1).put("fillcolor", fill).put("layer", "below");
        r.putObject("line").put("width", 0);
    }
}
