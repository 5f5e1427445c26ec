package io.jknife.bench.memmon;

import com.fasterxml.jackson.databind.JsonNode;
import io.jknife.bench.json.Jsonl;

import java.util.Map;

/**
 * Serialises a flat sample node with a StringBuilder (the sampler runs a few times a second, so its
 * code stays interpreted for a long time: fewer layers than Jackson's serializer, same output).
 * Nested values and strings go through Jackson.
 */
final class SampleLine {
    private SampleLine() {
    }

    static String of(JsonNode node) {
        StringBuilder sb = new StringBuilder(1024).append('{');
        boolean first = true;
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            sb.append('"').append(e.getKey()).append("\":");
            JsonNode v = e.getValue();
            if (v.isNull()) {
                sb.append("null");
            } else if (v.isBoolean()) {
                sb.append(v.booleanValue());
            } else if (v.isIntegralNumber()) {
                sb.append(v.longValue());
            } else if (v.isBigDecimal()) {
                sb.append(v.decimalValue().toPlainString());
            } else if (v.isNumber() && Double.isFinite(v.doubleValue())) {
                sb.append(v.doubleValue());
            } else if (v.isNumber()) {
                sb.append("null");
            } else {
                sb.append(Jsonl.line(v));
            }
        }
        return sb.append('}').toString();
    }
}
