package io.jknife.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.jknife.testkit.CacheTree;
import io.jknife.testkit.TinyGguf;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jknife serve}: flags and environment, the start banner, Ctrl-C. */
class ServeCommandTest {
    @TempDir
    static Path tmp;
    static Path hf;

    @BeforeAll
    static void cache() throws Exception {
        hf = tmp.resolve("hf");
        CacheTree.at(hf).repo("org/tiny-GGUF").file("tiny-F32.gguf", TinyGguf.llama(tmp.resolve("m.gguf"), TinyGguf.Options.defaults()));
    }

    @Test
    void badValuesAreUsageErrors() {
        assertEquals(2, new Cli(hf).env("JKNIFE_PORT", "abc").run("serve").exitCode());
        assertEquals(2, new Cli(hf).run("serve", "--keep-alive", "5x").exitCode());
        assertEquals(2, new Cli(hf).run("serve", "--max-loaded", "0").exitCode());
        assertEquals(2, new Cli(hf).run("serve", "--port", "70000").exitCode());
        Cli.Result floors = new Cli(hf).run("serve", "--switch-free", "8");
        assertEquals(2, floors.exitCode());
        assertTrue(floors.err().contains("--switch-free takes two sizes in GiB"), floors.err());
        assertEquals(2, new Cli(hf).run("serve", "--switch-free", "8,-1").exitCode());
    }

    @Test
    void aPreloadThatFailsIsAnExecutionError() {
        Cli.Result r = new Cli(hf).run("serve", "--model", "no-such-model", "--port", "0", "--json");
        assertEquals(1, r.exitCode(), r.toString());
        SchemaValidator.assertValid(r.json());
        assertEquals("execution_error", r.json().at("/error/type").asText());
    }

    @Test
    void servesUntilSigintThenExitsZero() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        CompletableFuture<Cli.Result> run = CompletableFuture.supplyAsync(() ->
                new Cli(hf).env("JKNIFE_PORT", String.valueOf(port)).env("JKNIFE_API_KEY", "k")
                        .run("serve", "--model", "tiny", "--json"));
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        int status = 0;
        for (int i = 0; i < 300 && status != 200; i++) {
            try {
                status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode();
            } catch (java.io.IOException e) {
                Thread.sleep(100);
            }
        }
        assertEquals(200, status);
        HttpResponse<String> chat = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .header("Authorization", "Bearer k").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":2}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, chat.statusCode(), chat.body());
        Thread.sleep(500); // the signal handlers are installed right after the server listens
        sun.misc.Signal.raise(new sun.misc.Signal("INT"));
        Cli.Result r = run.get(10, TimeUnit.SECONDS);
        assertEquals(0, r.exitCode(), r.toString());
        SchemaValidator.assertValid(r.json());
        JsonNode d = r.data();
        assertEquals(port, d.get("port").asInt());
        assertEquals("127.0.0.1", d.get("host").asText());
        assertEquals("tiny", d.get("model").asText());
        assertTrue(d.get("api_key_required").asBoolean());
        assertTrue(r.err().contains("Stopped in"), r.err());
    }
}
