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

    @Test
    void checkOnlyListsTheAnomaliesThatWouldBreakThePublishedModel() throws IOException {
        Path ws = Files.createDirectories(tmp.resolve("broken"));
        Files.writeString(ws.resolve("config.json"), "{");
        Files.writeString(ws.resolve("model-00001-of-00002.safetensors"),
                "version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 123\n");
        Files.writeString(ws.resolve("model.safetensors.index.json"),
                "{\"weight_map\": {\"a\": \"model-00001-of-00002.safetensors\", \"b\": \"model-00002-of-00002.safetensors\"}}");
        Files.write(ws.resolve("empty.gguf"), new byte[0]);
        Files.writeString(ws.resolve("blob.incomplete"), "x");
        Cli.Result r = json(new Cli(hf), "push", ws.toString(), "me/x", "--private", "--check-only");
        assertEquals(0, r.exitCode(), r.toString());
        JsonNode h = r.data().get("workspace_health");
        assertFalse(h.get("healthy").asBoolean());
        assertTrue(h.at("/config/exists").asBoolean());
        assertFalse(h.at("/config/valid_json").asBoolean());
        assertEquals(2, h.at("/weights/count").asInt());
        assertEquals("[\".gguf\",\".safetensors\"]", h.at("/weights/formats").toString());
        assertTrue(h.at("/weights/index/has_index").asBoolean());
        assertEquals("[\"model-00002-of-00002.safetensors\"]", h.at("/weights/index/missing").toString());
        assertFalse(h.at("/weights/pattern_complete").asBoolean());
        List<String> codes = new ArrayList<>();
        h.get("anomalies").forEach(a -> codes.add(a.get("code").asText()));
        for (String code : List.of("config_invalid_json", "empty_weight_file", "lfs_pointer_detected", "index_missing_shard", "partial_marker")) {
            assertTrue(codes.contains(code), code + " in " + codes);
        }
        h.get("anomalies").forEach(a -> assertEquals(a.get("code").asText().equals("partial_marker") ? "warn" : "error",
                a.get("severity").asText()));

        Path gguf = Files.createDirectories(tmp.resolve("gguf-ws"));
        Files.writeString(gguf.resolve("config.json"), "{}");
        io.jknife.testkit.TinyGguf.llama(gguf.resolve("model.gguf"));
        Cli.Result ok = json(new Cli(hf), "push", gguf.toString(), "me/x", "--private", "--check-only");
        assertTrue(ok.data().at("/workspace_health/healthy").asBoolean(), ok.out());
        assertEquals("[]", ok.data().at("/workspace_health/anomalies").toString());
        Cli.Result human = new Cli(hf).run("push", ws.toString(), "me/x", "--private", "--check-only");
        assertTrue(human.out().contains("error: config.json is not a valid JSON object [config_invalid_json]"), human.out());
    }
}
