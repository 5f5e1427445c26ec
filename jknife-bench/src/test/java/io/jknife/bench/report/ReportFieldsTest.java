package io.jknife.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.jknife.bench.json.Jsonl;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** One truth: every field name the writer and readers use is declared in the v0.3 schema. */
class ReportFieldsTest {
    @Test
    void everyConstantIsDeclaredInTheV03Schema() throws Exception {
        JsonNode schema = Jsonl.MAPPER.readTree(getClass().getResourceAsStream(SchemaVersion.RESOURCE_DIR + SchemaVersion.V0_3_0.resource()));
        JsonNode test = schema.at("/definitions/test_record/properties");
        JsonNode event = schema.at("/definitions/event_record/properties");
        Map<Class<?>, JsonNode> where = Map.of(
                ReportFields.Model.class, test.at("/model/properties"),
                ReportFields.Performance.class, test.at("/performance/properties"),
                ReportFields.StopTokens.class, test.at("/stop_tokens/properties"),
                ReportFields.Sys.class, test.at("/system/properties"),
                ReportFields.Hardware.class, test.at("/system/properties/hardware_profile/properties"),
                ReportFields.Health.class, test.at("/system_health/properties"),
                ReportFields.Phases.class, test.at("/phases/properties"),
                ReportFields.Meta.class, test.at("/metadata/properties"),
                ReportFields.Event.class, event);
        for (var e : where.entrySet()) {
            for (String name : constants(e.getKey())) {
                if (e.getKey() == ReportFields.Meta.class && name.equals(ReportFields.Meta.VERSION_UNKNOWN)) {
                    continue; // metadata is open; this flag only appears when the build has no version
                }
                assertTrue(e.getValue().has(name), e.getKey().getSimpleName() + "." + name + " is not declared");
            }
        }
        for (String name : constants(ReportFields.class)) {
            if (name.startsWith("passed") || name.equals("failed") || name.equals("skipped") || name.equals("event")) {
                continue; // values, not keys
            }
            assertTrue(test.has(name), "top-level " + name + " is not declared");
        }
        JsonNode flags = test.at("/system_health/properties/quality_flags/items/enum");
        for (String flag : constants(ReportFields.Flags.class)) {
            assertTrue(flags.toString().contains("\"" + flag + "\""), "flag " + flag);
        }
    }

    private static java.util.List<String> constants(Class<?> c) throws IllegalAccessException {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (Field f : c.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                out.add((String) f.get(null));
            }
        }
        return out;
    }
}
