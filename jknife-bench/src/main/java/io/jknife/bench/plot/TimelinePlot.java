package io.jknife.bench.plot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jknife.bench.json.Jsonl;
import io.jknife.bench.json.Num;
import io.jknife.bench.report.Inputs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.jknife.bench.memmon.MemmonFields.*;

/**
 * {@code bench plot}: one self-contained HTML page (Plotly inlined, no network) with the timeline of
 * a memmon log and the tests and events of report files.
 */
public final class TimelinePlot {
    /** What was drawn. */
    public record Result(Path output, int samples, int tests, int modelTests, int events, List<String> rows) {
    }

    private TimelinePlot() {
    }

    public static Result write(Inputs.MemoryLog memory, Inputs inputs, String title, PlotlyBundle plotly, Path output) throws IOException {
        Timeline t = Timeline.of(memory, inputs.records());
        ObjectNode fig = TimelineFigure.build(t, title);
        Rows rows = Rows.of(t.samples());
        String html = html(title, fig, plotly, summary(t));
        Path parent = output.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Path tmp = output.resolveSibling(output.getFileName() + ".part");
        Files.writeString(tmp, html, StandardCharsets.UTF_8);
        Files.move(tmp, output, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        int modelTests = (int) t.tests().stream().filter(Timeline.TestSpan::hasModel).count();
        return new Result(output, t.samples().size(), t.tests().size(), modelTests, t.events().size(), TimelineFigure.rowTitles(rows));
    }

    static String html(String title, ObjectNode fig, PlotlyBundle plotly, String summary) throws IOException {
        String figure = Jsonl.line(fig).replace("<", "\\u003c");
        return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + escape(title) + "</title>\n"
                + "<style>body{font-family:sans-serif;margin:8px;} #jknife-summary{color:#666;font-size:12px;margin:4px 60px;}</style>\n"
                + "<!-- " + escape(plotly.label()) + " (MIT license), embedded -->\n"
                + "<script>" + plotly.inlineSafe() + "</script>\n</head>\n<body>\n"
                + "<div id=\"jknife-plot\"></div>\n<div id=\"jknife-summary\">" + escape(summary) + "</div>\n"
                + "<script type=\"application/json\" id=\"jknife-figure\">" + figure + "</script>\n"
                + "<script>" + resource("timeline.js") + "</script>\n</body>\n</html>\n";
    }

    /** Duration, samples, RAM range, swap peak; CPU and GPU parts only when they have data. */
    static String summary(Timeline t) {
        JsonNode s = t.summary();
        if (s == null) {
            return "Samples: " + t.samples().size() + " (the run ended without a summary line)";
        }
        StringBuilder sb = new StringBuilder();
        sb.append("Duration: ").append(Num.fmt(s.path(S_DURATION_S).asDouble() / 60.0, 1)).append(" min")
                .append(" | Samples: ").append(s.path(S_SAMPLES).asInt())
                .append(" | RAM: ").append(Num.fmt(num(s, S_RAM_FREE_MIN_GB), 1)).append("-").append(Num.fmt(num(s, S_RAM_FREE_MAX_GB), 1)).append(" GB")
                .append(" | Swap peak: ").append(Num.fmt(num(s, S_SWAP_MAX_MB), 0)).append(" MB");
        Double load = num(s, S_LOAD_MAX);
        if (load != null && load > 0) {
            sb.append(" | CPU load: max ").append(Num.fmt(load, 2)).append(" | CPU: max ")
                    .append(Num.fmt(num(s, S_CPU_USER_MAX), 0)).append("%/").append(Num.fmt(num(s, S_CPU_SYS_MAX), 0)).append('%');
        }
        Double gpu = num(s, S_GPU_DEVICE_MAX);
        if (gpu != null) {
            sb.append(" | GPU: max ").append(Num.fmt(gpu, 0)).append("%");
            Double mem = num(s, S_GPU_MEM_USED_MAX_MB);
            if (mem != null) {
                sb.append(", memory max ").append(Num.fmt(mem / 1024.0, 1)).append(" GB");
            }
        }
        return sb.toString();
    }

    private static Double num(JsonNode s, String key) {
        JsonNode v = s.get(key);
        return v != null && v.isNumber() ? v.doubleValue() : null;
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = TimelinePlot.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("resource missing: " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
