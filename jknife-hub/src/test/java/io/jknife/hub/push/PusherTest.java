package io.jknife.hub.push;

import io.jknife.hub.HubException;
import io.jknife.hub.HubTesting;
import io.jknife.hub.fake.Content;
import io.jknife.hub.fake.FakeHub;
import io.jknife.hub.fake.FakeRepo;
import io.jknife.hub.http.HubHttp;
import io.jknife.hub.pull.PullProgress;
import io.jknife.hub.pull.PullRequest;
import io.jknife.hub.pull.PullResult;
import io.jknife.hub.pull.Puller;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Push to the fake Hub, and pull back what was pushed. */
class PusherTest {
    @TempDir
    Path tmp;
    FakeHub hub;
    Path ws;
    byte[] weights;

    @BeforeEach
    void setUp() throws IOException {
        hub = FakeHub.start();
        ws = Files.createDirectories(tmp.resolve("ws"));
        weights = HubTesting.random(50_000, 3);
        Files.write(ws.resolve("model.safetensors"), weights);
        Files.writeString(ws.resolve("config.json"), "{\"model_type\": \"llama\"}");
        Files.createDirectories(ws.resolve("tok"));
        Files.writeString(ws.resolve("tok/vocab.txt"), "a\nb\n");
        Files.writeString(ws.resolve(".jknife_workspace.json"), "{\"managed\": true}");
        Files.writeString(ws.resolve(".mlxk_workspace.json"), "{\"managed\": true}");
        Files.createDirectories(ws.resolve(".hf_cache/hub"));
        Files.writeString(ws.resolve(".hf_cache/hub/x"), "private");
    }

    @AfterEach
    void tearDown() {
        hub.close();
    }

    private PushOutcome push(String repo, String branch, boolean dryRun, boolean token) throws IOException {
        try (HubHttp http = new HubHttp(HubTesting.config(hub, token), "test")) {
            return new Pusher(http).push(new PushRequest(ws, repo, branch, "jknife push", true, dryRun));
        }
    }

    private Map<String, Content> remote(String repo, String rev) {
        FakeRepo r = hub.existing(repo);
        return r.files(r.resolve(rev));
    }

    @Test
    void pushCreatesAPrivateRepositoryAndRoundTripsThroughPull() throws IOException {
        PushOutcome o = push("me/model", "main", false, true);
        assertTrue(o.createdRepo());
        assertEquals(3, o.added());
        assertEquals(1, o.lfsFiles(), "the weights go through LFS");
        assertEquals(6, o.localFiles());
        assertTrue(hub.existing("me/model").isPrivate());
        assertEquals(new TreeSet<>(List.of(".gitattributes", "config.json", "model.safetensors", "tok/vocab.txt")),
                new TreeSet<>(remote("me/model", "main").keySet()), "no sentinel, no .hf_cache");
        assertTrue(remote("me/model", "main").get("model.safetensors").lfs());
        assertEquals(o.commitSha(), hub.existing("me/model").resolve("main"));

        try (Puller p = new Puller(HubTesting.api(hub, true))) {
            PullResult back = p.execute(p.plan(tmp.resolve("cache"), PullRequest.of("me/model", null, null)), PullProgress.NONE);
            assertArrayEquals(weights, Files.readAllBytes(back.snapshot().resolve("model.safetensors")));
            assertEquals("a\nb\n", Files.readString(back.snapshot().resolve("tok/vocab.txt")));
        }
    }

    @Test
    void unchangedFilesAreNotUploadedAgain() throws IOException {
        push("me/model", "main", false, true);
        hub.clearRequests();
        PushOutcome same = push("me/model", "main", false, true);
        assertTrue(same.noChanges());
        assertTrue(hub.requests().stream().noneMatch(r -> r.contains("/commit/") || r.contains("/lfs")), hub.requests().toString());

        Files.writeString(ws.resolve("config.json"), "{\"model_type\": \"qwen3\"}");
        PushOutcome changed = push("me/model", "main", false, true);
        assertEquals(0, changed.added());
        assertEquals(1, changed.modified());
        assertEquals("{\"model_type\": \"qwen3\"}", new String(remote("me/model", "main").get("config.json").bytes()));
    }

    @Test
    void dryRunComparesWithoutWriting() throws IOException {
        PushOutcome missing = push("me/new", "main", true, true);
        assertFalse(missing.repoExists());
        assertEquals(3, missing.added());
        assertNull(hub.existing("me/new"));

        push("me/model", "main", false, true);
        Files.writeString(ws.resolve("config.json"), "{}");
        Files.writeString(ws.resolve("README.md"), "# hi");
        Files.delete(ws.resolve("tok/vocab.txt"));
        hub.clearRequests();
        PushOutcome d = push("me/model", "main", true, true);
        assertEquals(1, d.added());
        assertEquals(1, d.modified());
        assertEquals(1, d.deleted());
        assertEquals(List.of("README.md"), d.addedFiles());
        assertEquals(List.of("tok/vocab.txt"), d.deletedFiles());
        assertTrue(hub.requests().stream().allMatch(r -> r.startsWith("GET ")), hub.requests().toString());
    }

    @Test
    void aMissingBranchIsCreated() throws IOException {
        push("me/model", "main", false, true);
        PushOutcome dev = push("me/model", "dev", false, true);
        assertTrue(dev.createdBranch());
        assertEquals(dev.commitSha(), hub.existing("me/model").resolve("dev"));
    }

    @Test
    void largeObjectsUseTheMultipartTransfer() throws IOException {
        hub.multipart(10_000, 16_384);
        push("me/model", "main", false, true);
        assertEquals(4, hub.requests().stream().filter(r -> r.startsWith("PUT /lfs-part/")).count());
        assertArrayEquals(weights, remote("me/model", "main").get("model.safetensors").bytes());
    }

    @Test
    void hfignoreLinesAreHonoured() throws IOException {
        Files.writeString(ws.resolve(".hfignore"), "# comment\ntok/\n");
        push("me/model", "main", false, true);
        assertFalse(remote("me/model", "main").containsKey("tok/vocab.txt"));
        assertFalse(remote("me/model", "main").containsKey(".hfignore"));
    }

    @Test
    void withoutAValidTokenTheHubRefuses() {
        HubException e = assertThrows(HubException.class, () -> push("me/model", "main", false, false));
        assertEquals(HubException.Kind.UNAUTHORIZED, e.kind());
    }
}
