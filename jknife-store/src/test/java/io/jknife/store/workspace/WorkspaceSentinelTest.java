package io.jknife.store.workspace;

import io.jknife.store.json.PyJson;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkspaceSentinelTest {

    @TempDir
    Path dir;

    private static List<String> keys(JsonNode node) {
        List<String> out = new ArrayList<>();
        node.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private ObjectNode obj(String json) throws IOException {
        return (ObjectNode) PyJson.MAPPER.readTree(json);
    }

    // ------------------------------------------------------------ writing

    @Test
    void writeGoesToJknifeFileInPythonJsonFormat() throws IOException {
        ObjectNode s = obj("{\"jknife_version\":\"0.1.0\",\"created_at\":\"2026-01-02T03:04:05.000006Z\","
                + "\"source_repo\":\"org/m\",\"source_revision\":null,\"managed\":true,\"operation\":\"clone\","
                + "\"file_index\":[],\"extra\":{},\"quantization\":{\"bits\":4,\"group_size\":64}}");
        Path written = WorkspaceSentinel.write(dir, s);

        assertEquals(dir.toRealPath().resolve(".jknife_workspace.json"), written);
        String expected = """
                {
                  "jknife_version": "0.1.0",
                  "created_at": "2026-01-02T03:04:05.000006Z",
                  "source_repo": "org/m",
                  "source_revision": null,
                  "managed": true,
                  "operation": "clone",
                  "file_index": [],
                  "extra": {},
                  "quantization": {
                    "bits": 4,
                    "group_size": 64
                  }
                }
                """;
        assertEquals(expected, Files.readString(written));
        assertFalse(Files.exists(dir.resolve(".jknife_workspace.json.tmp")), "no tmp left behind");
        assertFalse(Files.exists(dir.resolve(".mlxk_workspace.json")));
    }

    @Test
    void nonAsciiIsEscapedLikePythonAndReadsBack() throws IOException {
        ObjectNode s = WorkspaceSentinel.create("0.1.0", "clone", "org/modèle-😀", null);
        s.put("note", "tab\there \"q\" \\ \u007f\u0001");
        WorkspaceSentinel.write(dir, s);
        String text = Files.readString(dir.resolve(WorkspaceSentinel.FILE_NAME));
        assertTrue(text.contains("\"org/mod\\u00e8le-\\ud83d\\ude00\""), text);
        assertTrue(text.contains("\"tab\\there \\\"q\\\" \\\\ \\u007f\\u0001\""), text);
        assertTrue(text.chars().allMatch(c -> c < 0x80));
        WorkspaceSentinel back = WorkspaceSentinel.read(dir).orElseThrow();
        assertEquals(Optional.of("org/modèle-😀"), back.sourceRepo());
        assertEquals(s, back.json());
    }

    @Test
    void createHasCloneKeyOrderAndMicrosecondUtcTimestamp() {
        ObjectNode s = WorkspaceSentinel.create("0.1.0", "clone", "org/m", null);
        assertEquals(List.of("jknife_version", "created_at", "source_repo", "source_revision", "managed",
                "operation"), keys(s));
        String ts = s.get("created_at").asText();
        assertTrue(ts.matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}Z"), ts);
        assertTrue(s.get("source_revision").isNull());
        assertTrue(s.get("managed").booleanValue());
    }

    @Test
    void timestampIsTrueUtcWithMicroseconds() {
        Instant t = Instant.parse("2026-04-20T10:30:00.123456789Z");
        assertEquals("2026-04-20T10:30:00.123456Z", WorkspaceSentinel.timestamp(t));
        assertEquals("2026-04-20T10:30:00.000000Z", WorkspaceSentinel.timestamp(Instant.parse("2026-04-20T10:30:00Z")));
        Instant now = Instant.now();
        assertEquals(now.truncatedTo(java.time.temporal.ChronoUnit.MICROS),
                Instant.parse(WorkspaceSentinel.timestamp(now)));
    }

    @Test
    void missingRequiredKeysAreRejectedAndNothingIsWritten() throws IOException {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WorkspaceSentinel.write(dir, obj("{\"managed\":true,\"operation\":\"clone\"}")));
        assertEquals("Missing required metadata fields: {'created_at', 'jknife_version'}", e.getMessage());
        try (var s = Files.list(dir)) {
            assertEquals(0, s.count());
        }
    }

    @Test
    void mlxkVersionSatisfiesTheVersionRequirement() throws IOException {
        WorkspaceSentinel.write(dir, obj("{\"mlxk_version\":\"2.0.7\",\"created_at\":\"x\",\"managed\":true,"
                + "\"operation\":\"convert\"}"));
        WorkspaceSentinel s = WorkspaceSentinel.read(dir).orElseThrow();
        assertEquals(Optional.of("2.0.7"), s.version());
        assertEquals(Optional.of("convert"), s.operation());
    }

    @Test
    void failedWriteRemovesTmpAndThrowsIoException() throws IOException {
        // the target name is taken by a non-empty directory: the rename must fail
        Files.createDirectories(dir.resolve(WorkspaceSentinel.FILE_NAME).resolve("blocker"));
        IOException e = assertThrows(IOException.class,
                () -> WorkspaceSentinel.write(dir, WorkspaceSentinel.create("0.1.0", "clone", "o/m", null)));
        assertTrue(e.getMessage().startsWith("Failed to write workspace sentinel"), e.getMessage());
        assertFalse(Files.exists(dir.resolve(WorkspaceSentinel.FILE_NAME + ".tmp")));
        assertTrue(Files.isDirectory(dir.resolve(WorkspaceSentinel.FILE_NAME).resolve("blocker")));
    }

    @Test
    void staleTmpSymlinkIsReplacedNotFollowed(@TempDir Path outside) throws IOException {
        Path victim = Files.writeString(outside.resolve("victim.txt"), "keep me");
        Files.createSymbolicLink(dir.resolve(WorkspaceSentinel.FILE_NAME + ".tmp"), victim);
        WorkspaceSentinel.write(dir, WorkspaceSentinel.create("0.1.0", "clone", "o/m", null));
        assertEquals("keep me", Files.readString(victim));
        assertTrue(WorkspaceSentinel.read(dir).isPresent());
        assertFalse(Files.exists(dir.resolve(WorkspaceSentinel.FILE_NAME + ".tmp"),
                java.nio.file.LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void freshTmpOfAConcurrentWriterIsLeftAloneAndTheWriteFails() throws IOException {
        WorkspaceSentinel.write(dir, WorkspaceSentinel.create("0.1.0", "clone", "o/first", null));
        Path tmp = Files.writeString(dir.resolve(WorkspaceSentinel.FILE_NAME + ".tmp"), "{\"half\": ");
        IOException e = assertThrows(IOException.class,
                () -> WorkspaceSentinel.write(dir, WorkspaceSentinel.create("0.1.0", "clone", "o/second", null)));
        assertTrue(e.getMessage().contains("in progress"), e.getMessage());
        assertEquals("{\"half\": ", Files.readString(tmp), "the other writer's file is untouched");
        assertEquals(Optional.of("o/first"), WorkspaceSentinel.read(dir).orElseThrow().sourceRepo());
    }

    @Test
    void staleTmpOfACrashedWriterIsReplaced() throws IOException {
        Path tmp = Files.writeString(dir.resolve(WorkspaceSentinel.FILE_NAME + ".tmp"), "{\"half\": ");
        Files.setLastModifiedTime(tmp, java.nio.file.attribute.FileTime.from(
                Instant.now().minus(WorkspaceSentinel.TMP_STALE_AFTER).minusSeconds(5)));
        WorkspaceSentinel.write(dir, WorkspaceSentinel.create("0.1.0", "clone", "o/m", null));
        assertEquals(Optional.of("o/m"), WorkspaceSentinel.read(dir).orElseThrow().sourceRepo());
        assertFalse(Files.exists(tmp));
    }

    @Test
    void writeReplacesAnExistingSentinelAtomically() throws IOException {
        WorkspaceSentinel.write(dir, WorkspaceSentinel.create("0.1.0", "clone", "o/a", null));
        WorkspaceSentinel.write(dir, WorkspaceSentinel.create("0.1.0", "convert", "o/b", null));
        WorkspaceSentinel s = WorkspaceSentinel.read(dir).orElseThrow();
        assertEquals(Optional.of("o/b"), s.sourceRepo());
        assertEquals(Optional.of("convert"), s.operation());
    }

    // ------------------------------------------------------------ reading

    @Test
    void missingInvalidOrNonObjectSentinelsAreNoMetadata() throws IOException {
        assertTrue(WorkspaceSentinel.read(dir).isEmpty());
        Path f = dir.resolve(WorkspaceSentinel.FILE_NAME);
        for (String bad : List.of("", "{", "not json", "[1, 2]", "\"text\"", "{\"managed\": true} trailing", "null")) {
            Files.writeString(f, bad);
            assertTrue(WorkspaceSentinel.read(dir).isEmpty(), bad);
            assertFalse(WorkspaceSentinel.isManaged(dir), bad);
        }
        assertTrue(WorkspaceSentinel.read(dir.resolve("no-such-dir")).isEmpty());
    }

    @Test
    void sentinelIsNeverReadThroughASymlink(@TempDir Path outside) throws IOException {
        Path real = Files.writeString(outside.resolve("s.json"), "{\"managed\": true}");
        Files.createSymbolicLink(dir.resolve(WorkspaceSentinel.FILE_NAME), real);
        assertTrue(WorkspaceSentinel.read(dir).isEmpty());
    }

    @Test
    void managedMeansBooleanTrueExactly() throws IOException {
        Path f = dir.resolve(WorkspaceSentinel.FILE_NAME);
        Files.writeString(f, "{\"managed\": true}");
        assertTrue(WorkspaceSentinel.read(dir).orElseThrow().managed());
        for (String v : List.of("\"true\"", "1", "false", "null")) {
            Files.writeString(f, "{\"managed\": " + v + "}");
            assertFalse(WorkspaceSentinel.read(dir).orElseThrow().managed(), v);
        }
        Files.writeString(f, "{}");
        assertFalse(WorkspaceSentinel.read(dir).orElseThrow().managed());
    }

    @Test
    void mlxkSentinelIsReadWhenItIsTheOnlyOne() throws IOException {
        Files.writeString(dir.resolve(".mlxk_workspace.json"),
                "{\"mlxk_version\": \"2.0.7\", \"managed\": true, \"source_repo\": \"org/py\"}");
        WorkspaceSentinel s = WorkspaceSentinel.read(dir).orElseThrow();
        assertTrue(s.isLegacyFile());
        assertEquals(dir.resolve(".mlxk_workspace.json"), s.file());
        assertEquals(Optional.of("org/py"), s.sourceRepo());
        assertEquals(Optional.of("2.0.7"), s.version());
        assertTrue(s.managed());
    }

    @Test
    void jknifeSentinelWinsWhenBothExistEvenWhenBroken() throws IOException {
        Files.writeString(dir.resolve(".mlxk_workspace.json"), "{\"managed\": true, \"source_repo\": \"py\"}");
        Files.writeString(dir.resolve(".jknife_workspace.json"), "{\"managed\": true, \"source_repo\": \"jk\"}");
        WorkspaceSentinel s = WorkspaceSentinel.read(dir).orElseThrow();
        assertFalse(s.isLegacyFile());
        assertEquals(Optional.of("jk"), s.sourceRepo());

        Files.writeString(dir.resolve(".jknife_workspace.json"), "{broken");
        assertTrue(WorkspaceSentinel.read(dir).isEmpty(), "a broken jknife sentinel shadows the mlxk one");
    }

    @Test
    void accessorsExposeTypedFieldsAndJsonIsACopy() throws IOException {
        Files.writeString(dir.resolve(WorkspaceSentinel.FILE_NAME), """
                {"jknife_version": "0.1.0", "created_at": "t", "source_repo": "org/m", "source_revision": null,
                 "managed": true, "operation": "convert", "mode": "quantize",
                 "quantization": {"bits": 8, "group_size": 64}, "hash_algorithm": "v2",
                 "content_hash": "sha256:00", "hash_modified": "t2", "exclude_patterns": ["a/", 3, "*.x"]}
                """);
        WorkspaceSentinel s = WorkspaceSentinel.read(dir).orElseThrow();
        assertEquals(Optional.of("org/m"), s.sourceRepo());
        assertEquals(Optional.empty(), s.sourceRevision());
        assertEquals(Optional.of("convert"), s.operation());
        assertEquals(Optional.of("quantize"), s.mode());
        assertEquals(8, s.quantization().orElseThrow().get("bits").asInt());
        assertEquals(Optional.of("v2"), s.hashAlgorithm());
        assertEquals(Optional.of("sha256:00"), s.contentHash());
        assertEquals(Optional.of("t2"), s.hashModified());
        assertEquals(Optional.of("t"), s.createdAt());
        assertEquals(Optional.of(List.of("a/", "*.x")), s.excludePatterns(), "non-strings are ignored");
        assertEquals(List.of("a/", "*.x"), s.effectiveExcludes());

        s.json().put("source_repo", "mutated");
        assertEquals(Optional.of("org/m"), s.sourceRepo());
    }

    @Test
    void effectiveExcludesDefaultWhenNotAList() throws IOException {
        Files.writeString(dir.resolve(WorkspaceSentinel.FILE_NAME), "{\"exclude_patterns\": \"*.x\"}");
        WorkspaceSentinel s = WorkspaceSentinel.read(dir).orElseThrow();
        assertTrue(s.excludePatterns().isEmpty());
        assertEquals(ContentHash.DEFAULT_EXCLUDES, s.effectiveExcludes());
    }

    @Test
    void rewriteKeepsFileNameUnknownKeysAndKeyOrder() throws IOException {
        Files.writeString(dir.resolve(".mlxk_workspace.json"), """
                {"mlxk_version": "2.0.7", "zz_unknown": [1, {"k": "v"}], "created_at": "t",
                 "managed": true, "operation": "clone", "content_hash": "old"}
                """);
        WorkspaceSentinel s = WorkspaceSentinel.read(dir).orElseThrow();
        ObjectNode updated = s.json();
        updated.put("content_hash", "new");
        updated.put("appended", 1);
        s.rewrite(updated);

        assertFalse(Files.exists(dir.resolve(WorkspaceSentinel.FILE_NAME)), "rewrite never creates the jknife file");
        ObjectNode back = Ws.readJson(dir.resolve(".mlxk_workspace.json"));
        assertEquals(List.of("mlxk_version", "zz_unknown", "created_at", "managed", "operation", "content_hash",
                "appended"), keys(back));
        assertEquals("new", back.get("content_hash").asText());
        assertEquals("v", back.get("zz_unknown").get(1).get("k").asText());
        assertFalse(back.has("jknife_version"));
    }
}
