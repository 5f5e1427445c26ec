package io.jknife.hub.pull;

import io.jknife.hub.HubException;
import io.jknife.hub.HubException.Kind;
import io.jknife.hub.HubTesting;
import io.jknife.hub.api.HubApi;
import io.jknife.hub.fake.Content;
import io.jknife.hub.fake.FakeHub;
import io.jknife.hub.fake.FakeRepo;
import io.jknife.hub.fake.Fault;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pull against the fake Hub: layout, resume, variants, faults. */
class PullerTest {
    @TempDir
    Path tmp;
    FakeHub hub;
    Path root;
    byte[] weights;
    Content weightsContent;
    String commit;

    @BeforeEach
    void setUp() throws IOException {
        hub = FakeHub.start();
        root = tmp.resolve("hub");
        weights = HubTesting.random(3 << 20, 1);
        weightsContent = Content.of(weights, true);
        Map<String, Object> files = new LinkedHashMap<>();
        files.put("config.json", "{\"model_type\": \"llama\"}");
        files.put("model.safetensors", weightsContent);
        files.put("tokenizer/vocab.txt", "a\nb\n");
        commit = hub.repo("org/model").publish(files);
    }

    @AfterEach
    void tearDown() {
        hub.close();
    }

    private PullResult pull(PullRequest req) throws HubException {
        return pull(req, PullProgress.NONE, false);
    }

    /** File bodies over jknife's own HTTP/1.1 connection; {@link PullerJdkClientTest} runs everything over the JDK client. */
    protected boolean raw() {
        return true;
    }

    private HubApi api(boolean token) {
        return HubTesting.api(HubTesting.config(hub, token, Duration.ofSeconds(5), raw()));
    }

    private PullResult pull(PullRequest req, PullProgress progress, boolean token) throws HubException {
        HubApi api = api(token);
        try (Puller p = new Puller(api, d -> { })) {
            return p.execute(p.plan(root, req), progress);
        }
    }

    private Path repoDir() {
        return root.resolve("models--org--model");
    }

    @Test
    void writesTheHuggingfaceHubLayout() throws IOException {
        PullResult r = pull(PullRequest.of("org/model", null, null));
        assertEquals(commit, r.commit());
        assertEquals(3, r.files());
        Path snap = repoDir().resolve("snapshots").resolve(commit);
        assertEquals(snap, r.snapshot());
        assertEquals(commit, Files.readString(repoDir().resolve("refs/main")));
        assertEquals(Path.of("../../blobs/" + weightsContent.sha256()), Files.readSymbolicLink(snap.resolve("model.safetensors")));
        String vocabId = Content.text("a\nb\n").gitSha1();
        assertEquals(Path.of("../../../blobs/" + vocabId), Files.readSymbolicLink(snap.resolve("tokenizer/vocab.txt")));
        assertArrayEquals(weights, Files.readAllBytes(snap.resolve("model.safetensors")));
        assertEquals("{\"model_type\": \"llama\"}", Files.readString(snap.resolve("config.json")));
        try (Stream<Path> blobs = Files.list(repoDir().resolve("blobs"))) {
            assertTrue(blobs.noneMatch(p -> p.toString().endsWith(".incomplete")));
        }
        Path locks = root.resolve(".locks/models--org--model");
        try (Stream<Path> l = Files.list(locks)) {
            assertEquals(0, l.count(), "lock files are removed after use");
        }
        assertFalse(Files.exists(repoDir().resolve(".jknife-staging")), "staging directory cleaned up");
    }

    @Test
    void secondPullIsCompleteWithoutDownloading() throws IOException {
        pull(PullRequest.of("org/model", null, null));
        HubApi api = api(false);
        try (Puller p = new Puller(api)) {
            PullPlan plan = p.plan(root, PullRequest.of("org/model", null, null));
            assertTrue(plan.complete());
            assertEquals(0, p.execute(plan, PullProgress.NONE).downloadedBytes());
        }
    }

    @Test
    void resumesAPartialBlobWithARangeRequest() throws IOException {
        Path inc = repoDir().resolve("blobs").resolve(weightsContent.sha256() + ".incomplete");
        Files.createDirectories(inc.getParent());
        Files.write(inc, Arrays.copyOf(weights, 1 << 20));
        AtomicLong started = new AtomicLong(-1);
        PullResult r = pull(PullRequest.of("org/model", null, null), new PullProgress() {
            @Override
            public void started(String repoId, int files, long totalBytes, long presentBytes) {
                started.set(presentBytes);
            }
        }, false);
        assertEquals(1 << 20, started.get());
        assertEquals(weights.length - (1 << 20) + "a\nb\n".length() + "{\"model_type\": \"llama\"}".length(),
                r.downloadedBytes()); // the rest + vocab + config
        assertArrayEquals(weights, Files.readAllBytes(r.snapshot().resolve("model.safetensors")));
    }

    @Test
    void resumesAfterTheConnectionDropsMidFile() throws IOException {
        hub.fault("GET /cdn/.*", 2, new Fault.DropAfter(1 << 20));
        PullResult r = pull(PullRequest.of("org/model", null, null));
        assertArrayEquals(weights, Files.readAllBytes(r.snapshot().resolve("model.safetensors")));
        assertEquals(3, hub.requests().stream().filter(s -> s.startsWith("GET /cdn/")).count());
    }

    @Test
    void aServerIgnoringRangeMakesTheDownloadStartOver() throws IOException {
        hub.fault("GET /cdn/.*", 1, new Fault.DropAfter(1 << 20));
        hub.fault("GET /cdn/.*", 1, new Fault.IgnoreRange());
        PullResult r = pull(PullRequest.of("org/model", null, null));
        assertArrayEquals(weights, Files.readAllBytes(r.snapshot().resolve("model.safetensors")));
    }

    @Test
    void aPullThatKeepsFailingLeavesNoSnapshotAndResumesNextTime() throws IOException {
        hub.fault("GET /cdn/.*", 1, new Fault.DropAfter(1 << 20));
        hub.fault("GET /cdn/.*", 4, new Fault.Status(500, Map.of())); // every retry of the resume fails
        HubException e = assertThrows(HubException.class, () -> pull(PullRequest.of("org/model", null, null)));
        assertEquals(Kind.SERVER_ERROR, e.kind());
        assertFalse(Files.exists(repoDir().resolve("snapshots")), "no snapshot before every blob is verified");
        assertFalse(Files.exists(repoDir().resolve("refs/main")));
        Path inc = repoDir().resolve("blobs").resolve(weightsContent.sha256() + ".incomplete");
        long partial = Files.size(inc);
        assertTrue(partial > 0 && partial <= 1 << 20, e.getMessage() + ": " + partial);
        PullResult r = pull(PullRequest.of("org/model", null, null));
        assertTrue(r.downloadedBytes() < weights.length, "resumed: " + r.downloadedBytes());
        assertArrayEquals(weights, Files.readAllBytes(r.snapshot().resolve("model.safetensors")));
    }

    @Test
    void connectionsThatDropWithoutProgressGiveUpWithAResumeHint() {
        hub.fault("GET /cdn/.*", 100, new Fault.DropAfter(0));
        HubException e = assertThrows(HubException.class, () -> pull(PullRequest.of("org/model", null, null)));
        assertEquals(Kind.NETWORK, e.kind());
        assertTrue(e.getMessage().contains("run the same command again to resume"), e.getMessage());
    }

    @Test
    void aWrongEtagHeaderFailsWithoutWritingTheBlob() {
        hub.fault("GET /org/model/resolve/.*/model.safetensors", 1, new Fault.WrongEtag());
        HubException e = assertThrows(HubException.class, () -> pull(PullRequest.of("org/model", null, null)));
        assertEquals(Kind.CHECKSUM, e.kind());
        assertFalse(Files.exists(repoDir().resolve("blobs").resolve(weightsContent.sha256())));
        assertFalse(Files.exists(repoDir().resolve("snapshots")));
    }

    @Test
    void contentNotMatchingItsEtagIsDeleted() {
        hub.repo("org/model").misreport("model.safetensors", "ab".repeat(32));
        HubException e = assertThrows(HubException.class, () -> pull(PullRequest.of("org/model", null, null)));
        assertEquals(Kind.CHECKSUM, e.kind());
        assertTrue(e.getMessage().startsWith("Checksum mismatch for model.safetensors: sha256 "), e.getMessage());
        assertFalse(Files.exists(repoDir().resolve("blobs").resolve("ab".repeat(32) + ".incomplete")));
        assertFalse(Files.exists(repoDir().resolve("snapshots")));
    }

    @Test
    void errorsMapToKinds() {
        assertEquals(Kind.REPO_NOT_FOUND, assertThrows(HubException.class,
                () -> pull(PullRequest.of("org/missing", null, null))).kind());
        assertEquals(Kind.REVISION_NOT_FOUND, assertThrows(HubException.class,
                () -> pull(PullRequest.of("org/model", "nope", null))).kind());
        hub.repo("org/secret").makePrivate().publish(Map.of("config.json", "{}"));
        HubException priv = assertThrows(HubException.class, () -> pull(PullRequest.of("org/secret", null, null)));
        assertEquals(Kind.REPO_NOT_FOUND, priv.kind());
        assertEquals(401, priv.status());
        hub.repo("org/gated").makeGated().publish(Map.of("config.json", "{}"));
        assertEquals(Kind.GATED, assertThrows(HubException.class, () -> pull(PullRequest.of("org/gated", null, null))).kind());
        hub.fault("GET /api/models/.*", 10, new Fault.Status(500, Map.of()));
        assertEquals(Kind.SERVER_ERROR, assertThrows(HubException.class, () -> pull(PullRequest.of("org/model", null, null))).kind());
        assertFalse(Files.exists(root.resolve("models--org--missing")), "nothing written for a wrong name");
    }

    @Test
    void privateAndGatedRepositoriesWorkWithTheToken() throws IOException {
        hub.repo("org/secret").makePrivate().makeGated().publish(Map.of("config.json", "{}"));
        PullResult r = pull(PullRequest.of("org/secret", null, null), PullProgress.NONE, true);
        assertEquals("{}", Files.readString(r.snapshot().resolve("config.json")));
    }

    @Test
    void transientFailuresAreRetried() throws IOException {
        hub.fault("GET /api/models/.*", 1, new Fault.Status(429, Map.of("Retry-After", "0")));
        hub.fault("GET /org/model/resolve/.*", 2, new Fault.Status(503, Map.of()));
        PullResult r = pull(PullRequest.of("org/model", null, null));
        assertEquals(3, r.files());
        hub.fault("GET /api/models/.*", 10, new Fault.Status(429, Map.of("Retry-After", "0")));
        HubException e = assertThrows(HubException.class, () -> pull(PullRequest.of("org/model", null, null)));
        assertEquals(Kind.RATE_LIMITED, e.kind());
        assertTrue(e.retryable());
    }

    @Test
    void aRetryAfterLongerThanTheLimitFailsAtOnce() {
        hub.fault("GET /api/models/.*", 1, new Fault.Status(429, Map.of("Retry-After", "3600")));
        HubException e = assertThrows(HubException.class, () -> pull(PullRequest.of("org/model", null, null)));
        assertEquals(Kind.RATE_LIMITED, e.kind());
        assertTrue(e.getMessage().contains("retry after 3600 s"), e.getMessage());
    }

    @Test
    void variantPullsFetchOnlyThatModelAndItsProjector() throws IOException {
        Map<String, Object> files = new LinkedHashMap<>();
        files.put("README.md", "# gguf");
        files.put("m-Q4_K_M.gguf", HubTesting.random(1000, 2));
        files.put("m-Q8_0.gguf", HubTesting.random(1000, 3));
        files.put("Q2/m-Q2_K-00001-of-00002.gguf", HubTesting.random(500, 4));
        files.put("Q2/m-Q2_K-00002-of-00002.gguf", HubTesting.random(500, 5));
        files.put("mmproj-F16.gguf", HubTesting.random(100, 6));
        files.put("mmproj-F32.gguf", HubTesting.random(100, 7));
        hub.repo("org/gguf").publish(files);
        PullResult q4 = pull(PullRequest.of("org/gguf", null, "q4_k_m"));
        assertEquals(List.of("m-Q4_K_M.gguf", "mmproj-F16.gguf"), list(q4.snapshot()));
        PullResult q2 = pull(PullRequest.of("org/gguf", null, "Q2_K"));
        assertEquals(List.of("Q2", "Q2/m-Q2_K-00001-of-00002.gguf", "Q2/m-Q2_K-00002-of-00002.gguf", "m-Q4_K_M.gguf",
                "mmproj-F16.gguf"), list(q2.snapshot()));
        HubException e = assertThrows(HubException.class, () -> pull(PullRequest.of("org/gguf", null, "Q5_K_M")));
        assertEquals(Kind.VARIANT_NOT_FOUND, e.kind());
        assertEquals("No variant 'Q5_K_M' in org/gguf; available: Q2_K, Q4_K_M, Q8_0", e.getMessage());
    }

    @Test
    void whisperVariantsAreNamedAfterTheirFile() throws IOException {
        hub.repo("org/whisper").publish(Map.of("ggml-tiny.bin", HubTesting.random(300, 8), "ggml-base.en.bin",
                HubTesting.random(300, 9)));
        PullResult r = pull(PullRequest.of("org/whisper", null, "base.en"));
        assertEquals(List.of("ggml-base.en.bin"), list(r.snapshot()));
    }

    @Test
    void includeAndExcludeGlobs() throws IOException {
        PullResult r = pull(new PullRequest("org/model", null, null, List.of("*.json", "tokenizer/"), List.of("*.md")));
        assertEquals(List.of("config.json", "tokenizer", "tokenizer/vocab.txt"), list(r.snapshot()));
        PullResult r2 = pull(new PullRequest("org/model", null, null, List.of(), List.of("*.safetensors", "*.txt")));
        assertEquals(List.of("config.json", "tokenizer", "tokenizer/vocab.txt"), list(r2.snapshot()), "earlier files stay");
        HubException e = assertThrows(HubException.class,
                () -> pull(new PullRequest("org/model", null, null, List.of("*.gguf"), List.of())));
        assertEquals(Kind.NO_FILES, e.kind());
    }

    @Test
    void aRevisionBranchGetsItsOwnRef() throws IOException {
        String dev = hub.repo("org/model").commit("dev", Map.of("config.json", Content.text("{\"dev\": true}")));
        PullResult r = pull(PullRequest.of("org/model", "dev", null));
        assertEquals(dev, r.commit());
        assertEquals(dev, Files.readString(repoDir().resolve("refs/dev")));
        PullResult byCommit = pull(PullRequest.of("org/model", commit, null));
        assertEquals(commit, byCommit.commit());
        assertFalse(Files.exists(repoDir().resolve("refs").resolve(commit)), "a commit id gets no ref");
    }

    @Test
    void notEnoughSpaceFailsBeforeDownloading() {
        hub.repo("org/model").claimSize("model.safetensors", Long.MAX_VALUE / 4);
        HubException e = assertThrows(HubException.class, () -> pull(PullRequest.of("org/model", null, null)));
        assertEquals(Kind.DISK_FULL, e.kind());
        assertTrue(e.getMessage().startsWith("Not enough disk space for org/model: needs "), e.getMessage());
        assertTrue(hub.requests().stream().noneMatch(s -> s.contains("/resolve/")));
    }

    @Test
    void anUnwritableCacheFailsBeforeAnyRequest() throws IOException {
        Path file = Files.writeString(tmp.resolve("plain-file"), "x");
        root = file.resolve("hub");
        HubException e = assertThrows(HubException.class, () -> pull(PullRequest.of("org/model", null, null)));
        assertEquals(Kind.PERMISSION_DENIED, e.kind());
        assertTrue(hub.requests().isEmpty());
    }

    @Test
    void aStalledConnectionIsAbandonedAndResumed() throws IOException {
        hub.fault("GET /cdn/.*", 1, new Fault.Stall(1 << 20, 3000));
        HubApi api = HubTesting.api(HubTesting.config(hub, false, Duration.ofMillis(400), raw()));
        try (Puller p = new Puller(api, d -> { })) {
            PullResult r = p.execute(p.plan(root, PullRequest.of("org/model", null, null)), PullProgress.NONE);
            assertArrayEquals(weights, Files.readAllBytes(r.snapshot().resolve("model.safetensors")));
        }
    }

    @Test
    void aKilledPullLeavesNoSnapshotAndTheNextPullResumes() throws Exception {
        hub.fault("GET /cdn/.*", 1, new Fault.Stall(2 << 20, 60_000)); // the process hangs mid-file until killed
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), PullMain.class.getName(),
                hub.endpoint().toString(), root.toString(), "org/model")
                .redirectErrorStream(true).start();
        try (var out = new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream()))) {
            String line;
            long got = 0;
            while (got < (2 << 20) && (line = out.readLine()) != null) {
                String[] parts = line.split(" ");
                if (parts[0].equals("bytes") && parts[2].equals("model.safetensors")) {
                    got += Long.parseLong(parts[1]);
                }
            }
            assertEquals(2 << 20, got, "the child received the first part of the weights");
            child.destroyForcibly().waitFor(); // SIGKILL: no cleanup code runs
        }
        assertFalse(Files.exists(repoDir().resolve("snapshots")), "no snapshot after a kill");
        assertFalse(Files.exists(repoDir().resolve("refs/main")));
        Path inc = repoDir().resolve("blobs").resolve(weightsContent.sha256() + ".incomplete");
        assertEquals(2 << 20, Files.size(inc));
        assertTrue(Files.exists(root.resolve(".locks/models--org--model").resolve(weightsContent.sha256() + ".lock")),
                "the interrupted download's lock file stays, as huggingface_hub leaves it");
        PullResult r = pull(PullRequest.of("org/model", null, null));
        long rest = weights.length - (2 << 20);
        assertTrue(r.downloadedBytes() >= rest && r.downloadedBytes() <= rest + 64, "resumed: " + r.downloadedBytes());
        assertArrayEquals(weights, Files.readAllBytes(r.snapshot().resolve("model.safetensors")));
    }

    @Test
    void filesLargerThanTheBufferPoolComplete() throws IOException {
        byte[] big = HubTesting.random(20 << 20, 9); // more than the writer's 8 x 1 MB buffers
        hub.repo("org/big").publish(Map.of("model.safetensors", big));
        PullResult r = pull(PullRequest.of("org/big", null, null));
        assertArrayEquals(big, Files.readAllBytes(r.snapshot().resolve("model.safetensors")));
    }

    @Test
    void listingsWithoutBlobIdsFallBackToHeadRequests() throws IOException {
        hub.listBlobs(false);
        PullResult r = pull(PullRequest.of("org/model", null, null));
        assertArrayEquals(weights, Files.readAllBytes(r.snapshot().resolve("model.safetensors")));
        assertEquals(3, hub.requests().stream().filter(x -> x.startsWith("HEAD /org/model/resolve/")).count());
        assertEquals(Path.of("../../blobs/" + weightsContent.sha256()), Files.readSymbolicLink(r.snapshot().resolve("model.safetensors")));
    }

    static List<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> !p.equals(dir)).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }
}
