package io.jknife.bench.junit;

import com.fasterxml.jackson.databind.JsonNode;
import io.jknife.bench.json.Jsonl;
import io.jknife.bench.report.ReportValidator;
import io.jknife.bench.report.SchemaVersion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

class BenchReportExtensionTest {
    @BeforeEach
    void enableSamples() {
        System.setProperty("jknife.bench.sample", "true");
    }

    @AfterEach
    void disableSamples() {
        System.clearProperty("jknife.bench.sample");
    }

    @Test
    void writesOneValidRecordPerTestWithEventsAndPreciseTiming(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("bench.jsonl");
        run(out, Map.of(), SampleSuite.Plain.class, SampleSuite.Timed.class);
        List<JsonNode> lines = read(out);
        ReportValidator v = new ReportValidator(ReportValidator.Mode.PER_VERSION);
        for (JsonNode l : lines) {
            assertTrue(v.check(l).isEmpty(), v.check(l) + "\n" + l);
        }
        Map<String, JsonNode> tests = lines.stream().filter(l -> !l.has("record_type"))
                .collect(Collectors.toMap(l -> l.get("test").asText(), l -> l));
        assertEquals(9, tests.size(), tests.keySet().toString());

        JsonNode passes = byMethod(tests, "passes");
        assertEquals("passed", passes.get("outcome").asText());
        assertEquals(SchemaVersion.CURRENT.version(), passes.get("schema_version").asText());
        assertEquals("org/Model-7B-Q4_K_M", passes.at("/model/id").asText());
        assertTrue(passes.at("/model/size_gb").isNull(), "Infinity is written as null");
        assertEquals(41.3, passes.at("/performance/tokens_per_sec").asDouble());
        assertFalse(passes.at("/stop_tokens/leaked").asBoolean());
        assertEquals(7, passes.at("/metadata/custom_key").asInt());
        assertTrue(passes.at("/system/hardware_profile/cores_logical").asInt() > 0);
        assertTrue(passes.at("/system_health/ram_free_gb").asDouble() > 0);
        assertTrue(passes.at("/system_health/quality_flags").isArray());
        String id = passes.get("test").asText();
        assertTrue(id.startsWith("jknife-bench/src/test/java/io/jknife/bench/junit/SampleSuite.java::SampleSuite::Plain::passes"), id);

        assertEquals("failed", byMethod(tests, "fails").get("outcome").asText());
        JsonNode aborted = byMethod(tests, "abortsInBody");
        assertEquals("skipped", aborted.get("outcome").asText());
        assertTrue(aborted.at("/metadata/skip_reason").asText().contains("not enough RAM"));
        assertEquals("disabled", byMethod(tests, "disabled").at("/metadata/skip_phase").asText());
        assertEquals("audio", byMethod(tests, "emitsEvents").at("/metadata/inference_modality").asText());
        assertTrue(tests.keySet().stream().anyMatch(k -> k.endsWith("::parameterized[text_01]")), tests.keySet().toString());
        assertTrue(tests.keySet().stream().anyMatch(k -> k.endsWith("::Timed::Inner::nested")), tests.keySet().toString());

        for (JsonNode t : tests.values()) {
            double start = t.get("test_start_ts").asDouble();
            double end = t.get("test_end_ts").asDouble();
            assertTrue(start <= end, t.toString());
            assertTrue(end - start >= t.get("duration").asDouble() - 0.01, t.toString());
            OffsetDateTime.parse(t.get("timestamp").asText());
        }
        JsonNode timed = byMethod(tests, "sleeps");
        double body = timed.get("duration").asDouble();
        double setup = timed.at("/phases/setup_s").asDouble();
        assertTrue(body >= 0.49 && body < 1.2, "duration is the body only (500 ms sleep): " + body);
        assertTrue(setup >= 0.29 && setup < body, "setup (300 ms sleep in @BeforeEach) is apart: " + setup);
        double stamp = OffsetDateTime.parse(timed.get("timestamp").asText()).toInstant().toEpochMilli() / 1000.0;
        double bodyEnd = timed.get("test_start_ts").asDouble() + timed.at("/phases/setup_s").asDouble() + timed.get("duration").asDouble();
        assertEquals(bodyEnd, stamp, 1.0, "timestamp is the end of the body");

        List<JsonNode> events = lines.stream().filter(l -> l.has("record_type")).toList();
        assertEquals(List.of("model_load_start", "model_load_end", "gate_wait_start", "gate_wait_end", "model_unload"),
                events.stream().map(e -> e.get("event").asText()).toList());
        assertTrue(events.getFirst().get("test").asText().endsWith("::emitsEvents"));
        assertEquals(5, byMethod(tests, "emitsEvents").get("events").size());
        assertEquals(4.0, events.get(2).at("/data/threshold_gb").asDouble());
    }

    @Test
    void appendsAcrossRunsAndCompatModeSkipsSetupAborts(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("bench.jsonl");
        run(out, Map.of(), SampleSuite.SetupAbort.class);
        List<JsonNode> first = read(out);
        assertEquals(1, first.size());
        assertEquals("setup", first.getFirst().at("/metadata/skip_phase").asText());
        assertTrue(first.getFirst().at("/metadata/skip_reason").asText().contains("no model"));
        run(out, Map.of("jknife.report.mode", "compat"), SampleSuite.SetupAbort.class, SampleSuite.Plain.class);
        List<JsonNode> both = read(out);
        assertEquals(1 + 6 + 5, both.size(), "appended; compat mode writes neither setup aborts nor disabled tests");
    }

    @Test
    void writesNothingWhenUnset(@TempDir Path dir) {
        SummaryGeneratingListener s = run(null, Map.of(), SampleSuite.Plain.class);
        assertEquals(7, s.getSummary().getTestsStartedCount() + s.getSummary().getTestsSkippedCount());
        assertEquals(0, dir.toFile().list().length);
    }

    @Test
    void aReportThatCannotBeWrittenNeverFailsTheTests(@TempDir Path dir) throws Exception {
        Path blocked = dir.resolve("dir-not-file");
        Files.createDirectory(blocked);
        SummaryGeneratingListener s = run(blocked, Map.of(), SampleSuite.Timed.class);
        assertEquals(0, s.getSummary().getTotalFailureCount());
    }

    private static JsonNode byMethod(Map<String, JsonNode> tests, String method) {
        return tests.entrySet().stream().filter(e -> e.getKey().endsWith("::" + method)).findFirst().orElseThrow(
                () -> new AssertionError("no record for " + method + " in " + tests.keySet())).getValue();
    }

    private static List<JsonNode> read(Path out) throws Exception {
        return Jsonl.read(out).stream().map(Jsonl.Line::node).toList();
    }

    private static SummaryGeneratingListener run(Path out, Map<String, String> params, Class<?>... classes) {
        var b = LauncherDiscoveryRequestBuilder.request();
        for (Class<?> c : classes) {
            b.selectors(selectClass(c));
        }
        // explicit, so that a report of the outer run (-Djknife.report.output) never receives the samples' records
        b.configurationParameter("jknife.report.output", out == null ? "" : out.toString());
        params.forEach(b::configurationParameter);
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        LauncherFactory.create().execute(b.build(), listener);
        return listener;
    }
}
