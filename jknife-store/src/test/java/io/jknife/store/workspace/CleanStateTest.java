package io.jknife.store.workspace;

import io.jknife.store.json.PyJson;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CleanStateTest {

    @TempDir
    Path ws;

    private static List<String> keys(JsonNode node) {
        List<String> out = new ArrayList<>();
        node.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private void assertClean(String stored) {
        CleanResult r = CleanState.check(ws);
        assertEquals(Boolean.TRUE, r.clean(), r.toString());
        assertEquals(stored, r.currentHash());
        assertEquals(stored, r.storedHash());
        assertEquals(Optional.empty(), r.hint());
    }

    private CleanResult assertDirty(String stored) {
        CleanResult r = CleanState.check(ws);
        assertEquals(Boolean.FALSE, r.clean(), r.toString());
        assertEquals(stored, r.storedHash());
        assertTrue(r.isDirty());
        return r;
    }

    // ------------------------------------------------------------ first compute (§5.4)

    @Test
    void recalcWritesV2FieldsInOrderAfterExistingKeys() {
        Ws.model(ws);
        Ws.managed(ws);
        String h = ContentHash.recalc(ws).orElseThrow();
        ObjectNode s = Ws.sentinelJson(ws);
        assertEquals(List.of("jknife_version", "created_at", "source_repo", "source_revision", "managed", "operation",
                "hash_algorithm", "content_hash", "hash_modified", "exclude_patterns", "file_index"), keys(s));
        assertEquals("v2", s.get("hash_algorithm").asText());
        assertEquals(h, s.get("content_hash").asText());
        assertTrue(s.get("hash_modified").asText().matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}Z"));
        List<String> stored = new ArrayList<>();
        s.get("exclude_patterns").forEach(p -> stored.add(p.asText()));
        assertEquals(ContentHash.DEFAULT_EXCLUDES, stored);
        assertEquals(List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"),
                s.get("file_index").findValuesAsText("path"));
        assertEquals(List.of("path", "size", "mtime_ns", "sha"), keys(s.get("file_index").get(0)));
        assertEquals(ContentHash.compute(ws, null).orElseThrow().contentHash(), h);
        assertClean(h);
    }

    // 95, 112
    @Test
    void legacyV1SentinelIsUnknownUntilRecalc() {
        Ws.model(ws);
        ObjectNode v1 = WorkspaceSentinel.create("2.0.7", "clone", "org/m", null);
        v1.put("content_hash", "ab".repeat(32));
        v1.put("custom", "kept");
        Ws.putSentinel(ws, v1);

        CleanResult r = CleanState.check(ws);
        assertNull(r.clean());
        assertNull(r.currentHash());
        assertEquals("ab".repeat(32), r.storedHash());
        assertEquals(Optional.of(CleanState.HINT_LEGACY), r.hint());
        assertEquals(Optional.of(CleanState.HINT_LEGACY), CleanState.hint(ws));

        String h = ContentHash.recalc(ws).orElseThrow();
        ObjectNode s = Ws.sentinelJson(ws);
        assertEquals("v2", s.get("hash_algorithm").asText());
        assertTrue(s.get("file_index").isArray());
        assertTrue(s.get("exclude_patterns").isArray());
        assertEquals("kept", s.get("custom").asText());
        assertEquals(List.of("jknife_version", "created_at", "source_repo", "source_revision", "managed", "operation",
                "content_hash", "custom", "hash_algorithm", "hash_modified", "exclude_patterns", "file_index"),
                keys(s), "content_hash keeps its place, new keys are appended");
        assertClean(h);
        assertEquals(Optional.empty(), CleanState.hint(ws));
    }

    @Test
    void futureHashAlgorithmIsUnknown() {
        Ws.managedWithHash(ws);
        ObjectNode s = Ws.sentinelJson(ws);
        s.put("hash_algorithm", "v3");
        Ws.putSentinel(ws, s);
        CleanResult r = CleanState.check(ws);
        assertNull(r.clean());
        assertEquals(Optional.of(CleanState.HINT_LEGACY), r.hint());
    }

    // 96
    @Test
    void recalcRefusesUnmanagedWorkspaces() throws IOException {
        Ws.model(ws);
        assertEquals(Optional.empty(), ContentHash.recalc(ws));
        assertFalse(Files.exists(ws.resolve(WorkspaceSentinel.FILE_NAME)), "no sentinel created");

        ObjectNode unmanaged = WorkspaceSentinel.create("0.1.0", "clone", "o/m", null);
        unmanaged.put("managed", false);
        Ws.putSentinel(ws, unmanaged);
        String before = Files.readString(ws.resolve(WorkspaceSentinel.FILE_NAME));
        assertEquals(Optional.empty(), ContentHash.recalc(ws));
        assertEquals(before, Files.readString(ws.resolve(WorkspaceSentinel.FILE_NAME)));
    }

    @Test
    void failedRecalcLeavesTheSentinelUntouched() throws IOException {
        Ws.model(ws);
        Ws.managed(ws);
        Ws.write(ws, "model.safetensors", Ws.safetensors(0, new byte[0], new byte[8]));
        String before = Files.readString(ws.resolve(WorkspaceSentinel.FILE_NAME));
        assertEquals(Optional.empty(), ContentHash.recalc(ws));
        assertEquals(before, Files.readString(ws.resolve(WorkspaceSentinel.FILE_NAME)));
    }

    @Test
    void recalcOfAnMlxkSentinelRewritesThatFileAndKeepsItsVersionKey() throws IOException {
        Ws.model(ws);
        Files.writeString(ws.resolve(".mlxk_workspace.json"), """
                {"mlxk_version": "2.0.7", "created_at": "2026-01-01T00:00:00Z", "source_repo": "org/m",
                 "source_revision": null, "managed": true, "operation": "clone"}
                """);
        String h = ContentHash.recalc(ws).orElseThrow();
        assertFalse(Files.exists(ws.resolve(WorkspaceSentinel.FILE_NAME)));
        ObjectNode s = Ws.readJson(ws.resolve(".mlxk_workspace.json"));
        assertEquals("2.0.7", s.get("mlxk_version").asText());
        assertFalse(s.has("jknife_version"));
        assertEquals(h, s.get("content_hash").asText());
        assertClean(h);
    }

    // 114
    @Test
    void recalcPreservesACustomStoredExcludeList() {
        Ws.model(ws);
        ObjectNode s = WorkspaceSentinel.create("0.1.0", "clone", "o/m", null);
        ArrayNode custom = s.putArray("exclude_patterns");
        custom.add(".hf_cache/").add("*.md").add(7);
        Ws.putSentinel(ws, s);
        Ws.write(ws, "README.md", "readme");
        Ws.write(ws, ".DS_Store", "d");

        ContentHash.recalc(ws).orElseThrow();
        ObjectNode after = Ws.sentinelJson(ws);
        assertEquals(custom, after.get("exclude_patterns"), "stored list written back unchanged");
        List<String> paths = after.get("file_index").findValuesAsText("path");
        assertFalse(paths.contains("README.md"));
        assertTrue(paths.contains(".DS_Store"));
    }

    // ------------------------------------------------------------ clean check (§5.5)

    @Test
    void noSentinelIsAllUnknownWithoutHint() {
        Ws.model(ws);
        assertEquals(CleanResult.noSentinel(), CleanState.check(ws));
        Ws.putSentinel(ws, PyJson.MAPPER.createObjectNode()); // "{}" is no metadata either
        assertEquals(CleanResult.noSentinel(), CleanState.check(ws));
        assertTrue(CleanState.check(ws).isUnknown());
    }

    // 105
    @Test
    void mutatingExcludedFilesKeepsTheWorkspaceClean() {
        Ws.write(ws, ".hf_cache/hub/a", "1");
        Ws.write(ws, ".git/HEAD", "1");
        Ws.write(ws, ".vscode/s.json", "1");
        Ws.write(ws, ".pytest_cache/v", "1");
        String h = Ws.managedWithHash(ws);
        Ws.write(ws, ".hf_cache/hub/a", "2");
        Ws.write(ws, ".hf_cache/hub/new", "new");
        Ws.write(ws, ".git/HEAD", "22");
        Ws.write(ws, ".vscode/s.json", "22");
        Ws.write(ws, ".pytest_cache/v", "22");
        Ws.write(ws, "download.lock", "x");
        Ws.write(ws, ".DS_Store", "x");
        Ws.write(ws, "._x", "x");
        assertClean(h);
    }

    // 107
    @Test
    void touchOnlySelfHealsTheStoredMtimes() throws IOException {
        String h = Ws.managedWithHash(ws);
        ObjectNode before = Ws.sentinelJson(ws);
        List<String> files = List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json");
        for (String f : files) {
            Ws.touch(ws.resolve(f), 3600);
        }
        assertClean(h);

        ObjectNode after = Ws.sentinelJson(ws);
        for (String f : files) {
            long now = Files.getLastModifiedTime(ws.resolve(f)).to(java.util.concurrent.TimeUnit.NANOSECONDS);
            assertEquals(now, Ws.indexEntry(after, f).get("mtime_ns").asLong(), f);
            assertNotEquals(Ws.indexEntry(before, f).get("mtime_ns").asLong(), now, f);
        }
        assertEquals(h, after.get("content_hash").asText(), "aggregate not recomputed on the clean path");
        assertEquals(before.get("hash_modified"), after.get("hash_modified"));
        assertEquals(keys(before), keys(after));
        assertFalse(Files.exists(ws.resolve(WorkspaceSentinel.FILE_NAME + ".tmp")));

        // once healed, nothing more to write
        String text = Files.readString(ws.resolve(WorkspaceSentinel.FILE_NAME));
        assertClean(h);
        assertEquals(text, Files.readString(ws.resolve(WorkspaceSentinel.FILE_NAME)));
    }

    @Test
    void selfHealKeepsUnknownKeysInSentinelAndEntries() {
        String h = Ws.managedWithHash(ws);
        ObjectNode s = Ws.sentinelJson(ws);
        s.put("zz_custom", "keep");
        ((ObjectNode) Ws.indexEntry(s, "config.json")).put("note", "entry-level key");
        Ws.putSentinel(ws, s);
        Ws.touch(ws.resolve("config.json"), 60);
        assertClean(h);
        ObjectNode after = Ws.sentinelJson(ws);
        assertEquals("keep", after.get("zz_custom").asText());
        assertEquals("entry-level key", Ws.indexEntry(after, "config.json").get("note").asText());
        assertEquals(List.of("path", "size", "mtime_ns", "sha", "note"), keys(Ws.indexEntry(after, "config.json")));
    }

    @Test
    void failedSelfHealWriteIsIgnored() throws IOException {
        String h = Ws.managedWithHash(ws);
        Ws.touch(ws.resolve("config.json"), 60);
        // block the tmp file name with a non-empty directory: the write fails, the check does not
        Files.createDirectories(ws.resolve(WorkspaceSentinel.FILE_NAME + ".tmp").resolve("x"));
        assertClean(h);
    }

    // 102 (clean side)
    @Test
    void rewritingTensorDataWithSameHeaderStaysClean() {
        String h = Ws.managedWithHash(ws);
        Ws.write(ws, "model.safetensors", Ws.safetensors(Ws.TENSOR_HEADER, new byte[]{9, 9, 9, 9, 9, 9, 9, 9}));
        Ws.touch(ws.resolve("model.safetensors"), 5);
        assertClean(h);
    }

    @Test
    void corruptedSafetensorsMakesItDirtyWithoutCurrentHash() {
        String h = Ws.managedWithHash(ws);
        byte[] bad = Ws.safetensors(0, new byte[Ws.TENSOR_HEADER.length()], new byte[8]); // same size
        Ws.write(ws, "model.safetensors", bad);
        Ws.touch(ws.resolve("model.safetensors"), 5);
        CleanResult r = assertDirty(h);
        assertNull(r.currentHash(), "the recompute fails too");
    }

    // 108
    @Test
    void addingOrDeletingAFileMakesItDirtyWithTheNewHash() throws IOException {
        String h = Ws.managedWithHash(ws);
        Ws.write(ws, "added.txt", "new");
        CleanResult added = assertDirty(h);
        assertNotEquals(h, added.currentHash());
        assertEquals(ContentHash.compute(ws, null).orElseThrow().contentHash(), added.currentHash());

        Files.delete(ws.resolve("added.txt"));
        assertClean(h);

        Files.delete(ws.resolve("tokenizer.json"));
        CleanResult deleted = assertDirty(h);
        assertNotEquals(h, deleted.currentHash());
        assertTrue(deleted.currentHash().startsWith("sha256:"));
    }

    @Test
    void editsAreDetected() throws IOException {
        String h = Ws.managedWithHash(ws);
        Path cfg = ws.resolve("config.json");
        FileTime t = Files.getLastModifiedTime(cfg);
        Ws.write(ws, "config.json", "{\"model_type\": \"LLAMA\"}"); // same size, new content
        Files.setLastModifiedTime(cfg, FileTime.fromMillis(t.toMillis() + 5000));
        assertDirty(h);

        Ws.write(ws, "config.json", "{\"model_type\": \"llama\"}   "); // size differs
        assertDirty(h);

        Ws.write(ws, "config.json", "{\"model_type\": \"llama\"}"); // original content back
        assertClean(h);
    }

    @Test
    void sameSizeAndMtimeIsTrustedWithoutReading() throws IOException {
        String h = Ws.managedWithHash(ws);
        Path cfg = ws.resolve("config.json");
        FileTime t = Files.getLastModifiedTime(cfg);
        Ws.write(ws, "config.json", "{\"model_type\": \"LLAMA\"}");
        Files.setLastModifiedTime(cfg, t); // stat-identical edit: the fast path cannot see it
        assertClean(h);
    }

    @Test
    void renameMakesItDirty() throws IOException {
        String h = Ws.managedWithHash(ws);
        Files.move(ws.resolve("tokenizer_config.json"), ws.resolve("tokenizer_config2.json"));
        assertDirty(h);
    }

    // 109
    @Test
    void insideSymlinkKeepsTheWorkspaceClean() throws IOException {
        Ws.model(ws);
        Files.createSymbolicLink(ws.resolve("alias.json"), Path.of("tokenizer.json"));
        Ws.managed(ws);
        String h = ContentHash.recalc(ws).orElseThrow();
        JsonNode e = Ws.indexEntry(Ws.sentinelJson(ws), "alias.json");
        assertTrue(e.get("sha").asText().startsWith("sha256:"));
        assertEquals(0, e.get("size").asLong());
        assertClean(h);

        Files.delete(ws.resolve("alias.json"));
        Files.createSymbolicLink(ws.resolve("alias.json"), Path.of("config.json"));
        assertDirty(h);
    }

    // 110
    @Test
    void symlinkLeavingTheWorkspaceMakesItDirtyWithoutReadingTheTarget(@TempDir Path outside) throws IOException {
        String h = Ws.managedWithHash(ws);
        Path fifo = outside.resolve("fifo");
        Path target = Ws.mkfifo(fifo) ? fifo : Files.writeString(outside.resolve("secret"), "s");
        Files.createSymbolicLink(ws.resolve("escape"), target);
        CleanResult r = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> CleanState.check(ws));
        assertEquals(Boolean.FALSE, r.clean());
        assertNull(r.currentHash(), "first compute fails on the outside link");
        assertEquals(h, r.storedHash());
        assertTrue(ContentHash.recalc(ws).isEmpty());
    }

    @Test
    void indexedSymlinkThatNowDanglesIsDirty() throws IOException {
        Ws.model(ws);
        Ws.write(ws, "target.txt", "t");
        Files.createSymbolicLink(ws.resolve("alias"), Path.of("target.txt"));
        Ws.managed(ws);
        String h = ContentHash.recalc(ws).orElseThrow();
        Files.delete(ws.resolve("target.txt"));
        Ws.write(ws, "other.txt", "t"); // keep the walk otherwise plausible
        CleanResult r = assertDirty(h);
        assertNull(r.currentHash());
    }

    // 111
    @ParameterizedTest
    @ValueSource(strings = {"../../etc/passwd", "/etc/passwd", "sub\\x.txt", "C:x.txt", "a\u0000b", "",
        "sub/../../x", "..", "😀:x"})
    void unsafeIndexPathIsUnknownAndNeverOpened(String bad, @TempDir Path parent) throws IOException {
        Path w = Files.createDirectories(parent.resolve("ws"));
        Ws.model(w);
        Ws.managed(w);
        String h = ContentHash.recalc(w).orElseThrow();
        // a FIFO just outside the workspace: opening it would block the test
        boolean fifo = Ws.mkfifo(parent.resolve("trap"));
        ObjectNode s = Ws.sentinelJson(w);
        ObjectNode entry = ((ArrayNode) s.get("file_index")).addObject();
        entry.put("path", bad);
        entry.put("size", 1);
        entry.put("mtime_ns", 1);
        entry.put("sha", "sha256:00");
        if (fifo) {
            ((ArrayNode) s.get("file_index")).addObject().put("path", "../trap").put("size", 0);
        }
        Ws.putSentinel(w, s);

        CleanResult r = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> CleanState.check(w));
        assertNull(r.clean());
        assertNull(r.currentHash());
        assertEquals(h, r.storedHash());
        assertEquals(Optional.of(CleanState.HINT_CORRUPT), r.hint());
    }

    @Test
    void nonObjectOrNonStringIndexEntriesAreCorrupt() {
        String h = Ws.managedWithHash(ws);
        ObjectNode s = Ws.sentinelJson(ws);
        ((ArrayNode) s.get("file_index")).add("config.json");
        Ws.putSentinel(ws, s);
        assertEquals(new CleanResult(null, null, h, Optional.of(CleanState.HINT_CORRUPT)), CleanState.check(ws));

        s = Ws.sentinelJson(ws);
        ArrayNode idx = (ArrayNode) s.get("file_index");
        idx.remove(idx.size() - 1);
        idx.addObject().put("path", 42);
        Ws.putSentinel(ws, s);
        assertEquals(Optional.of(CleanState.HINT_CORRUPT), CleanState.check(ws).hint());
    }

    @Test
    void missingFileIndexIsUnknownWithRebuildHint() {
        String h = Ws.managedWithHash(ws);
        ObjectNode s = Ws.sentinelJson(ws);
        s.put("file_index", "not a list");
        Ws.putSentinel(ws, s);
        assertEquals(new CleanResult(null, null, h, Optional.of(CleanState.HINT_NO_INDEX)), CleanState.check(ws));
        s.remove("file_index");
        Ws.putSentinel(ws, s);
        assertEquals(Optional.of(CleanState.HINT_NO_INDEX), CleanState.hint(ws));
    }

    @Test
    void safeIndexPaths() {
        for (String ok : List.of("a", "a/b.txt", ".hidden", "a..b", "x/..y", "ab:c", "é/😀.txt")) {
            assertTrue(CleanState.isSafeIndexPath(ok), ok);
        }
        for (String bad : List.of("", "/a", "a\\b", "C:", "a\0", "..", "../a", "a/..", "a/../b", "😀:")) {
            assertFalse(CleanState.isSafeIndexPath(bad), bad);
        }
    }

    // 113
    @Test
    void narrowerStoredExcludeListGoverns() {
        Ws.model(ws);
        ObjectNode s = WorkspaceSentinel.create("0.1.0", "clone", "o/m", null);
        s.putArray("exclude_patterns").add(".hf_cache/").add(".mlxk_workspace.json");
        Ws.putSentinel(ws, s);
        String h = ContentHash.recalc(ws).orElseThrow();
        assertClean(h);
        Ws.write(ws, ".hf_cache/hub/x", "runtime download");
        assertClean(h);
        Ws.write(ws, ".DS_Store", "finder");
        assertDirty(h);
    }

    @Test
    void cleanCheckIgnoresTheManagedFlag() {
        String h = Ws.managedWithHash(ws);
        ObjectNode s = Ws.sentinelJson(ws);
        s.put("managed", false);
        Ws.putSentinel(ws, s);
        assertClean(h);
    }

    @Test
    void cleanCheckWorksOnAnMlxkSentinelAndHealsIntoIt() throws IOException {
        Ws.model(ws);
        Files.writeString(ws.resolve(".mlxk_workspace.json"), """
                {"mlxk_version": "2.0.7", "created_at": "2026-01-01T00:00:00Z", "managed": true, "operation": "clone"}
                """);
        String h = ContentHash.recalc(ws).orElseThrow();
        Ws.touch(ws.resolve("config.json"), 30);
        assertClean(h);
        assertFalse(Files.exists(ws.resolve(WorkspaceSentinel.FILE_NAME)));
        long now = Files.getLastModifiedTime(ws.resolve("config.json")).to(java.util.concurrent.TimeUnit.NANOSECONDS);
        assertEquals(now, Ws.indexEntry(Ws.readJson(ws.resolve(".mlxk_workspace.json")), "config.json")
                .get("mtime_ns").asLong());
    }

    @Test
    void storedHashIsNullWhenNotAString() {
        Ws.managedWithHash(ws);
        ObjectNode s = Ws.sentinelJson(ws);
        s.put("content_hash", 5);
        Ws.putSentinel(ws, s);
        CleanResult r = CleanState.check(ws);
        assertEquals(Boolean.TRUE, r.clean());
        assertNull(r.storedHash());
        assertNull(r.currentHash());
    }
}
