package io.jknife.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.jknife.hub.fake.FakeHub;
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

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jknife push}: clone → convert → push → pull round trips against the fake Hub. */
class PushCommandTest {
    @TempDir
    Path tmp;
    FakeHub hub;
    Path hf;
    Path home;

    @BeforeEach
    void setUp() throws IOException {
        hub = FakeHub.start();
        hf = tmp.resolve("hf");
        home = Files.createDirectories(tmp.resolve("ws"));
        hub.repo("org/llama").publishDir(TinySafetensors.llama(tmp.resolve("src")));
    }

    @AfterEach
    void tearDown() {
        hub.close();
    }

    private Cli cli() {
        return new Cli(hf).env("HF_ENDPOINT", hub.endpoint().toString()).env("JKNIFE_HUB_RETRY_DELAY_MS", "1")
                .env("JKNIFE_WORKSPACE_HOME", home.toString()).env("HF_TOKEN", hub.token());
    }

    private Cli.Result json(Cli cli, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--json");
        Cli.Result r = cli.run(all.toArray(String[]::new));
        SchemaValidator.assertValid(r.json());
        return r;
    }

    @Test
    void cloneQuantizePushAndPullBack() throws IOException {
        assertEquals(0, json(cli(), "clone", "org/llama", "llama").exitCode());
        assertEquals(0, json(cli(), "convert", "llama", "llama-4bit", "--quantize", "4").exitCode());

        Cli.Result dry = json(cli(), "push", "llama-4bit", "me/llama-4bit", "--private", "--dry-run");
        assertEquals(0, dry.exitCode(), dry.toString());
        assertTrue(dry.data().get("would_create_repo").asBoolean());
        assertEquals("Dry-run: repository does not exist; would create and add all files.", dry.data().get("message").asText());
        assertEquals(null, hub.existing("me/llama-4bit"));

        Cli.Result r = json(cli(), "push", "llama-4bit", "me/llama-4bit", "--private");
        assertEquals(0, r.exitCode(), r.toString());
        JsonNode d = r.data();
        assertTrue(d.get("created_repo").asBoolean());
        assertEquals(hub.existing("me/llama-4bit").resolve("main"), d.get("commit_sha").asText());
        assertTrue(hub.existing("me/llama-4bit").isPrivate());
        assertFalse(hub.existing("me/llama-4bit").files(d.get("commit_sha").asText()).containsKey(".jknife_workspace.json"));
        assertTrue(d.get("message").asText().startsWith("Committed "), d.toString());

        Cli.Result pulled = json(cli(), "pull", "me/llama-4bit");
        assertEquals(0, pulled.exitCode(), pulled.toString());
        Path snap = Path.of(pulled.data().get("snapshot_path").asText());
        assertArrayEquals(Files.readAllBytes(home.resolve("llama-4bit/model.safetensors")), Files.readAllBytes(snap.resolve("model.safetensors")));
        JsonNode listed = json(cli(), "show", "me/llama-4bit").data().get("model");
        assertEquals("MLX", listed.get("framework").asText());
        assertEquals("healthy", listed.get("health").asText());

        Cli.Result again = cli().run("push", "llama-4bit", "me/llama-4bit", "--private");
        assertEquals("push: me/llama-4bit@main — no changes\n", again.out());
        Cli.Result dryHuman = cli().run("push", "llama-4bit", "me/llama-4bit", "--private", "--dry-run");
        assertEquals("push: me/llama-4bit@main — dry-run: no changes\n", dryHuman.out());
    }

    @Test
    void pushNeedsPrivateAndAToken() {
        Cli.Result noPrivate = cli().run("push", tmp.resolve("src").toString(), "me/x", "--json");
        assertEquals(2, noPrivate.exitCode());
        assertEquals("CommandError", noPrivate.json().get("error").get("type").asText());
        Cli.Result noToken = json(new Cli(hf).env("HF_ENDPOINT", hub.endpoint().toString()), "push", tmp.resolve("src").toString(),
                "me/x", "--private");
        assertEquals(1, noToken.exitCode());
        assertEquals("auth_error", noToken.json().get("error").get("type").asText());
        assertEquals("HF_TOKEN not set", noToken.json().get("error").get("message").asText());
        Cli.Result badToken = json(cli().env("HF_TOKEN", "wrong"), "push", tmp.resolve("src").toString(), "me/x", "--private");
        assertEquals("auth_error", badToken.json().get("error").get("type").asText());
        Cli.Result missing = json(cli(), "push", "nothing-like-this", "me/x", "--private");
        assertEquals("workspace_not_found", missing.json().get("error").get("type").asText());
        Cli.Result check = json(new Cli(hf), "push", tmp.resolve("src").toString(), "me/x", "--private", "--check-only");
        assertEquals(0, check.exitCode(), check.toString());
        assertTrue(check.data().get("workspace_health").get("healthy").asBoolean());
    }
}
