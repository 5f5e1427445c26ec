package io.jknife.store.workspace;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ContentHashTest {

    @TempDir
    Path ws;

    private String hash() {
        return ContentHash.compute(ws, null).orElseThrow().contentHash();
    }

    private List<String> paths() {
        return ContentHash.compute(ws, null).orElseThrow().fileIndex().stream().map(IndexEntry::path).toList();
    }

    // 100
    @Test
    void hashIsPrefixedLowercaseHexAndDeterministic() {
        Ws.model(ws);
        String h = hash();
        assertTrue(h.matches("sha256:[0-9a-f]{64}"), h);
        assertEquals(h, hash());
    }

    // 101
    @Test
    void editingConfigTokenizerProcessorOrIndexOrAddingTemplateChangesTheHash() {
        Ws.model(ws);
        Ws.write(ws, "processor_config.json", "{\"a\": 1}");
        Ws.write(ws, "model.safetensors.index.json", "{\"weight_map\": {}}");
        String h0 = hash();

        Ws.write(ws, "config.json", "{\"model_type\": \"mistral\"}");
        String h1 = hash();
        assertNotEquals(h0, h1);

        Ws.write(ws, "tokenizer.json", "{\"version\": \"2.0\"}");
        String h2 = hash();
        assertNotEquals(h1, h2);

        Ws.write(ws, "processor_config.json", "{\"a\": 2}");
        String h3 = hash();
        assertNotEquals(h2, h3);

        Ws.write(ws, "chat_template.jinja", "{{ messages }}");
        String h4 = hash();
        assertNotEquals(h3, h4);

        Ws.write(ws, "model.safetensors.index.json", "{\"weight_map\": {\"w\": \"model.safetensors\"}}");
        assertNotEquals(h4, hash());
    }

    // 102
    @Test
    void safetensorsAreHashedByHeaderOnly() {
        Ws.model(ws);
        String h0 = hash();
        byte[] header = Ws.TENSOR_HEADER.getBytes(StandardCharsets.UTF_8);
        IndexEntry e = ContentHash.compute(ws, null).orElseThrow().fileIndex().stream()
                .filter(x -> x.path().equals("model.safetensors")).findFirst().orElseThrow();
        assertEquals(Ws.sha(header), e.sha(), "sha of the raw header bytes");

        Ws.write(ws, "model.safetensors", Ws.safetensors(Ws.TENSOR_HEADER, new byte[]{1, 2, 3, 4, 5, 6, 7, 8}));
        assertEquals(h0, hash(), "tensor bytes do not matter");

        Ws.write(ws, "model.safetensors",
                Ws.safetensors(Ws.TENSOR_HEADER.replace("F32", "F16"), new byte[8]));
        assertNotEquals(h0, hash(), "the header does");
    }

    // 103
    @Test
    void corruptSafetensorsHeaderFailsTheComputation() throws IOException {
        Ws.model(ws);
        Path st = ws.resolve("model.safetensors");
        Ws.write(ws, "model.safetensors", Ws.safetensors(0, new byte[0], new byte[16]));
        HashException zero = assertThrows(HashException.class, () -> ContentHash.computeOrThrow(ws, null));
        assertTrue(zero.getMessage().contains("corrupt safetensors header"), zero.getMessage());

        Ws.write(ws, "model.safetensors", Ws.safetensors(ContentHash.SAFETENSORS_HEADER_MAX + 1, new byte[0], new byte[16]));
        assertTrue(ContentHash.compute(ws, null).isEmpty(), "length > 100 MiB");

        Ws.write(ws, "model.safetensors", Ws.safetensors(-1L, new byte[0], new byte[16]));
        assertTrue(ContentHash.compute(ws, null).isEmpty(), "length >= 2^63");

        Ws.write(ws, "model.safetensors", Ws.safetensors(100, "{\"a\":1}".getBytes(StandardCharsets.UTF_8), new byte[0]));
        assertTrue(ContentHash.compute(ws, null).isEmpty(), "short read");

        Files.write(st, new byte[]{1, 2, 3});
        assertTrue(ContentHash.compute(ws, null).isEmpty(), "shorter than the length prefix");

        Files.write(st, new byte[0]);
        assertTrue(ContentHash.compute(ws, null).isEmpty(), "empty file");
    }

    @Test
    void safetensorsHeaderOfExactly100MiBIsAccepted() throws IOException {
        Ws.model(ws);
        Path st = ws.resolve("model.safetensors");
        Files.write(st, Ws.safetensors(ContentHash.SAFETENSORS_HEADER_MAX, new byte[0], new byte[0]));
        try (RandomAccessFile raf = new RandomAccessFile(st.toFile(), "rw")) {
            raf.setLength(8 + ContentHash.SAFETENSORS_HEADER_MAX); // sparse zeros
        }
        assertTrue(ContentHash.compute(ws, null).isPresent());
    }

    // 104
    @Test
    void bigNonSafetensorsFileIsFingerprintedByNameAndSizeWithoutReading() throws IOException {
        Ws.model(ws);
        Path big = ws.resolve("big.bin");
        long size = ContentHash.FULL_READ_CAP + 1;
        try (RandomAccessFile raf = new RandomAccessFile(big.toFile(), "rw")) {
            raf.setLength(size); // sparse
        }
        if (!Ws.isRoot()) {
            Files.setPosixFilePermissions(big, PosixFilePermissions.fromString("---------"));
        }
        long start = System.nanoTime();
        IndexEntry e = ContentHash.compute(ws, null).orElseThrow().fileIndex().stream()
                .filter(x -> x.path().equals("big.bin")).findFirst().orElseThrow();
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toSeconds() < 5, "1 GiB was not read");
        assertEquals(Ws.sha("big.bin".getBytes(StandardCharsets.UTF_8), new byte[]{0},
                Long.toString(size).getBytes(StandardCharsets.US_ASCII)), e.sha());
        assertEquals(size, e.size());

        // below the cap a file is hashed by content
        Ws.write(ws, "small.bin", new byte[1024]);
        IndexEntry small = ContentHash.compute(ws, null).orElseThrow().fileIndex().stream()
                .filter(x -> x.path().equals("small.bin")).findFirst().orElseThrow();
        assertEquals(Ws.sha(new byte[1024]), small.sha());
    }

    // 105 (index part; the clean part is in CleanStateTest)
    @Test
    void defaultExcludesKeepCruftOutOfTheIndex() {
        Ws.model(ws);
        Ws.write(ws, ".hf_cache/hub/x", "cache");
        Ws.write(ws, ".git/HEAD", "ref");
        Ws.write(ws, ".vscode/settings.json", "{}");
        Ws.write(ws, ".pytest_cache/v", "x");
        Ws.write(ws, "sub/.pytest_cache/v", "x");
        Ws.write(ws, "model.lock", "l");
        Ws.write(ws, ".DS_Store", "d");
        Ws.write(ws, "._x", "ax");
        Ws.write(ws, "notes.txt~", "backup");
        Ws.write(ws, "sub/keep.txt", "keep");
        Ws.write(ws, "Icon\r", "icon");
        assertEquals(List.of("config.json", "model.safetensors", "sub/keep.txt", "tokenizer.json",
                "tokenizer_config.json"), paths());
    }

    @Test
    void directoryPatternsPruneDirectoriesOnlyAndFilePatternsFilesOnly() {
        Ws.model(ws);
        Ws.write(ws, ".git", "gitdir: ../x");          // a .git *file* (submodule): hashed
        Ws.write(ws, "x.lock/inner.txt", "in a dir");  // a *.lock *directory*: descended
        assertTrue(paths().containsAll(List.of(".git", "x.lock/inner.txt")));
    }

    @Test
    void storedCustomListReplacesTheDefault() {
        Ws.model(ws);
        Ws.write(ws, ".DS_Store", "d");
        Ws.write(ws, "notes.md", "n");
        List<String> idx = ContentHash.compute(ws, List.of(".hf_cache/", "*.md")).orElseThrow().fileIndex()
                .stream().map(IndexEntry::path).toList();
        assertTrue(idx.contains(".DS_Store"));
        assertFalse(idx.contains("notes.md"));
    }

    @Test
    void sentinelFilesAtTheRootAreNeverHashed() throws IOException {
        Ws.model(ws);
        Ws.managed(ws);
        Files.writeString(ws.resolve(".mlxk_workspace.json"), "{}");
        Files.writeString(ws.resolve(".jknife_workspace.json.tmp"), "{}");
        HashResult r = ContentHash.compute(ws, List.of()).orElseThrow(); // even with an empty list
        assertFalse(r.fileIndex().stream().anyMatch(e -> e.path().contains("workspace.json")));
        assertEquals(List.of(), r.excludePatterns());
    }

    // 106
    @Test
    void renamingAFileChangesTheAggregate() throws IOException {
        Ws.model(ws);
        Ws.write(ws, "a.txt", "same");
        String h0 = hash();
        Files.move(ws.resolve("a.txt"), ws.resolve("b.txt"));
        assertNotEquals(h0, hash());
    }

    @Test
    void mtimesAndLocationDoNotChangeTheHash(@TempDir Path other) throws IOException {
        Ws.model(ws);
        String h0 = hash();
        Ws.touch(ws.resolve("config.json"), 100);
        assertEquals(h0, hash());
        Ws.model(other);
        assertEquals(h0, ContentHash.compute(other, null).orElseThrow().contentHash());
    }

    // 109
    @Test
    void insideSymlinkIsFingerprintedByTargetPathNotFollowed() throws IOException {
        Ws.model(ws);
        Ws.write(ws, "sub/real.txt", "content");
        Files.createSymbolicLink(ws.resolve("alias.json"), Path.of("tokenizer.json"));
        Files.createSymbolicLink(ws.resolve("subdir_link"), Path.of("sub"));
        HashResult r = ContentHash.compute(ws, null).orElseThrow();
        IndexEntry alias = r.fileIndex().stream().filter(e -> e.path().equals("alias.json")).findFirst().orElseThrow();
        assertEquals(0, alias.size());
        assertEquals(0, alias.mtimeNs());
        assertEquals(Ws.sha("SYMLINK\0tokenizer.json"), alias.sha());
        IndexEntry dirLink = r.fileIndex().stream().filter(e -> e.path().equals("subdir_link")).findFirst().orElseThrow();
        assertEquals(Ws.sha("SYMLINK\0sub"), dirLink.sha());
        assertFalse(r.fileIndex().stream().anyMatch(e -> e.path().startsWith("subdir_link/")), "never followed");

        // the fingerprint depends on the target path, not its content
        String h0 = r.contentHash();
        Ws.write(ws, "tokenizer.json", "{\"changed\": true}");
        IndexEntry again = ContentHash.compute(ws, null).orElseThrow().fileIndex().stream()
                .filter(e -> e.path().equals("alias.json")).findFirst().orElseThrow();
        assertEquals(alias.sha(), again.sha());
        assertNotEquals(h0, hash());
    }

    @Test
    void symlinksAreNeverExcluded() throws IOException {
        Ws.model(ws);
        Files.createSymbolicLink(ws.resolve("x.lock"), Path.of("config.json"));
        Files.createSymbolicLink(ws.resolve(".git"), Path.of("config.json"));
        assertTrue(paths().containsAll(List.of("x.lock", ".git")));
    }

    // 110
    @Test
    void symlinkLeavingTheWorkspaceFailsWithoutReadingTheTarget(@TempDir Path outside) throws IOException {
        Ws.model(ws);
        Path fifo = outside.resolve("fifo");
        Path target = Ws.mkfifo(fifo) ? fifo : Files.writeString(outside.resolve("secret"), "s");
        Files.createSymbolicLink(ws.resolve("escape"), target);
        HashException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertThrows(HashException.class, () -> ContentHash.computeOrThrow(ws, null)));
        assertTrue(e.getMessage().contains("leaves the workspace"), e.getMessage());
    }

    @Test
    void relativeSymlinkClimbingOutFails() throws IOException {
        Ws.model(ws);
        Files.createDirectories(ws.resolve("sub"));
        Files.createSymbolicLink(ws.resolve("sub/up"), Path.of("../.."));
        assertTrue(ContentHash.compute(ws, null).isEmpty());
    }

    @Test
    void danglingOrLoopingSymlinkFails() throws IOException {
        Ws.model(ws);
        Files.createSymbolicLink(ws.resolve("dangling"), Path.of("missing.json"));
        assertTrue(ContentHash.compute(ws, null).isEmpty(), "dangling link refused");
        Files.delete(ws.resolve("dangling"));
        Files.createSymbolicLink(ws.resolve("loop1"), Path.of("loop2"));
        Files.createSymbolicLink(ws.resolve("loop2"), Path.of("loop1"));
        assertTrue(ContentHash.compute(ws, null).isEmpty(), "loop refused");
    }

    @Test
    void symlinkToTheRootItselfIsInside() throws IOException {
        Ws.model(ws);
        Files.createSymbolicLink(ws.resolve("self"), Path.of("."));
        IndexEntry self = ContentHash.compute(ws, null).orElseThrow().fileIndex().stream()
                .filter(e -> e.path().equals("self")).findFirst().orElseThrow();
        assertEquals(Ws.sha("SYMLINK\0."), self.sha());
    }

    @Test
    void workspaceReachedThroughASymlinkHashesTheSame(@TempDir Path other) throws IOException {
        Ws.model(ws);
        Files.createSymbolicLink(ws.resolve("alias"), Path.of("config.json"));
        Path link = other.resolve("ws-link");
        Files.createSymbolicLink(link, ws);
        assertEquals(hash(), ContentHash.compute(link, null).orElseThrow().contentHash());
    }

    @Test
    void fifoInTheWorkspaceIsSkipped() {
        Ws.model(ws);
        assumeTrue(Ws.mkfifo(ws.resolve("pipe")));
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertFalse(paths().contains("pipe")));
    }

    // 115
    @Test
    void aggregateFormulaIsOrderIndependent() {
        IndexEntry a = new IndexEntry("a.json", 0, 0, "sha256:aa");
        IndexEntry b = new IndexEntry("b.json", 0, 0, "sha256:bb");
        String expected = Ws.sha("a.json\0sha256:aab.json\0sha256:bb");
        assertEquals(expected, ContentHash.aggregate(List.of(a, b)));
        assertEquals(expected, ContentHash.aggregate(List.of(b, a)));
        assertEquals(Ws.sha(new byte[0]), ContentHash.aggregate(List.of()));
    }

    @Test
    void indexIsSortedByCodePointAndNamesAreNfc() {
        assumeTrue(Ws.utf8FileNames(), "needs a UTF-8 file-name encoding");
        Ws.model(ws);
        Ws.write(ws, "\uFB01.txt", "ligature");            // U+FB01
        Ws.write(ws, "\uD83D\uDE00.txt", "emoji");         // U+1F600: after U+FB01 by code point,
        Ws.write(ws, "sub/e\u0301.txt", "decomposed");     // before it in UTF-16 order
        List<String> p = paths();
        assertTrue(p.indexOf("\uFB01.txt") < p.indexOf("\uD83D\uDE00.txt"), p.toString());
        assertTrue(p.contains("sub/\u00e9.txt"), "NFC path: " + p);
        assertTrue(ContentHash.PATH_ORDER.compare("\uFB01", "\uD83D\uDE00") < 0);
        assertTrue("\uFB01".compareTo("\uD83D\uDE00") > 0, "UTF-16 order would differ");
    }

    @Test
    void namesCollidingAfterNfcFailTheComputation() {
        assumeTrue(Ws.utf8FileNames(), "needs a UTF-8 file-name encoding");
        Ws.model(ws);
        Ws.write(ws, "\u00e9.txt", "composed");
        Ws.write(ws, "e\u0301.txt", "decomposed");
        assertTrue(ContentHash.compute(ws, null).isEmpty());
    }

    /**
     * Golden value: mlx-knife 2.0.7's {@code compute_workspace_hash_v2} on the same tree gives this
     * hash (checked against the Python implementation).
     */
    @Test
    void matchesMlxKnifeOnAReferenceTree() throws IOException {
        assumeTrue(Ws.utf8FileNames(), "needs a UTF-8 file-name encoding");
        Ws.write(ws, "config.json", "{\"model_type\":\"llama\"}");
        Ws.write(ws, "model.safetensors", Ws.safetensors(Ws.TENSOR_HEADER, new byte[8]));
        Ws.write(ws, "tokenizer.json", "{}");
        Ws.write(ws, "sub/dir/deep.txt", "deep");
        Ws.write(ws, "sub/e\u0301.txt", "nfd name");
        Ws.write(ws, "\uFB01.txt", "fi ligature");
        Ws.write(ws, "\uD83D\uDE00.txt", "emoji");
        Ws.write(ws, "Z.txt", "upper");
        Ws.write(ws, "a b.txt", "space");
        Ws.write(ws, ".hf_cache/x", "cache");
        Ws.write(ws, ".git/HEAD", "ref");
        Ws.write(ws, "x.lock", "l");
        Ws.write(ws, ".DS_Store", "d");
        Ws.write(ws, "._x", "ax");
        Ws.write(ws, "sub/.vscode/s.json", "{}");
        Files.createSymbolicLink(ws.resolve("link_to_tok"), Path.of("tokenizer.json"));
        Files.createSymbolicLink(ws.resolve("link_to_dir"), Path.of("sub"));
        Ws.write(ws, "chat_template.jinja", "{{ x }}");
        assertEquals("sha256:a84ad2fbc3b651a7fe9f411872593ae3ba4a3d02eb05513fa44d7f3419152b5e", hash());
    }

    @Test
    void notAWorkspaceCannotBeHashed(@TempDir Path empty) {
        Ws.write(empty, "readme.md", "x");
        assertTrue(ContentHash.compute(empty, null).isEmpty());
        assertTrue(ContentHash.compute(empty.resolve("missing"), null).isEmpty());
    }

    @Test
    void ggufWorkspaceWithoutConfigCanBeHashed() {
        Ws.write(ws, "model-Q4_K_M.gguf", "GGUF....");
        HashResult r = ContentHash.compute(ws, null).orElseThrow();
        assertEquals(List.of("model-Q4_K_M.gguf"), r.fileIndex().stream().map(IndexEntry::path).toList());
    }

    @Test
    void unreadableDirectoryFailsTheComputation() throws IOException {
        assumeTrue(!Ws.isRoot(), "root reads everything");
        Ws.model(ws);
        Path locked = Files.createDirectories(ws.resolve("locked"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
        try {
            assertTrue(ContentHash.compute(ws, null).isEmpty());
        } finally {
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwx------"));
        }
    }

    @Test
    void indexRecordsSizeAndNanosecondMtime() throws IOException {
        Ws.model(ws);
        IndexEntry cfg = ContentHash.compute(ws, null).orElseThrow().fileIndex().stream()
                .filter(e -> e.path().equals("config.json")).findFirst().orElseThrow();
        assertEquals(Files.size(ws.resolve("config.json")), cfg.size());
        assertEquals(Files.getLastModifiedTime(ws.resolve("config.json")).to(java.util.concurrent.TimeUnit.NANOSECONDS),
                cfg.mtimeNs());
        assertEquals(Optional.of(cfg.toJson().toString()),
                Optional.of("{\"path\":\"config.json\",\"size\":" + cfg.size() + ",\"mtime_ns\":" + cfg.mtimeNs()
                        + ",\"sha\":\"" + cfg.sha() + "\"}"));
    }
}
