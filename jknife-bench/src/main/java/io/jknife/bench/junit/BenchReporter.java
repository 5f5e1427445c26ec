package io.jknife.bench.junit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jknife.bench.json.Jsonl;
import io.jknife.bench.report.ReportFields;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a test adds to its report record (the original's {@code user_properties}): model,
 * performance, stop tokens, modality and free-form extras. Inject it as a test parameter; a later
 * call for the same key overwrites the earlier one. {@code model}, {@code performance},
 * {@code stop_tokens} and {@code system} land at top level, everything else under {@code metadata}.
 * Non-finite numbers are written as null.
 */
public final class BenchReporter {
    private final Map<String, JsonNode> properties = new LinkedHashMap<>();

    /** The model block: {@code id}, {@code size_gb}, {@code family}, {@code variant} (+ framework, quantization). */
    public BenchReporter model(String id, Double sizeGb, String family, String variant) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(ReportFields.Model.ID, id);
        m.put(ReportFields.Model.SIZE_GB, sizeGb);
        if (family != null) {
            m.put(ReportFields.Model.FAMILY, family);
        }
        if (variant != null) {
            m.put(ReportFields.Model.VARIANT, variant);
        }
        return model(m);
    }

    public BenchReporter model(Map<String, ?> model) {
        return extra(ReportFields.MODEL, model);
    }

    public BenchReporter performance(Map<String, ?> performance) {
        return extra(ReportFields.PERFORMANCE, performance);
    }

    /** Stop tokens: which were configured, which showed up in the output ({@code leaked} = any detected). */
    public BenchReporter stopTokens(List<String> configured, List<String> detected, String workaround) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(ReportFields.StopTokens.CONFIGURED, configured);
        m.put(ReportFields.StopTokens.DETECTED, detected);
        m.put(ReportFields.StopTokens.WORKAROUND, workaround == null ? "none" : workaround);
        m.put(ReportFields.StopTokens.LEAKED, detected != null && !detected.isEmpty());
        return extra(ReportFields.STOP_TOKENS, m);
    }

    /** {@code vision}, {@code text}, {@code audio} or {@code video}; wins over detection. */
    public BenchReporter modality(String modality) {
        return extra(ReportFields.Meta.INFERENCE_MODALITY, modality);
    }

    public BenchReporter extra(String key, Object value) {
        properties.put(key, sanitize(Jsonl.MAPPER.valueToTree(value)));
        return this;
    }

    Map<String, JsonNode> properties() {
        return properties;
    }

    /** Non-finite numbers become null (strict JSON; reference D21). */
    static JsonNode sanitize(JsonNode node) {
        if (node == null) {
            return Jsonl.MAPPER.nullNode();
        }
        if ((node.isDouble() || node.isFloat()) && !Double.isFinite(node.doubleValue())) {
            return Jsonl.MAPPER.nullNode();
        }
        if (node.isObject()) {
            ObjectNode o = (ObjectNode) node;
            o.properties().forEach(e -> e.setValue(sanitize(e.getValue())));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                ((com.fasterxml.jackson.databind.node.ArrayNode) node).set(i, sanitize(node.get(i)));
            }
        }
        return node;
    }
}
