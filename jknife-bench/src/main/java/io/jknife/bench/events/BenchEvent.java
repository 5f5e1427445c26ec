package io.jknife.bench.events;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jknife.bench.json.Jsonl;
import io.jknife.bench.json.Num;
import io.jknife.bench.report.ReportFields;

import java.time.Instant;
import java.util.Map;

/**
 * One runtime event: what happened, when (epoch seconds), in which process, to which model, with
 * optional details (e.g. a memory gate's reason and threshold).
 */
public record BenchEvent(BenchEventType type, double ts, long pid, String modelId, Map<String, Object> data) {
    public BenchEvent {
        data = data == null ? Map.of() : Map.copyOf(data);
    }

    static BenchEvent now(BenchEventType type, String modelId, Map<String, ?> data) {
        Instant t = Instant.now();
        @SuppressWarnings("unchecked")
        Map<String, Object> d = (Map<String, Object>) (Map<String, ?>) (data == null ? Map.of() : data);
        return new BenchEvent(type, t.getEpochSecond() + t.getNano() / 1e9, ProcessHandle.current().pid(), modelId, d);
    }

    /** The {@code events[]} item of a test record. */
    public ObjectNode toItem() {
        ObjectNode o = Jsonl.object();
        o.put(ReportFields.Event.EVENT, type.wireName());
        o.put(ReportFields.Event.TS, Num.round(ts, 6));
        o.put(ReportFields.Event.PID, pid);
        o.put(ReportFields.Event.MODEL_ID, modelId);
        if (!data.isEmpty()) {
            o.set(ReportFields.Event.DATA, Jsonl.MAPPER.valueToTree(data));
        }
        return o;
    }
}
