package io.jknife.bench.junit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jknife.bench.events.BenchEvent;
import io.jknife.bench.json.Jsonl;
import io.jknife.bench.json.Num;
import io.jknife.bench.report.BenchVersion;
import io.jknife.bench.report.ReportFields;
import io.jknife.bench.report.ReportLines;
import io.jknife.bench.report.SchemaVersion;
import io.jknife.bench.system.HealthProbe;
import io.jknife.bench.system.Machine;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.opentest4j.TestAbortedException;

import java.lang.reflect.AnnotatedElement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static io.jknife.bench.report.ReportFields.*;

/** The state of one test between its start and its record. */
final class TestRun {
    private static final Set<String> MODALITIES = Set.of("vision", "text", "audio", "video");

    private final ExtensionContext ctx;
    private final ReportConfig config;
    private final BenchReporter reporter = new BenchReporter();
    private final List<BenchEvent> events = new ArrayList<>();
    private final Instant start = Instant.now();
    private final long startNanos = System.nanoTime();
    private final HealthProbe health;
    private final String id;
    private long bodyStartNanos;
    private long bodyEndNanos;
    private Instant bodyEnd;
    private Throwable bodyError;

    TestRun(ExtensionContext ctx, ReportConfig config) {
        this.ctx = ctx;
        this.config = config;
        this.health = config == null ? null : HealthProbe.start();
        this.id = config == null ? null : TestIds.of(ctx, config.repoRoot());
    }

    ReportConfig config() {
        return config;
    }

    BenchReporter reporter() {
        return reporter;
    }

    String id() {
        return id;
    }

    void bodyStarted() {
        bodyStartNanos = System.nanoTime();
    }

    void bodyEnded(Throwable error) {
        bodyEndNanos = System.nanoTime();
        bodyEnd = Instant.now();
        bodyError = error;
    }

    synchronized void event(BenchEvent e) {
        events.add(e);
    }

    /** The record, or empty when compatibility mode writes none (setup-phase end). */
    Optional<ObjectNode> finished(Throwable anyError) {
        long endNanos = System.nanoTime();
        Instant end = start.plusNanos(endNanos - startNanos);
        boolean bodyRan = bodyStartNanos != 0;
        if (!bodyRan && !config.extended()) {
            return Optional.empty();
        }
        ObjectNode meta = Jsonl.object();
        String outcome;
        if (!bodyRan) {
            if (anyError instanceof TestAbortedException) {
                outcome = OUTCOME_SKIPPED;
                meta.put(Meta.SKIP_PHASE, "setup");
                meta.put(Meta.SKIP_REASON, String.valueOf(anyError.getMessage()));
            } else {
                outcome = OUTCOME_FAILED;
                meta.put(Meta.FAIL_PHASE, "setup");
            }
        } else if (bodyError instanceof TestAbortedException) {
            outcome = OUTCOME_SKIPPED;
            meta.put(Meta.SKIP_REASON, String.valueOf(bodyError.getMessage()));
        } else if (bodyError != null) {
            outcome = OUTCOME_FAILED;
        } else if (anyError != null && config.extended()) {
            outcome = OUTCOME_FAILED;
            meta.put(Meta.FAIL_PHASE, "teardown");
        } else {
            outcome = OUTCOME_PASSED;
        }
        long bodyStart = bodyRan ? bodyStartNanos : endNanos;
        long bodyStop = bodyRan && bodyEndNanos != 0 ? bodyEndNanos : bodyStart;
        double setupS = (bodyStart - startNanos) / 1e9;
        double bodyS = (bodyStop - bodyStart) / 1e9;
        double teardownS = (endNanos - bodyStop) / 1e9;
        Instant stamp = bodyEnd != null ? bodyEnd : end;

        ObjectNode r = header(stamp, epoch(start), epoch(end), outcome, id);
        r.put(DURATION, Num.round(bodyS, 6));
        Map<String, JsonNode> props = reporter.properties();
        for (String key : TOP_LEVEL_USER_KEYS) {
            if (props.containsKey(key) && !key.equals(SYSTEM)) {
                r.set(key, props.get(key));
            }
        }
        ObjectNode system = ReportLines.system(Machine.detect());
        if (props.get(SYSTEM) instanceof ObjectNode user) {
            user.properties().forEach(e -> system.set(e.getKey(), e.getValue()));
        }
        r.set(SYSTEM, system);
        r.set(SYSTEM_HEALTH, health.finish());
        ObjectNode phases = r.putObject(PHASES);
        phases.put(Phases.SETUP_S, Num.round(setupS, 6));
        phases.put(Phases.BODY_S, Num.round(bodyS, 6));
        phases.put(Phases.TEARDOWN_S, Num.round(teardownS, 6));
        synchronized (this) {
            if (!events.isEmpty()) {
                ArrayNode arr = r.putArray(EVENTS);
                events.forEach(e -> arr.add(e.toItem()));
            }
        }
        props.forEach((k, v) -> {
            if (!TOP_LEVEL_USER_KEYS.contains(k)) {
                meta.set(k, v);
            }
        });
        if (!meta.has(Meta.INFERENCE_MODALITY)) {
            modality(ctx).ifPresent(m -> meta.put(Meta.INFERENCE_MODALITY, m));
        }
        meta.put(Meta.SETUP_S, Num.round(setupS, 6));
        meta.put(Meta.TEARDOWN_S, Num.round(teardownS, 6));
        if (BenchVersion.version() == null) {
            meta.put(Meta.VERSION_UNKNOWN, true);
        }
        r.set(METADATA, meta);
        return Optional.of(r);
    }

    /** The record of a disabled test (extended mode). */
    static ObjectNode disabled(ExtensionContext ctx, ReportConfig config, String reason) {
        Instant now = Instant.now();
        ObjectNode r = header(now, epoch(now), epoch(now), OUTCOME_SKIPPED, TestIds.of(ctx, config.repoRoot()));
        r.put(DURATION, 0.0);
        ObjectNode meta = r.putObject(METADATA);
        meta.put(Meta.SKIP_PHASE, "disabled");
        meta.put(Meta.SKIP_REASON, reason);
        return r;
    }

    private static ObjectNode header(Instant stamp, double startTs, double endTs, String outcome, String id) {
        ObjectNode r = Jsonl.object();
        r.put(SCHEMA_VERSION, SchemaVersion.CURRENT.version());
        r.put(TIMESTAMP, ReportLines.iso(stamp));
        r.put(TEST_START_TS, Num.round(startTs, 6));
        r.put(TEST_END_TS, Num.round(endTs, 6));
        r.put(TOOL_VERSION, ReportLines.toolVersion());
        r.put(PRODUCER, ReportLines.PRODUCER);
        r.put(TEST, id);
        r.put(OUTCOME, outcome);
        return r;
    }

    private static double epoch(Instant t) {
        return t.getEpochSecond() + t.getNano() / 1e9;
    }

    /** @Tag on the method or class naming a modality, else parameter names (when compiled with -parameters). */
    static Optional<String> modality(ExtensionContext ctx) {
        for (AnnotatedElement el : new AnnotatedElement[] {ctx.getRequiredTestMethod(), ctx.getRequiredTestClass()}) {
            for (Tag tag : el.getAnnotationsByType(Tag.class)) {
                if (MODALITIES.contains(tag.value())) {
                    return Optional.of(tag.value());
                }
            }
        }
        for (var p : ctx.getRequiredTestMethod().getParameters()) {
            String n = p.getName().toLowerCase(java.util.Locale.ROOT);
            if (n.startsWith("vision")) {
                return Optional.of("vision");
            }
            if (n.startsWith("text")) {
                return Optional.of("text");
            }
            if (n.startsWith("audio")) {
                return Optional.of("audio");
            }
        }
        return Optional.empty();
    }
}
