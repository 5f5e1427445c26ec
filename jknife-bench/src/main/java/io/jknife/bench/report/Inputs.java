package io.jknife.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.jknife.bench.json.Jsonl;
import io.jknife.bench.memmon.MemmonFields;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The files given to {@code bench plot} and {@code bench report}, sorted by kind: report lines (test
 * and event records) and memmon logs, recognised by content, never by name.
 */
public record Inputs(List<BenchRecord> records, List<MemoryLog> memory, List<Path> reportFiles) {

    /** A memmon file: its sample lines and its summary (null when the run was cut short). */
    public record MemoryLog(Path file, List<JsonNode> samples, JsonNode summary) {
        public boolean isEmpty() {
            return samples.isEmpty();
        }
    }

    public static Inputs read(List<Path> files) throws IOException {
        List<BenchRecord> records = new ArrayList<>();
        List<MemoryLog> memory = new ArrayList<>();
        List<Path> reports = new ArrayList<>();
        for (Path f : files) {
            List<Jsonl.Line> lines = Jsonl.read(f);
            if (!lines.isEmpty() && lines.stream().filter(Jsonl.Line::ok).findFirst().map(l -> MemmonFields.isMemmonLine(l.node())).orElse(false)) {
                memory.add(memoryLog(f, lines));
                continue;
            }
            reports.add(f);
            for (Jsonl.Line l : lines) {
                if (l.ok()) {
                    records.add(new BenchRecord(l.number(), l.node()));
                }
            }
        }
        return new Inputs(records, memory, reports);
    }

    public static MemoryLog memoryLog(Path f, List<Jsonl.Line> lines) {
        List<JsonNode> samples = new ArrayList<>();
        JsonNode summary = null;
        for (Jsonl.Line l : lines) {
            if (!l.ok()) {
                continue;
            }
            if (l.node().has(MemmonFields.SUMMARY)) {
                summary = l.node().get(MemmonFields.SUMMARY);
            } else {
                samples.add(l.node());
            }
        }
        return new MemoryLog(f, samples, summary);
    }

    public List<BenchRecord> tests() {
        return records.stream().filter(r -> !r.isEvent()).toList();
    }

    public List<BenchRecord> events() {
        return records.stream().filter(BenchRecord::isEvent).toList();
    }
}
