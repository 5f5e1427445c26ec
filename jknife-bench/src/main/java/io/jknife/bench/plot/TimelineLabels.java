package io.jknife.bench.plot;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jknife.bench.json.Jsonl;
import io.jknife.bench.json.Num;

import java.util.Objects;

/**
 * Label candidates for the page's script, which places only those that fit at the current zoom
 * (no overlap; a kept label says how many neighbours it hides): a test label at each test start, a
 * model label where the model changes. Full names show in the hover of invisible points at region
 * centres.
 */
final class TimelineLabels {
    static final int TEST_LABEL_MAX = 30;
    static final int MODEL_LABEL_MAX = 32;

    private TimelineLabels() {
    }

    static ObjectNode build(Timeline t, Rows rows) {
        ObjectNode labels = Jsonl.object();
        labels.put("axis", rows.memory().axis());
        ArrayNode tests = labels.putArray("tests");
        ArrayNode models = labels.putArray("models");
        String previous = null;
        for (Timeline.TestSpan s : t.tests()) {
            tests.addObject().put("x", Num.round(s.startMin(), 5)).put("text", shortTest(s.record().test()));
            if (s.hasModel() && !Objects.equals(s.modelId(), previous)) {
                models.addObject().put("x", Num.round(s.startMin(), 5)).put("text", shortModel(s.modelId()));
            }
            if (s.hasModel()) {
                previous = s.modelId();
            }
        }
        return labels;
    }

    /** Invisible points at region centres whose hover shows the full test id, model and duration. */
    static ObjectNode hoverTrace(Timeline t, Rows rows, double ramTop) {
        ObjectNode tr = Jsonl.object();
        tr.put("type", "scatter").put("name", "Tests").put("mode", "markers").put("showlegend", false)
                .put("xaxis", "x").put("yaxis", rows.memory().axis());
        ArrayNode x = tr.putArray("x");
        ArrayNode y = tr.putArray("y");
        ArrayNode text = tr.putArray("text");
        for (Timeline.TestSpan s : t.tests()) {
            x.add(Num.round((s.startMin() + s.endMin()) / 2, 5));
            y.add(Num.round(ramTop * 0.5, 2));
            text.add(s.record().test() + " (" + s.record().outcome() + ", " + Num.fmt(s.record().duration(), 1) + " s"
                    + (s.hasModel() ? ", " + s.modelId() : "") + ")");
        }
        tr.putObject("marker").put("opacity", 0).put("size", 8);
        tr.put("hovertemplate", "%{text}<extra></extra>");
        return tr;
    }

    /** The function name: after the last {@code ::}, before {@code [}, without {@code test_}, at most 30 chars. */
    static String shortTest(String id) {
        if (id == null) {
            return "?";
        }
        String name = id.substring(id.lastIndexOf("::") + (id.contains("::") ? 2 : 0));
        int bracket = name.indexOf('[');
        if (bracket >= 0) {
            name = name.substring(0, bracket);
        }
        if (name.startsWith("test_")) {
            name = name.substring(5);
        }
        return name.length() > TEST_LABEL_MAX ? name.substring(0, TEST_LABEL_MAX - 3) + "..." : name;
    }

    static String shortModel(String id) {
        String last = id.substring(id.lastIndexOf('/') + 1);
        return last.length() > MODEL_LABEL_MAX ? last.substring(0, MODEL_LABEL_MAX - 3) + "..." : last;
    }
}
