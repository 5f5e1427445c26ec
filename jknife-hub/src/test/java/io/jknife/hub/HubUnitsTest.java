package io.jknife.hub;

import io.jknife.hub.api.FileMeta;
import io.jknife.hub.cache.ContentCheck;
import io.jknife.hub.clone.Cloner;
import io.jknife.hub.copy.FileCopier;
import io.jknife.hub.push.IgnoreRules;
import io.jknife.hub.workspace.StagedWorkspace;
import io.jknife.hub.workspace.TargetException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Small pieces: names, ids, ignore rules, copies, staging. */
class HubUnitsTest {
    @TempDir
    Path tmp;

    @Test
    void repositoryIds() {
        assertNull(RepoIds.problem("org/name"));
        assertNull(RepoIds.problem("gpt2"));
        assertNull(RepoIds.problem("mlx-community/Llama-3.2-1B-Instruct-4bit"));
        assertEquals("Invalid model name: empty", RepoIds.problem(" "));
        assertTrue(RepoIds.problem("/org/x").startsWith("Invalid model name: must be <= 96 chars"));
        assertTrue(RepoIds.problem("org//x").startsWith("Invalid model name: must be <= 96 chars"));
        assertTrue(RepoIds.problem("a".repeat(97)).startsWith("Invalid model name: must be <= 96 chars"));
        assertTrue(RepoIds.problem("a/b/c").contains("more than one '/'"));
        assertTrue(RepoIds.problem("org/bad--name").contains("no '--'"));
        assertTrue(RepoIds.problem("org/na me").contains("letters, digits"));
    }

    @Test
    void etagsAreNormalizedAndCheckedAsGitOrSha256() {
        assertEquals("abc", FileMeta.normalizeEtag("W/\"abc\""));
        assertEquals("abc", FileMeta.normalizeEtag("\"abc\""));
        byte[] hello = "hello\n".getBytes(StandardCharsets.UTF_8);
        ContentCheck git = ContentCheck.forEtag("ce013625030ba8dba906f756967f9e9ca394464a", hello.length); // git hash-object
        git.update(hello, 0, hello.length);
        assertNull(git.mismatch(hello.length));
        ContentCheck sha = ContentCheck.forEtag("5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03", hello.length);
        sha.update(hello, 0, hello.length);
        assertNull(sha.mismatch(hello.length));
        ContentCheck other = ContentCheck.forEtag("some-cdn-etag", 6);
        assertFalse(other.verifiable());
        assertEquals("size 5 instead of 6", other.mismatch(5));
    }

    @Test
    void retryBackoffDoublesUpToTheLimit() {
        RetryPolicy p = new RetryPolicy(5, Duration.ofMillis(100), Duration.ofMillis(500));
        assertEquals(Duration.ofMillis(100), p.backoff(1));
        assertEquals(Duration.ofMillis(400), p.backoff(3));
        assertEquals(Duration.ofMillis(500), p.backoff(9));
    }

    @Test
    void pushNeverUploadsSentinelsOrThePrivateCache() throws IOException {
        IgnoreRules r = IgnoreRules.forDirectory(tmp);
        for (String p : new String[]{".jknife_workspace.json", ".mlxk_workspace.json", ".hf_cache/hub/x", "sub/.hf_cache/y",
                ".git/HEAD", "a/.git/config", "__pycache__/m.pyc", "x.pyc", ".DS_Store", "a/.DS_Store"}) {
            assertTrue(r.ignored(p), p);
        }
        for (String p : new String[]{"config.json", "model.safetensors", "tokenizer/vocab.txt", "README.md"}) {
            assertFalse(r.ignored(p), p);
        }
    }

    @Test
    void copiesUseLinksOnlyForLargeFiles() throws IOException {
        Path small = Files.writeString(tmp.resolve("config.json"), "{}");
        Path large = tmp.resolve("big.bin");
        try (var ch = java.nio.channels.FileChannel.open(large, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[]{1}), (16L << 20) + 10); // sparse, 16 MB + 11 bytes
        }
        FileCopier shared = new FileCopier(true);
        assertEquals(FileCopier.Method.COPY, shared.copy(small, tmp.resolve("out/config.json")));
        FileCopier.Method m = shared.copy(large, tmp.resolve("out/big.bin"));
        assertTrue(m == FileCopier.Method.REFLINK || m == FileCopier.Method.HARDLINK, m.toString());
        assertEquals(Files.size(large), Files.size(tmp.resolve("out/big.bin")));
        FileCopier plain = new FileCopier(false);
        FileCopier.Method p = plain.copy(large, tmp.resolve("out2/big.bin"));
        assertTrue(p == FileCopier.Method.REFLINK || p == FileCopier.Method.COPY, p.toString());
        assertEquals("mixed", shared.summary());
    }

    @Test
    void stagedWorkspacesAppearOnlyWhenComplete() throws IOException {
        Path full = Files.createDirectories(tmp.resolve("full"));
        Files.writeString(full.resolve("x"), "x");
        assertThrows(TargetException.class, () -> StagedWorkspace.begin(full));
        Path target = tmp.resolve("ws");
        try (StagedWorkspace ws = StagedWorkspace.begin(target)) {
            Files.writeString(ws.dir().resolve("config.json"), "{}");
            assertFalse(Files.exists(target));
        }
        assertFalse(Files.exists(target), "not published: nothing left");
        Files.createDirectories(target); // an empty target directory is fine
        try (StagedWorkspace ws = StagedWorkspace.begin(target)) {
            Files.writeString(ws.dir().resolve("config.json"), "{}");
            var node = io.jknife.store.workspace.WorkspaceSentinel.create("test", "clone", "org/x", null);
            assertNotNull(ws.publish(node).orElse(null));
        }
        assertTrue(Files.isRegularFile(target.resolve(".jknife_workspace.json")));
        try (var s = Files.list(tmp)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".jknife_stage_")));
        }
    }

    @Test
    void theTemporaryCacheIsNamedFromModelAndTarget() {
        Path a = Cloner.tempCacheFor("org/x", tmp.resolve("ws"));
        assertEquals(tmp, a.getParent());
        assertTrue(a.getFileName().toString().matches("\\.jknife_temp_[0-9a-f]{16}"), a.toString());
        assertEquals(a, Cloner.tempCacheFor("org/x", tmp.resolve("ws")));
        assertFalse(a.equals(Cloner.tempCacheFor("org/y", tmp.resolve("ws"))));
    }

    @Test
    void progressBarsRedrawInPlace() {
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        java.io.PrintStream err = new java.io.PrintStream(buf, true, StandardCharsets.UTF_8);
        try (var p = new io.jknife.hub.progress.TerminalProgress(err, 100)) {
            p.started("org/model", 2, 3_000_000, 1_000_000);
            p.fileStarted("model.safetensors", 2_000_000);
            p.bytes("model.safetensors", 1_000_000);
            p.fileFinished("config.json", 1_000_000, true);
            p.bytes("model.safetensors", 1_000_000);
            p.fileFinished("model.safetensors", 2_000_000, false);
            p.finished(true);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("org/model (2/2 files)"), out);
        assertTrue(out.contains("100%"), out);
        assertTrue(out.contains("3.0 MB / 3.0 MB"), out);
        assertTrue(out.contains("\033[2K"), "lines are cleared before they are redrawn");
    }

    @Test
    void jsonProgressIsOneObjectPerLine() throws IOException {
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        var p = new io.jknife.hub.progress.JsonProgress(new java.io.PrintStream(buf, true, StandardCharsets.UTF_8));
        p.started("org/model", 1, 10, 0);
        p.fileStarted("a", 10);
        p.bytes("a", 10);
        p.fileFinished("a", 10, false);
        p.finished(true);
        var m = new com.fasterxml.jackson.databind.ObjectMapper();
        java.util.List<String> events = new java.util.ArrayList<>();
        for (String line : buf.toString(StandardCharsets.UTF_8).split("\n")) {
            events.add(m.readTree(line).get("event").asText());
        }
        assertEquals(java.util.List.of("start", "file_start", "progress", "file_done", "done"), events);
    }

    @Test
    void chunkedBodiesAreDecoded() throws Exception {
        byte[] body = "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nTrailer: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        var cls = Class.forName("io.jknife.hub.http.ChunkedInputStream");
        var ctor = cls.getDeclaredConstructor(InputStream.class);
        ctor.setAccessible(true);
        try (InputStream in = (InputStream) ctor.newInstance(new ByteArrayInputStream(body))) {
            assertEquals("hello, world", new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
        }
    }
}
