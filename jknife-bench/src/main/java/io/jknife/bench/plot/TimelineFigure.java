package io.jknife.bench.plot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jknife.bench.json.Jsonl;
import io.jknife.bench.json.Num;

import java.util.List;
import java.util.function.Function;

import static io.jknife.bench.memmon.MemmonFields.*;

/**
 * The Plotly figure ({@code data}, {@code layout}) of a timeline: rows Memory / CPU / GPU on one
 * shared x-axis (minutes) with a range slider, unified hover, fixed y ranges; RAM coloured relative
 * to the machine's RAM (green ≥ 50 %, orange ≥ 25 %, red below), swap on a second axis, VRAM on
 * the GPU row's second axis. Shapes and labels come from {@link TimelineShapes} and
 * {@link TimelineLabels}.
 */
final class TimelineFigure {
    static final String RAM_LINE = "rgb(52, 150, 235)";
    static final String GREEN = "rgb(52, 199, 89)";
    static final String ORANGE = "rgb(255, 149, 0)";
    static final String RED = "rgb(255, 59, 48)";
    static final String GRID = "rgba(128, 128, 128, 0.2)";

    private final Timeline t;
    private final Rows rows;
    private final ArrayNode data = Jsonl.MAPPER.createArrayNode();

    private TimelineFigure(Timeline t) {
        this.t = t;
        this.rows = Rows.of(t.samples());
    }

    /** {@code {"data": [...], "layout": {...}, "labels": {...}}}. */
    static ObjectNode build(Timeline t, String title) {
        return new TimelineFigure(t).figure(title);
    }

    private ObjectNode figure(String title) {
        ArrayNode x = column(s -> (s.path(TS).asDouble() - t.t0()) / 60.0);
        memoryTraces(x);
        if (rows.cpu()) {
            cpuTraces(x);
        }
        if (rows.gpu()) {
            gpuTraces(x);
        }
        TimelineShapes shapes = new TimelineShapes(t, rows);
        shapes.eventTraces(data);
        data.add(TimelineLabels.hoverTrace(t, rows, ramTop()));
        ObjectNode fig = Jsonl.object();
        fig.set("data", data);
        fig.set("layout", layout(title, shapes.all()));
        fig.set("labels", TimelineLabels.build(t, rows));
        return fig;
    }

    double ramTop() {
        double total = t.ramTotalGb() > 0 ? t.ramTotalGb() : maxOf(RAM_FREE_GB);
        return Math.ceil(1.1 * Math.max(total, 1));
    }

    private void memoryTraces(ArrayNode x) {
        Rows.Row r = rows.memory();
        ObjectNode ram = trace("RAM Free (GB)", x, column(s -> num(s, RAM_FREE_GB)), r.axis(), "lines+markers");
        ram.putObject("line").put("color", RAM_LINE).put("width", 1.5);
        ObjectNode marker = ram.putObject("marker").put("size", 3);
        ArrayNode colors = marker.putArray("color");
        double total = t.ramTotalGb();
        for (JsonNode s : t.samples()) {
            double v = s.path(RAM_FREE_GB).asDouble();
            colors.add(total <= 0 ? RAM_LINE : v >= 0.5 * total ? GREEN : v >= 0.25 * total ? ORANGE : RED);
        }
        ram.put("hovertemplate", "RAM free %{y:.1f} GB<extra></extra>");
        data.add(ram);
        if (maxOf(PROC_RSS_GB) > 0) {
            ObjectNode rss = trace("Command RSS (GB)", x, column(s -> num(s, PROC_RSS_GB)), r.axis(), "lines");
            rss.putObject("line").put("color", "rgb(88, 86, 214)").put("width", 1.5).put("dash", "dot");
            rss.put("hovertemplate", "command RSS %{y:.2f} GB<extra></extra>");
            data.add(rss);
        }
        if (maxOf(SWAP_USED_MB) > 0) {
            ObjectNode swap = trace("Swap Used (MB)", x, column(s -> num(s, SWAP_USED_MB)), r.axis2(), "lines");
            swap.putObject("line").put("color", RED).put("width", 2);
            swap.put("hovertemplate", "swap %{y:.0f} MB<extra></extra>");
            data.add(swap);
        }
    }

    private void cpuTraces(ArrayNode x) {
        Rows.Row r = rows.row("CPU");
        ObjectNode user = trace("CPU User %", x, column(s -> num(s, CPU_USER)), r.axis(), "lines");
        user.put("stackgroup", "cpu");
        user.putObject("line").put("color", "rgb(46, 204, 113)").put("width", 1);
        user.put("fillcolor", "rgba(46, 204, 113, 0.3)");
        user.put("hovertemplate", "user %{y:.1f}%<extra></extra>");
        data.add(user);
        ObjectNode sys = trace("CPU Sys %", x, column(s -> num(s, CPU_SYS)), r.axis(), "lines");
        sys.put("stackgroup", "cpu");
        sys.putObject("line").put("color", "rgb(231, 76, 60)").put("width", 1);
        sys.put("fillcolor", "rgba(231, 76, 60, 0.3)");
        sys.put("hovertemplate", "sys %{y:.1f}%<extra></extra>");
        data.add(sys);
        ObjectNode load = trace("CPU Load (1m)", x, column(s -> num(s, LOAD_1)), r.axis2(), "lines");
        load.putObject("line").put("color", "rgb(142, 68, 173)").put("width", 2);
        load.put("hovertemplate", "load %{y:.2f}<extra></extra>");
        data.add(load);
    }

    private void gpuTraces(ArrayNode x) {
        Rows.Row r = rows.row("GPU");
        ObjectNode dev = trace("GPU Util %", x, column(s -> num(s, GPU_DEVICE_UTIL)), r.axis(), "lines");
        dev.putObject("line").put("color", "rgb(255, 127, 14)").put("width", 2);
        dev.put("hovertemplate", "GPU %{y:.0f}%<extra></extra>");
        data.add(dev);
        if (t.samples().stream().anyMatch(s -> s.hasNonNull(GPU_MEM_UTIL))) {
            ObjectNode mem = trace("GPU Memory-controller %", x, column(s -> num(s, GPU_MEM_UTIL)), r.axis(), "lines");
            mem.put("fill", "tozeroy");
            mem.putObject("line").put("color", "rgb(44, 160, 44)").put("width", 1);
            mem.put("fillcolor", "rgba(44, 160, 44, 0.3)");
            mem.put("hovertemplate", "memory controller %{y:.0f}%<extra></extra>");
            data.add(mem);
        }
        if (maxOf(GPU_MEM_USED_MB) > 0) {
            ObjectNode vram = trace("GPU Memory (GB)", x, column(s -> {
                Double mb = num(s, GPU_MEM_USED_MB);
                return mb == null ? null : mb / 1024.0;
            }), r.axis2(), "lines");
            vram.putObject("line").put("color", "rgb(23, 190, 207)").put("width", 1.5).put("dash", "dash");
            vram.put("hovertemplate", "GPU memory %{y:.1f} GB<extra></extra>");
            data.add(vram);
        }
    }

    private ObjectNode layout(String title, ArrayNode shapes) {
        ObjectNode l = Jsonl.object();
        ObjectNode titleNode = l.putObject("title").put("text", title).put("x", 0.01).put("xanchor", "left").put("y", 0.99).put("yref", "container");
        titleNode.putObject("font").put("size", 16);
        l.put("height", rows.height());
        l.put("hovermode", "x unified");
        l.put("paper_bgcolor", "white");
        l.put("plot_bgcolor", "rgba(0,0,0,0)");
        l.putObject("margin").put("t", 110).put("b", 60).put("l", 60).put("r", 60);
        l.putObject("legend").put("orientation", "h").put("yanchor", "bottom").put("y", 1.02).put("xanchor", "right").put("x", 1);
        ObjectNode xa = l.putObject("xaxis");
        xa.putObject("title").put("text", "Time (minutes)");
        xa.put("anchor", rows.bottom().axis()).put("showgrid", true).put("gridcolor", GRID).put("zeroline", false);
        xa.putArray("range").add(0).add(Math.max(t.lastMinute(), 0.01));
        xa.putObject("rangeslider").put("visible", true).put("thickness", 0.05);
        for (Rows.Row r : rows.rows()) {
            ObjectNode y = yaxis(l, r.axis(), r);
            ObjectNode y2 = yaxis(l, r.axis2(), r);
            y2.put("overlaying", r.axis()).put("side", "right").put("showgrid", false);
            switch (r.title()) {
                case "Memory" -> {
                    axisTitle(y, "RAM Free (GB)").putArray("range").add(0).add(ramTop());
                    axisTitle(y2, "Swap (MB)").put("tickformat", ",.0f").putArray("range").add(0).add(Math.max(1, 1.2 * maxOf(SWAP_USED_MB)));
                    y2.put("visible", maxOf(SWAP_USED_MB) > 0);
                }
                case "CPU" -> {
                    axisTitle(y, "CPU %").putArray("range").add(0).add(100);
                    axisTitle(y2, "Load").putArray("range").add(0).add(Math.max(1, Math.ceil(1.2 * maxOf(LOAD_1))));
                }
                default -> {
                    axisTitle(y, "GPU %").putArray("range").add(0).add(100);
                    double totalGb = maxOf(GPU_MEM_TOTAL_MB) / 1024.0;
                    axisTitle(y2, "GPU memory (GB)").putArray("range").add(0).add(Math.max(1, Math.ceil(totalGb > 0 ? totalGb : maxOf(GPU_MEM_USED_MB) / 1024.0 * 1.2)));
                    y2.put("visible", maxOf(GPU_MEM_USED_MB) > 0);
                }
            }
        }
        l.set("shapes", shapes);
        ArrayNode titles = l.putArray("annotations");
        for (Rows.Row r : rows.rows()) {
            titles.addObject().put("text", "<b>" + r.title() + "</b>").put("xref", "paper").put("yref", "paper")
                    .put("x", 0).put("y", r.hi()).put("xanchor", "left").put("yanchor", "bottom").put("showarrow", false)
                    .putObject("font").put("size", 12);
        }
        return l;
    }

    private static ObjectNode yaxis(ObjectNode layout, String axis, Rows.Row r) {
        ObjectNode y = layout.putObject(Rows.Row.layoutKey(axis));
        y.putArray("domain").add(Num.round(r.lo(), 4)).add(Num.round(r.hi(), 4));
        y.put("fixedrange", true).put("gridcolor", GRID).put("zeroline", false);
        if (!axis.equals(r.axis())) {
            return y;
        }
        y.put("anchor", "x");
        return y;
    }

    private static ObjectNode axisTitle(ObjectNode axis, String text) {
        axis.putObject("title").put("text", text).putObject("font").put("size", 11);
        return axis;
    }

    private ObjectNode trace(String name, ArrayNode x, ArrayNode y, String axis, String mode) {
        ObjectNode tr = Jsonl.object();
        tr.put("type", "scatter").put("name", name).put("mode", mode).put("xaxis", "x").put("yaxis", axis);
        tr.set("x", x);
        tr.set("y", y);
        return tr;
    }

    private ArrayNode column(Function<JsonNode, Double> f) {
        ArrayNode a = Jsonl.MAPPER.createArrayNode();
        for (JsonNode s : t.samples()) {
            Double v = f.apply(s);
            if (v == null) {
                a.addNull();
            } else {
                a.add(Num.round(v, 4));
            }
        }
        return a;
    }

    private double maxOf(String key) {
        double m = 0;
        for (JsonNode s : t.samples()) {
            JsonNode v = s.get(key);
            if (v != null && v.isNumber()) {
                m = Math.max(m, v.doubleValue());
            }
        }
        return m;
    }

    static Double num(JsonNode s, String key) {
        JsonNode v = s.get(key);
        return v != null && v.isNumber() ? v.doubleValue() : null;
    }

    static List<String> rowTitles(Rows rows) {
        return rows.rows().stream().map(Rows.Row::title).toList();
    }
}
