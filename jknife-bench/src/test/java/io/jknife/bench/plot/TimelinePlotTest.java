package io.jknife.bench.plot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jknife.bench.Synthetic;
import io.jknife.bench.json.Jsonl;
import io.jknife.bench.report.Inputs;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TimelinePlotTest {
    private static final PlotlyBundle FAKE = new PlotlyBundle("/* plotly stand-in */", "test");

    @Test
    void threeRowsWithRegionsPressureAndEvents(@TempDir Path dir) throws Exception {
        JsonNode fig = figure(dir, true, true, records());
        JsonNode layout = fig.get("layout");
        assertEquals(850, layout.get("height").asInt());
        assertEquals(List.of("Memory", "CPU", "GPU"), titles(layout));
        assertEquals("x unified", layout.get("hovermode").asText());
        assertTrue(layout.at("/xaxis/rangeslider/visible").asBoolean());
        assertEquals(0.05, layout.at("/xaxis/rangeslider/thickness").asDouble());
        assertEquals("Time (minutes)", layout.at("/xaxis/title/text").asText());
        assertEquals(71, layout.at("/yaxis/range/1").asInt(), "RAM axis is relative to the machine: ceil(1.1 × 64)");
        for (var it = layout.properties().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey().startsWith("yaxis")) {
                assertTrue(e.getValue().get("fixedrange").asBoolean(), e.getKey());
            }
        }
        List<String> names = new ArrayList<>();
        fig.get("data").forEach(t -> names.add(t.get("name").asText()));
        assertTrue(names.containsAll(List.of("RAM Free (GB)", "Swap Used (MB)", "CPU User %", "CPU Sys %", "CPU Load (1m)",
                "GPU Util %", "GPU Memory (GB)", "Model load", "Model unload", "Memory gate")), names.toString());
        JsonNode ram = fig.get("data").get(0);
        assertEquals("rgb(52, 150, 235)", ram.at("/line/color").asText());
        assertEquals(TimelineFigure.GREEN, ram.at("/marker/color/0").asText(), "40 of 64 GB is above 50 %");

        JsonNode shapes = layout.get("shapes");
        List<JsonNode> regions = fills(shapes, TimelineShapes.MODEL_TEST);
        assertEquals(1, regions.size());
        assertEquals(1.0 / 60, regions.getFirst().get("x0").asDouble(), 1e-4, "the region starts at test_start_ts on the samples' clock");
        assertEquals("paper", regions.getFirst().get("yref").asText(), "regions span every row");
        assertEquals(1, fills(shapes, TimelineShapes.INFRA_TEST).size());
        assertEquals(0, fills(shapes, TimelineShapes.FAILED_TEST).size() - 1);
        JsonNode critical = fills(shapes, TimelineShapes.CRITICAL).getFirst();
        assertTrue(critical.get("x1").asDouble() > critical.get("x0").asDouble(), "a one-sample run has a width");
        assertEquals(1, fills(shapes, TimelineShapes.WARN).size());
        assertEquals(1, fills(shapes, TimelineShapes.RESIDENT).size());
        assertEquals(1, fills(shapes, TimelineShapes.GATE).size());

        JsonNode labels = fig.get("labels");
        assertEquals(3, labels.get("tests").size(), "skipped tests are not drawn");
        assertEquals("generates_text", labels.at("/tests/0/text").asText());
        assertEquals("Qwen2.5-7B-Instruct-Q4_K_M", labels.at("/models/0/text").asText());
    }

    @Test
    void twoRowsAreTitledByWhatTheyShow(@TempDir Path dir) throws Exception {
        assertEquals(List.of("Memory", "GPU"), titles(figure(dir, false, true, List.of()).get("layout")));
        assertEquals(650, figure(dir, false, true, List.of()).at("/layout/height").asInt());
        assertEquals(List.of("Memory", "CPU"), titles(figure(dir, true, false, List.of()).get("layout")));
        assertEquals(List.of("Memory"), titles(figure(dir, false, false, List.of()).get("layout")));
    }

    @Test
    void nullModelIsInfrastructure(@TempDir Path dir) throws Exception {
        ObjectNode r = Synthetic.test("infra", 1, 2, 1, "passed", null, null, null);
        r.putNull("model");
        JsonNode fig = figure(dir, true, false, List.of(r));
        assertEquals(1, fills(fig.at("/layout/shapes"), TimelineShapes.INFRA_TEST).size());
    }

    @Test
    void pageIsSelfContained(@TempDir Path dir) throws Exception {
        Path mem = Synthetic.memory(dir.resolve("memory.jsonl"), 50, true, false, 0, 0);
        Inputs in = Inputs.read(List.of(mem));
        Path out = dir.resolve("t.html");
        TimelinePlot.write(in.memory().getFirst(), in, "T <1>", FAKE, out);
        String html = Files.readString(out);
        assertFalse(html.contains("<script src"), "no external script");
        assertFalse(html.contains("http://") || html.contains("https://"), "no network address");
        assertTrue(html.contains("<title>T &lt;1&gt;</title>"));
    }

    /** Renders the real page in headless Chromium; skipped where Chromium or the bundled Plotly is missing. */
    @Test
    void rendersInHeadlessChromium(@TempDir Path dir) throws Exception {
        var chromium = Chromium.find();
        Assumptions.assumeTrue(chromium.isPresent(), "Chromium not installed (CI installs it: apt-get install chromium)");
        PlotlyBundle plotly;
        try {
            plotly = PlotlyBundle.load(null);
        } catch (PlotlyBundle.MissingException e) {
            Assumptions.abort("Plotly bundle missing from this build: " + e.getMessage());
            return;
        }
        Path mem = Synthetic.memory(dir.resolve("memory.jsonl"), 300, true, true, 10, 20);
        Path rep = Synthetic.write(dir.resolve("bench.jsonl"), records());
        Inputs in = Inputs.read(List.of(mem, rep));
        Path out = dir.resolve("timeline.html");
        TimelinePlot.write(in.memory().getFirst(), in, "Render test", plotly, out);
        String dom = chromium.get().dumpDom(out, 90);
        assertTrue(dom.contains("main-svg"), "Plotly drew its SVG");
        assertTrue(dom.contains("data-rendered=\"true\""), "the page's script finished");
        for (String text : List.of("RAM Free (GB)", "CPU User %", "GPU Util %", "Model load", "generates_text", "Memory", "Time (minutes)")) {
            assertTrue(dom.contains(text), text + " is in the rendered page");
        }
        assertTrue(dom.contains("rangeslider"), "range slider drawn");
    }

    static List<ObjectNode> records() {
        List<ObjectNode> r = new ArrayList<>();
        r.add(Synthetic.test("generates_text[text_00]", 1, 15, 13, "passed", "org/Qwen2.5-7B-Instruct-Q4_K_M", 4.1, "text"));
        r.add(Synthetic.test("test_lists_models", 16, 18, 2, "passed", null, null, null));
        r.add(Synthetic.test("fails_somehow", 19, 21, 2, "failed", null, null, null));
        r.add(Synthetic.test("skipped_one", 22, 22.1, 0, "skipped", null, null, null));
        r.add(Synthetic.event("model_load_start", 1.5, "org/Qwen2.5-7B-Instruct-Q4_K_M"));
        r.add(Synthetic.event("model_load_end", 3.0, "org/Qwen2.5-7B-Instruct-Q4_K_M"));
        r.add(Synthetic.event("gate_wait_start", 14.0, null));
        r.add(Synthetic.event("gate_wait_end", 14.5, null));
        r.add(Synthetic.event("model_unload", 15.0, "org/Qwen2.5-7B-Instruct-Q4_K_M"));
        return r;
    }

    private static JsonNode figure(Path dir, boolean cpu, boolean gpu, List<ObjectNode> records) throws Exception {
        Path mem = Synthetic.memory(Files.createTempFile(dir, "memory", ".jsonl"), 150, cpu, gpu, 0, 10);
        Path rep = Synthetic.write(Files.createTempFile(dir, "bench", ".jsonl"), records);
        Inputs in = Inputs.read(List.of(mem, rep));
        Timeline t = Timeline.of(in.memory().getFirst(), in.records());
        return TimelineFigure.build(t, "test");
    }

    private static List<String> titles(JsonNode layout) {
        List<String> out = new ArrayList<>();
        layout.get("annotations").forEach(a -> out.add(a.get("text").asText().replace("<b>", "").replace("</b>", "")));
        return out;
    }

    private static List<JsonNode> fills(JsonNode shapes, String color) {
        List<JsonNode> out = new ArrayList<>();
        shapes.forEach(s -> {
            if (color.equals(s.path("fillcolor").asText())) {
                out.add(s);
            }
        });
        return out;
    }

    static ObjectNode unused() {
        return Jsonl.object();
    }
}
