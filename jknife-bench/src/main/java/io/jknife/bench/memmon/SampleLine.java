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
                decimal(sb, v.doubleValue());
            } else if (v.isNumber()) {
                sb.append("null");
            } else {
                sb.append(Jsonl.line(v));
            }
        }
        return sb.append('}').toString();
    }

    /**
     * Appends {@code v} with at most six decimals, trailing zeros dropped ("22.01", "0.0"), by integer
     * arithmetic: {@code Double.toString} is costly while the sampler's code is still interpreted.
     */
    static void decimal(StringBuilder sb, double v) {
        if (Math.abs(v) >= 9.0e12) {
            sb.append(v);
            return;
        }
        long scaled = Math.round(v * 1_000_000.0);
        if (scaled < 0) {
            sb.append('-');
            scaled = -scaled;
        }
        sb.append(scaled / 1_000_000).append('.');
        long frac = scaled % 1_000_000;
        if (frac == 0) {
            sb.append('0');
            return;
        }
        String digits = Long.toString(frac + 1_000_000).substring(1);
        int end = digits.length();
        while (digits.charAt(end - 1) == '0') {
            end--;
        }
        sb.append(digits, 0, end);
    }
}
