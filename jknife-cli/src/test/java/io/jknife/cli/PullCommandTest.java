package io.jknife.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jknife.hub.fake.FakeHub;
import io.jknife.hub.fake.Fault;
import io.jknife.testkit.TinyGguf;
import io.jknife.testkit.TinySafetensors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jknife pull} against the fake Hub, read back by list and health; every --json output is schema-checked. */
class PullCommandTest {
    @TempDir
    Path tmp;
    FakeHub hub;
    Path hf;

    @BeforeEach
    void setUp() throws IOException {
        hub = FakeHub.start();
        hf = tmp.resolve("hf");
        hub.repo("org/llama").publishDir(TinySafetensors.llama(tmp.resolve("llama"),
                TinySafetensors.Options.defaults().withShards(2)));
    }

    @AfterEach
    void tearDown() {
        hub.close();
    }

    private Cli cli() {
        return new Cli(hf).env("HF_ENDPOINT", hub.endpoint().toString()).env("JKNIFE_HUB_RETRY_DELAY_MS", "1");
    }

    private Cli.Result json(Cli cli, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--json");
        Cli.Result r = cli.run(all.toArray(String[]::new));
        SchemaValidator.assertValid(r.json());
        return r;
    }

    @Test
    void pulledModelsAreHealthyForListAndHealth() {
        Cli.Result r = json(cli(), "pull", "org/llama");
        assertEquals(0, r.exitCode(), r.toString());
        JsonNode d = r.data();
        assertEquals("success", d.get("download_status").asText());
        assertEquals("org/llama", d.get("model").asText());
        String commit = d.get("commit_hash").asText();
        assertEquals("Downloaded to " + hf.resolve("hub/models--org--llama/snapshots").resolve(commit), d.get("message").asText());

        JsonNode model = json(cli(), "list").data().get("models").get(0);
        assertEquals("org/llama", model.get("name").asText());
        assertEquals("healthy", model.get("health").asText(), model.toString());
        assertEquals(commit, model.get("hash").asText());
        JsonNode health = json(cli(), "health", "org/llama").data();
        assertEquals(1, health.get("summary").get("healthy_count").asInt(), health.toString());

        Cli.Result again = json(cli(), "pull", "org/llama");
        assertEquals("already_exists", again.data().get("download_status").asText());
        assertEquals("Model org/llama already exists in cache", again.data().get("message").asText());
        assertEquals(0, again.data().get("downloaded_bytes").asLong());
    }

    @Test
    void jsonModeSendsProgressEventsToStderrAndOneDocumentToStdout() throws IOException {
        Cli.Result r = json(cli(), "pull", "org/llama");
        ObjectMapper m = new ObjectMapper();
        JsonNode defs = m.readTree(Path.of(SchemaValidator.class.getResource("/").getPath()).resolve("../../../docs/json-api.schema.json")
                .normalize().toFile()).get("$defs");
        var eventSchema = com.networknt.schema.JsonSchemaFactory.getInstance(com.networknt.schema.SpecVersion.VersionFlag.V202012)
                .getSchema(defs.get("pullProgressEvent"));
        List<String> events = new ArrayList<>();
        for (String line : r.err().split("\n")) {
            JsonNode event = m.readTree(line);
            assertEquals(java.util.Set.of(), eventSchema.validate(event), line);
            events.add(event.get("event").asText());
        }
        assertEquals("start", events.getFirst());
        assertEquals("done", events.getLast());
        assertTrue(events.contains("file_start") && events.contains("file_done"), events.toString());
        Cli.Result quiet = json(cli().env("JKNIFE_PROGRESS", "off"), "pull", "org/llama");
        assertEquals("", quiet.err());
    }

    @Test
    void humanModeIsQuietWhenPiped() {
        Cli.Result r = cli().run("pull", "org/llama");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().startsWith("pull: org/llama — Downloaded to "), r.out());
        assertEquals("", r.err());
    }

    @Test
    void aVariantPullFetchesOneModelFile() throws IOException {
        Path q4 = TinyGguf.llama(tmp.resolve("m-Q4_K_M.gguf"), TinyGguf.Options.defaults());
        Path q8 = TinyGguf.llama(tmp.resolve("m-Q8_0.gguf"), TinyGguf.Options.defaults().withSeed(7));
        Map<String, Object> files = new LinkedHashMap<>();
        files.put("m-Q4_K_M.gguf", Files.readAllBytes(q4));
        files.put("m-Q8_0.gguf", Files.readAllBytes(q8));
        files.put("README.md", "# tiny");
        hub.repo("org/tiny-GGUF").publish(files);
        Cli.Result r = json(cli(), "pull", "org/tiny-GGUF:Q4_K_M");
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals(1, r.data().get("files").asInt());
        JsonNode models = json(cli(), "list").data().get("models");
        assertEquals(1, models.size(), models.toString());
        assertEquals("org/tiny-GGUF", models.get(0).get("name").asText(), "a repository holding one GGUF is one model");
        assertEquals("healthy", models.get(0).get("health").asText());
        assertTrue(Files.notExists(hf.resolve("hub/models--org--tiny-GGUF/snapshots")
                .resolve(r.data().get("commit_hash").asText()).resolve("m-Q8_0.gguf")));
        Cli.Result missing = json(cli(), "pull", "org/tiny-GGUF:Q2_K");
        assertEquals(1, missing.exitCode());
        assertEquals("model_not_found", missing.json().get("error").get("type").asText());
        assertEquals("No variant 'Q2_K' in org/tiny-GGUF; available: Q4_K_M, Q8_0", missing.json().get("error").get("message").asText());
    }

    @Test
    void hubErrorsAreOneClearLine() {
        Cli.Result human = cli().run("pull", "org/missing");
        assertEquals(1, human.exitCode());
        assertEquals("", human.out());
        assertEquals("pull: Error: Access denied or not found for 'org/missing'.\n", human.err());
        assertFalse(Files.exists(hf.resolve("hub/models--org--missing")));

        Cli.Result notFound = json(cli(), "pull", "org/missing");
        assertEquals("access_denied", notFound.json().get("error").get("type").asText());
        assertEquals("access_denied", notFound.data().get("download_status").asText());

        hub.repo("org/gated").makeGated().publish(Map.of("config.json", "{}"));
        Cli.Result gated = json(cli(), "pull", "org/gated");
        assertEquals("Access denied: gated/private model 'org/gated'. Accept terms and set HF_TOKEN.",
                gated.json().get("error").get("message").asText());
        Cli.Result withToken = json(cli().env("HF_TOKEN", hub.token()), "pull", "org/gated");
        assertEquals(0, withToken.exitCode(), withToken.toString());

        hub.fault("GET /api/models/.*", 5, new Fault.Status(503, Map.of())); // every retry fails
        Cli.Result down = json(cli(), "pull", "org/llama");
        assertEquals("download_failed", down.json().get("error").get("type").asText());
        assertTrue(down.json().get("error").get("retryable").asBoolean());

        Cli.Result invalid = json(cli(), "pull", "org//x");
        assertEquals("ValidationError", invalid.json().get("error").get("type").asText());
        assertEquals(1, invalid.exitCode());
        Cli.Result rev = json(cli(), "pull", "org/llama@nope");
        assertEquals("revision_not_found", rev.json().get("error").get("type").asText());
    }

    @Test
    void anInterruptedPullAsksBeforeResuming() {
        hub.fault("GET /cdn/.*", 1000, new Fault.DropAfter(0));
        Cli.Result failed = json(cli(), "pull", "org/llama");
        assertEquals(1, failed.exitCode());
        assertEquals("download_failed", failed.json().get("error").get("type").asText());
        assertEquals("failed", failed.data().get("download_status").asText());
        JsonNode listed = json(cli(), "list").data().get("models").get(0);
        assertEquals("unhealthy", listed.get("health").asText(), "a killed pull is never healthy");

        hub.close();
        hub = restartWithSameRepo();
        Cli.Result asks = json(cli(), "pull", "org/llama");
        assertEquals(0, asks.exitCode());
        assertEquals("requires_confirmation", asks.data().get("download_status").asText());

        Cli.Result piped = cli().run("pull", "org/llama");
        assertEquals(1, piped.exitCode());
        assertTrue(piped.err().startsWith("pull: Error: "), piped.err());

        Cli.Result declined = cli().interactive("n\n").run("pull", "org/llama");
        assertEquals(0, declined.exitCode());
        assertTrue(declined.err().contains("Download cancelled. Partial download kept."), declined.err());

        Cli.Result resumed = json(cli(), "pull", "org/llama", "--force-resume");
        assertEquals("success", resumed.data().get("download_status").asText(), resumed.toString());
        assertEquals("healthy", json(cli(), "list").data().get("models").get(0).get("health").asText());
    }

    private FakeHub restartWithSameRepo() {
        try {
            FakeHub h = FakeHub.start();
            h.repo("org/llama").publishDir(tmp.resolve("llama"));
            return h;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
