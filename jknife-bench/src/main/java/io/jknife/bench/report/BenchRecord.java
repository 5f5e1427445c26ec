package io.jknife.bench.report;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;

import static io.jknife.bench.report.ReportFields.*;

/**
 * A read-only view of one report line (test or event record) of any schema version. Every consumer
 * reads through these accessors, which know both the emitted and the declared spellings (reference
 * §3.9), the precise and the legacy test window, and treat {@code model: null} as no model.
 */
public record BenchRecord(int line, JsonNode node) {

    public boolean isEvent() {
        return RECORD_TYPE_EVENT.equals(text(node, RECORD_TYPE));
    }

    public String test() {
        return text(node, TEST);
    }

    public String outcome() {
        return text(node, OUTCOME);
    }

    public boolean passed() {
        return OUTCOME_PASSED.equals(outcome());
    }

    public String schemaVersion() {
        return text(node, SCHEMA_VERSION);
    }

    public String toolVersion() {
        return text(node, TOOL_VERSION);
    }

    /** Body duration in seconds (0 when absent). */
    public double duration() {
        Double d = num(node, DURATION);
        return d == null ? 0 : d;
    }

    /** {@code timestamp} as epoch seconds, or null. */
    public Double timestamp() {
        return parseTime(text(node, TIMESTAMP));
    }

    /** Start of the test window: {@code test_start_ts}, else {@code timestamp − duration}. */
    public Double startTs() {
        Double s = num(node, TEST_START_TS);
        if (s != null) {
            return s;
        }
        Double t = timestamp();
        return t == null ? null : t - duration();
    }

    /** End of the test window: {@code test_end_ts}, else {@code timestamp}. */
    public Double endTs() {
        Double e = num(node, TEST_END_TS);
        return e != null ? e : timestamp();
    }

    /** The model block when it is an object with an id; null otherwise (also for {@code model: null}). */
    public JsonNode model() {
        JsonNode m = node.get(MODEL);
        return m != null && m.isObject() && m.hasNonNull(Model.ID) ? m : null;
    }

    public String modelId() {
        JsonNode m = model();
        return m == null ? null : m.get(Model.ID).asText();
    }

    public Double modelSizeGb() {
        JsonNode m = model();
        return m == null ? null : num(m, Model.SIZE_GB);
    }

    /** {@code metadata.inference_modality}, or null (legacy/unknown). */
    public String modality() {
        return text(node.path(METADATA), Meta.INFERENCE_MODALITY);
    }

    public boolean hasHealth() {
        return node.path(SYSTEM_HEALTH).isObject();
    }

    public Double ramFreeGb() {
        return num(node.path(SYSTEM_HEALTH), Health.RAM_FREE_GB);
    }

    public Double swapUsedMb() {
        JsonNode h = node.path(SYSTEM_HEALTH);
        Double mb = num(h, Health.SWAP_USED_MB);
        if (mb != null) {
            return mb;
        }
        Double gb = num(h, Health.SWAP_GB);
        return gb == null ? null : gb * 1024;
    }

    /** Zombies of the test's own tree when known, else the system-wide count (legacy). */
    public Long zombies() {
        JsonNode h = node.path(SYSTEM_HEALTH);
        for (String k : List.of(Health.ZOMBIE_DESCENDANTS, Health.ZOMBIE_PROCESSES, Health.ZOMBIES_DETECTED)) {
            Double v = num(h, k);
            if (v != null) {
                return v.longValue();
            }
        }
        return null;
    }

    public Long orphans() {
        return asLong(num(node.path(SYSTEM_HEALTH), Health.ORPHAN_PROCESSES));
    }

    public Long oomKills() {
        return asLong(num(node.path(SYSTEM_HEALTH), Health.OOM_KILLS_DELTA));
    }

    public Long swapOutPages() {
        return asLong(num(node.path(SYSTEM_HEALTH), Health.SWAP_OUT_PAGES_DELTA));
    }

    public Integer pressureLevel() {
        Double v = num(node.path(SYSTEM_HEALTH), Health.PRESSURE_LEVEL);
        return v == null ? null : v.intValue();
    }

    /** Flags recomputed from the raw values (stored flags are advisory). */
    public List<String> qualityFlags() {
        return QualityFlags.compute(new QualityFlags.Inputs(ramFreeGb(), swapOutPages(), zombies(), orphans(), oomKills(), pressureLevel()));
    }

    public JsonNode hardwareProfile() {
        JsonNode h = node.path(SYSTEM).path(Sys.HARDWARE_PROFILE);
        return h.isObject() ? h : null;
    }

    /** "model, N cores[, GPU]" from the hardware profile (either spelling), or null. */
    public String hardwareLabel() {
        JsonNode h = hardwareProfile();
        if (h == null) {
            return null;
        }
        String model = firstText(h, Hardware.MODEL, Hardware.MODEL_IDENTIFIER, Hardware.CHIP);
        Double cores = num(h, Hardware.CORES_PHYSICAL);
        if (cores == null) {
            Double p = num(h, Hardware.CHIP_CORES_PERFORMANCE);
            Double e = num(h, Hardware.CHIP_CORES_EFFICIENCY);
            cores = p == null && e == null ? null : (p == null ? 0 : p) + (e == null ? 0 : e);
        }
        String chip = text(h, Hardware.CHIP);
        StringBuilder sb = new StringBuilder(model == null ? "unknown" : model);
        if (chip != null && !chip.equals(model)) {
            sb.append(" (").append(chip).append(')');
        }
        sb.append(", ").append(cores == null ? "?" : String.valueOf(cores.intValue())).append(" cores");
        String gpu = text(h, Hardware.GPU_NAME);
        if (gpu != null) {
            sb.append(", ").append(gpu);
        }
        return sb.toString();
    }

    // event records
    public String eventName() {
        return text(node, Event.EVENT);
    }

    public Double eventTs() {
        Double ts = num(node, Event.TS);
        return ts != null ? ts : timestamp();
    }

    public String eventModelId() {
        return text(node, Event.MODEL_ID);
    }

    public JsonNode eventData() {
        return node.path(Event.DATA);
    }

    /** ISO-8601 with offset or Z (no offset: UTC) as epoch seconds; null when unparseable. */
    public static Double parseTime(String iso) {
        if (iso == null) {
            return null;
        }
        Instant t;
        try {
            t = OffsetDateTime.parse(iso).toInstant();
        } catch (DateTimeParseException e) {
            try {
                t = LocalDateTime.parse(iso).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException e2) {
                return null;
            }
        }
        return t.getEpochSecond() + t.getNano() / 1e9;
    }

    static String text(JsonNode n, String key) {
        JsonNode v = n == null ? null : n.get(key);
        return v != null && v.isTextual() ? v.asText() : null;
    }

    static Double num(JsonNode n, String key) {
        JsonNode v = n == null ? null : n.get(key);
        return v != null && v.isNumber() && Double.isFinite(v.doubleValue()) ? v.doubleValue() : null;
    }

    private static String firstText(JsonNode n, String... keys) {
        for (String k : keys) {
            String v = text(n, k);
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }

    private static Long asLong(Double v) {
        return v == null ? null : v.longValue();
    }
}
