package io.jknife.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jknife.hub.fake.FakeHub;
import io.jknife.hub.fake.Fault;
import io.jknife.store.workspace.ContentHash;
import io.jknife.testkit.TinySafetensors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jknife clone} from the fake Hub and from the cache; workspaces read back by list and show. */
class CloneCommandTest {
    @TempDir
    Path tmp;
    FakeHub hub;
    Path hf;
    Path home;
    String commit;

    @BeforeEach
    void setUp() throws IOException {
        hub = FakeHub.start();
        hf = tmp.resolve("hf");
        home = Files.createDirectories(tmp.resolve("workspaces"));
        commit = hub.repo("org/llama").publishDir(TinySafetensors.llama(tmp.resolve("src"),
                TinySafetensors.Options.defaults().withShards(2)));
    }

    @AfterEach
    void tearDown() {
        hub.close();
    }

    private Cli cli() {
        return new Cli(hf).env("HF_ENDPOINT", hub.endpoint().toString()).env("JKNIFE_HUB_RETRY_DELAY_MS", "1")
                .env("JKNIFE_WORKSPACE_HOME", home.toString());
    }

    private Cli.Result json(Cli cli, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--json");
        Cli.Result r = cli.run(all.toArray(String[]::new));
        SchemaValidator.assertValid(r.json());
        return r;
    }

    @Test
    void cloneFromTheHubMakesACleanManagedWorkspace() throws IOException {
        Cli.Result r = json(cli(), "clone", "org/llama");
        assertEquals(0, r.exitCode(), r.toString());
        JsonNode d = r.data();
        Path ws = home.resolve("llama");
        assertEquals("success", d.get("clone_status").asText());
        assertEquals(ws.toString(), d.get("target_dir").asText());
        assertEquals("hub", d.get("source").asText());
        assertEquals("move", d.get("copy_method").asText());
        assertEquals("healthy", d.get("health").asText(), d.toString());
        assertEquals(commit, d.get("commit_hash").asText());

        JsonNode sentinel = new ObjectMapper().readTree(ws.resolve(".jknife_workspace.json").toFile());
        assertEquals("clone", sentinel.get("operation").asText());
        assertEquals("org/llama", sentinel.get("source_repo").asText());
        assertEquals(commit, sentinel.get("source_revision").asText());
        assertTrue(sentinel.get("managed").asBoolean());
        assertEquals("v2", sentinel.get("hash_algorithm").asText());
        assertEquals(d.get("content_hash").asText(), sentinel.get("content_hash").asText());
        assertEquals(ContentHash.compute(tmp.resolve("src"), null).orElseThrow().contentHash(), d.get("content_hash").asText(),
                "the hash depends on the files only, not on where they are");
        assertFalse(Files.isSymbolicLink(ws.resolve("config.json")), "workspace files are real files");

        JsonNode listed = json(cli(), "list").data().get("models");
        JsonNode wsModel = null;
        for (JsonNode m : listed) {
            if (m.get("name").asText().equals(ws.toString())) {
                wsModel = m;
            }
        }
        assertTrue(wsModel != null, listed.toString());
        assertTrue(wsModel.get("clean").asBoolean(), wsModel.toString());
        assertEquals("org/llama", wsModel.get("origin").asText());
        assertEquals("healthy", wsModel.get("health").asText());
        try (Stream<Path> s = Files.list(tmp)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".jknife")), "no temp cache or staging left");
        }
        try (Stream<Path> s = Files.list(home)) {
            assertEquals(List.of(ws), s.toList());
        }
        Files.writeString(ws.resolve("config.json"), "{}");
        JsonNode edited = json(cli(), "show", ws.toString()).data().get("model");
        assertFalse(edited.get("clean").asBoolean(), "an edit makes it modified");
    }

    @Test
    void cloneOfACachedModelCopiesWithoutDownloading() {
        assertEquals(0, json(cli(), "pull", "org/llama").exitCode());
        hub.clearRequests();
        Cli.Result r = json(cli(), "clone", "org/llama", tmp.resolve("copy").toString());
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals("cache", r.data().get("source").asText());
        assertEquals(0, r.data().get("downloaded_bytes").asLong());
        assertTrue(hub.requests().stream().noneMatch(s -> s.contains("/resolve/") || s.startsWith("GET /cdn/")), hub.requests().toString());
        assertEquals(List.of(), hub.requests().stream().filter(s -> !s.startsWith("GET /api/models/org/llama/revision/")).toList());
    }

    @Test
    void withoutTheHubAHealthyCachedCopyIsCloned() {
        assertEquals(0, json(cli(), "pull", "org/llama").exitCode());
        hub.close();
        Cli.Result r = json(cli(), "clone", "org/llama", "offline");
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals("cache", r.data().get("source").asText());
        assertTrue(r.data().get("warning").asText().startsWith("Hub not reachable or refused"), r.data().toString());
        assertTrue(Files.isRegularFile(home.resolve("offline/config.json")));
        Cli.Result none = json(cli(), "clone", "org/other", "x");
        assertEquals(1, none.exitCode());
        assertEquals("PullFailedError", none.json().get("error").get("type").asText());
    }

    @Test
    void targetProblemsAreRefusedBeforeAnyDownload() throws IOException {
        Path full = Files.createDirectories(tmp.resolve("full"));
        Files.writeString(full.resolve("x"), "x");
        Cli.Result r = json(cli(), "clone", "org/llama", full.toString());
        assertEquals(1, r.exitCode());
        assertEquals("InvalidTargetError", r.json().get("error").get("type").asText());
        assertEquals("Target directory '" + full + "' is not empty", r.json().get("error").get("message").asText());
        Cli.Result noHome = json(new Cli(hf).env("HF_ENDPOINT", hub.endpoint().toString()), "clone", "org/llama");
        assertEquals("InvalidTargetError", noHome.json().get("error").get("type").asText());
        Cli.Result human = cli().run("clone", "org/llama", tmp.resolve("no/such/parent").toString());
        assertEquals(1, human.exitCode());
        assertEquals("clone: Error: Parent directory does not exist: " + tmp.resolve("no/such") + "\n", human.err());
        assertTrue(hub.requests().isEmpty(), hub.requests().toString());
    }

    @Test
    void anInterruptedCloneResumesFromItsTemporaryCache() throws IOException {
        hub.fault("GET /cdn/.*", 1, new Fault.DropAfter(1000));
        hub.fault("GET /cdn/.*", 1000, new Fault.Status(500, Map.of()));
        Cli.Result failed = json(cli(), "clone", "org/llama", "resumed");
        assertEquals(1, failed.exitCode());
        assertEquals("PullFailedError", failed.json().get("error").get("type").asText());
        assertEquals("pull_failed", failed.data().get("clone_status").asText());
        assertFalse(Files.exists(home.resolve("resumed")), "no half-made workspace");
        List<Path> temps;
        try (Stream<Path> s = Files.list(home)) {
            temps = s.filter(p -> p.getFileName().toString().startsWith(".jknife_temp_")).toList();
        }
        assertEquals(1, temps.size(), "the partial download is kept");
        hub.clearFaults();
        Cli.Result again = json(cli(), "clone", "org/llama", "resumed");
        assertEquals(0, again.exitCode(), again.toString());
        assertTrue(again.data().get("downloaded_bytes").asLong() < again.data().get("total_bytes").asLong());
        assertFalse(Files.exists(temps.getFirst()));
        Cli.Result human = cli().run("clone", "org/llama", "third");
        assertTrue(human.out().startsWith("clone: org/llama → " + home.resolve("third") + " (✓ healthy)"), human.out());
    }

    @Test
    void ctrlCDuringTheDownloadCancelsAndKeepsThePartialDownload() throws Exception {
        // a stalled download; until clone installs its own handler a stray signal must not end the test JVM
        sun.misc.SignalHandler previous = sun.misc.Signal.handle(new sun.misc.Signal("INT"), sig -> { });
        try {
            hub.fault("GET /cdn/.*", 1000, new Fault.Stall(1000, 60_000));
            java.util.concurrent.CompletableFuture<Cli.Result> run =
                    java.util.concurrent.CompletableFuture.supplyAsync(() -> json(cli(), "clone", "org/llama", "cancelled"));
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (hub.requests().stream().noneMatch(r -> r.startsWith("GET /cdn/")) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            Thread.sleep(200);
            sun.misc.Signal.raise(new sun.misc.Signal("INT"));
            Cli.Result r = run.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(1, r.exitCode(), r.toString());
            assertEquals("UserCancelledError", r.json().at("/error/type").asText());
            assertEquals("cancelled", r.data().get("clone_status").asText());
            String message = r.json().at("/error/message").asText();
            assertTrue(message.startsWith("Operation cancelled by user."), message);
            try (Stream<Path> temps = Files.list(home)) {
                // the stalled file's first bytes make a partial download worth keeping for the next run
                Path temp = temps.filter(p -> p.getFileName().toString().startsWith(".jknife_temp_")).findFirst().orElseThrow();
                assertTrue(message.contains("\nPartial download preserved at: " + temp + "\n"), message);
                assertTrue(message.endsWith("To delete: rm -rf " + temp), message);
            }
            assertFalse(Files.exists(home.resolve("cancelled")), "no half-made workspace");
        } finally {
            sun.misc.Signal.handle(new sun.misc.Signal("INT"), previous);
        }
    }
}
