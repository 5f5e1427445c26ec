package io.jknife.bench.report;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jknife.bench.Fixtures;
import io.jknife.bench.json.Jsonl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SchemasTest {
    private final ReportValidator perVersion = new ReportValidator(ReportValidator.Mode.PER_VERSION);
    private final ReportValidator legacy = new ReportValidator(ReportValidator.Mode.LEGACY);

    @Test
    void everyBundledSchemaLoadsAndDeclaresItsVersion() throws Exception {
        for (SchemaVersion v : SchemaVersion.values()) {
            ReportValidator.bundled(v);
            var node = Jsonl.MAPPER.readTree(getClass().getResourceAsStream(SchemaVersion.RESOURCE_DIR + v.resource()));
            assertEquals(v.version(), node.get("x-schema-version").asText(), v.resource());
        }
        ReportValidator.memmon();
    }

    @Test
    void mlxKnifeV01ExampleValidatesPerVersionAndAsLegacy(@TempDir Path dir) throws Exception {
        Path f = Fixtures.copy(Fixtures.MLX_V01, dir);
        for (ReportValidator v : List.of(perVersion, legacy)) {
            ReportValidator.FileResult r = v.validate(f);
            assertTrue(r.ok(), r.errors().toString());
            assertEquals(4, r.total());
        }
    }

    @Test
    void mlxKnifeV02RecordsValidateIncludingLegacyInfinity(@TempDir Path dir) throws Exception {
        Path f = Fixtures.copy(Fixtures.MLX_V02, dir);
        ReportValidator.FileResult r = perVersion.validate(f);
        assertTrue(r.ok(), r.errors().toString());
        assertEquals(6, r.total());
        assertEquals(1, r.warnings().size(), "the Infinity line is read, with a warning");
        assertEquals(3, r.warnings().getFirst().line());
        assertTrue(legacy.validate(f).ok());
    }

    @Test
    void unknownTopLevelKeyFailsUnknownNestedKeyPasses() {
        ObjectNode r = minimal("0.3.0");
        r.putObject("system_health").put("something_new", 1);
        assertTrue(perVersion.check(r).isEmpty(), perVersion.check(r).toString());
        r.put("surprise", true);
        assertFalse(perVersion.check(r).isEmpty());
    }

    @Test
    void timingFieldsOnV010AreRejectedPerVersionButAcceptedAsLegacy() {
        ObjectNode r = minimal("0.1.0");
        r.put("test_start_ts", 1.0);
        assertFalse(perVersion.check(r).isEmpty());
        assertTrue(legacy.check(r).isEmpty(), legacy.check(r).toString());
    }

    @Test
    void formatsAndPatternsAreEnforced() {
        ObjectNode r = minimal("0.2.2");
        r.put("timestamp", "yesterday");
        assertFalse(perVersion.check(r).isEmpty(), "date-time format is asserted");
        ObjectNode u = minimal("0.2.2");
        u.put("mlx_knife_version", "unknown");
        assertFalse(perVersion.check(u).isEmpty());
        ObjectNode o = minimal("0.3.0");
        o.put("outcome", "error");
        assertFalse(perVersion.check(o).isEmpty());
    }

    @Test
    void unknownVersionIsNamed() {
        List<String> p = perVersion.check(minimal("9.9.9"));
        assertEquals(1, p.size());
        assertTrue(p.getFirst().contains("unknown schema_version '9.9.9'"), p.toString());
    }

    @Test
    void eventRecordsValidateAgainstV03() {
        ObjectNode e = Jsonl.object();
        e.put("schema_version", "0.3.0").put("record_type", "event").put("event", "model_load_start").put("ts", 1.5)
                .put("timestamp", "2026-01-01T00:00:01.5+00:00").put("mlx_knife_version", "0.1.0").put("model_id", "org/m");
        assertTrue(perVersion.check(e).isEmpty(), perVersion.check(e).toString());
        e.put("event", "coffee_break");
        assertFalse(perVersion.check(e).isEmpty());
    }

    @Test
    void invalidJsonAndBlankLinesKeepPhysicalLineNumbers(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("r.jsonl");
        Files.writeString(f, Jsonl.line(minimal("0.3.0")) + "\n\n{not json\n" + Jsonl.line(minimal("0.3.0")) + "\n");
        ReportValidator.FileResult r = perVersion.validate(f);
        assertEquals(3, r.total());
        assertEquals(2, r.valid());
        assertEquals(3, r.errors().getFirst().line());
        assertTrue(r.errors().getFirst().message().startsWith("Invalid JSON"), r.errors().toString());
    }

    @Test
    void missingFileIsAFailure(@TempDir Path dir) {
        ReportValidator.FileResult r = perVersion.validate(dir.resolve("nope.jsonl"));
        assertFalse(r.exists());
        assertFalse(r.ok());
    }

    static ObjectNode minimal(String version) {
        ObjectNode r = Jsonl.object();
        r.put("schema_version", version).put("timestamp", "2026-01-01T00:00:00.000001+00:00").put("mlx_knife_version", "0.1.0")
                .put("test", "a/B.java::B::c").put("outcome", "passed").put("duration", 0.1);
        return r;
    }
}
