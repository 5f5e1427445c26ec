package io.jknife.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.jknife.testkit.CacheTree;
import io.jknife.testkit.TinyGguf;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.jknife.server.TestServers.get;
import static io.jknife.server.TestServers.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The server over real HTTP with tiny generated GGUF models and the real engines (the Java engine first, as routed). */
class ServerTest {
    @TempDir
    static Path tmp;
    static Path hf;
    static TestServers.Running server;

    @BeforeAll
    static void start() throws Exception {
        hf = tmp.resolve("hf");
        CacheTree cache = CacheTree.at(hf);
        cache.repo("org/tiny-GGUF").file("tiny-F32.gguf", TinyGguf.llama(tmp.resolve("m.gguf"), TinyGguf.Options.defaults()));
        cache.repo("org/other-GGUF").file("other-F32.gguf",
                TinyGguf.llama(tmp.resolve("o.gguf"), TinyGguf.Options.defaults().withSeed(7)));
        cache.repo("org/long-GGUF").file("long-F32.gguf",
                TinyGguf.llama(tmp.resolve("l.gguf"), TinyGguf.Options.defaults().withContextLength(4096)));
        cache.repo("org/bert-GGUF").file("bert.gguf", TinyGguf.bert(tmp.resolve("b.gguf"), TinyGguf.Options.defaults()));
        server = TestServers.start(hf, ServerConfig.defaults().withMaxLoaded(3).withMaxBodyBytes(64 * 1024), TestServers.plenty());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    static String chatBody(String model, String extra) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}],"
                + "\"temperature\":0,\"max_tokens\":8" + extra + "}";
    }

    static void assertError(TestServers.Reply r, int status, String code) {
        assertEquals(status, r.status(), r.toString());
        JsonNode e = r.json().get("error");
        assertNotNull(e, r.body());
        assertTrue(e.get("message").isTextual() && !e.get("message").asText().isEmpty(), r.body());
        assertTrue(e.get("type").isTextual(), r.body());
        assertTrue(e.has("param") && e.has("code"), r.body());
        if (code != null) {
            assertEquals(code, e.get("code").asText(), r.body());
        }
    }

    /** SSE data payloads, in order. */
    static List<String> sse(String body) {
        List<String> out = new ArrayList<>();
        for (String event : body.split("\n\n")) {
            if (event.isBlank()) {
                continue;
            }
            assertTrue(event.startsWith("data: "), "event: " + event);
            out.add(event.substring(6));
        }
        return out;
    }

    @Test
    void healthAndModels() throws Exception {
        TestServers.Reply h = get(server.base() + "/health");
        assertEquals(200, h.status());
        assertEquals("healthy", h.json().get("status").asText());
        assertTrue(h.json().at("/memory/total_bytes").asLong() > 0);
        assertNotNull(h.header("X-Request-ID"));

        JsonNode list = get(server.base() + "/v1/models").json();
        assertEquals("list", list.get("object").asText());
        List<String> ids = new ArrayList<>();
        list.get("data").forEach(m -> ids.add(m.get("id").asText()));
        assertTrue(ids.contains("org/tiny-GGUF"), ids.toString());
        // served in-process, so listed (the original hid them: they lived in a separate embed-serve)
        assertTrue(ids.contains("org/bert-GGUF"), "embedding models are listed: " + ids);
        JsonNode one = get(server.base() + "/v1/models/org/tiny-GGUF").json();
        assertEquals("org/tiny-GGUF", one.get("id").asText());
        assertEquals("model", one.get("object").asText());
        assertTrue(one.get("capabilities").toString().contains("chat"), one.toString());
        assertError(get(server.base() + "/v1/models/org/nothing"), 404, "model_not_found");
        assertError(get(server.base() + "/v1/nothing"), 404, null);
    }

    @Test
    void chatIsDeterministicWithUsage() throws Exception {
        TestServers.Reply a = post(server.base() + "/v1/chat/completions", chatBody("tiny", ""));
        TestServers.Reply b = post(server.base() + "/v1/chat/completions", chatBody("org/tiny-GGUF", ""));
        assertEquals(200, a.status(), a.toString());
        JsonNode j = a.json();
        assertEquals("chat.completion", j.get("object").asText());
        assertEquals("tiny", j.get("model").asText());
        assertEquals("assistant", j.at("/choices/0/message/role").asText());
        assertEquals("length", j.at("/choices/0/finish_reason").asText());
        assertEquals(8, j.at("/usage/completion_tokens").asInt());
        assertEquals(j.at("/usage/prompt_tokens").asInt() + 8, j.at("/usage/total_tokens").asInt());
        assertEquals(j.at("/choices/0/message/content").asText(), b.json().at("/choices/0/message/content").asText());
        // aliases of one model share one loaded instance
        assertEquals(1, server.server().models().loadedIds().stream().filter(id -> id.equals("org/tiny-GGUF")).count());
    }

    @Test
    void streamingFollowsOpenAiWireFormat() throws Exception {
        String whole = post(server.base() + "/v1/chat/completions", chatBody("tiny", "")).json()
                .at("/choices/0/message/content").asText();
        TestServers.Reply r = post(server.base() + "/v1/chat/completions",
                chatBody("tiny", ",\"stream\":true,\"stream_options\":{\"include_usage\":true}"));
        assertEquals(200, r.status(), r.toString());
        assertTrue(r.header("Content-Type").startsWith("text/event-stream"), r.header("Content-Type"));
        List<String> events = sse(r.body());
        assertEquals("[DONE]", events.getLast());
        JsonNode first = TestServers.JSON.readTree(events.getFirst());
        assertEquals("chat.completion.chunk", first.get("object").asText());
        assertEquals("assistant", first.at("/choices/0/delta/role").asText());
        StringBuilder text = new StringBuilder();
        String finish = null;
        JsonNode usage = null;
        for (String e : events.subList(1, events.size() - 1)) {
            JsonNode c = TestServers.JSON.readTree(e);
            if (c.get("choices").isEmpty()) {
                usage = c.get("usage");
                continue;
            }
            assertNull(finish, "no content after the finish chunk");
            text.append(c.at("/choices/0/delta/content").asText(""));
            if (!c.at("/choices/0/finish_reason").isNull()) {
                finish = c.at("/choices/0/finish_reason").asText();
            }
        }
        assertEquals("length", finish);
        assertEquals(whole, text.toString());
        assertNotNull(usage);
        assertEquals(8, usage.get("completion_tokens").asInt());

        // without include_usage: no usage chunk
        List<String> plain = sse(post(server.base() + "/v1/chat/completions", chatBody("tiny", ",\"stream\":true")).body());
        assertTrue(plain.stream().noneMatch(e -> e.contains("\"usage\"")), plain.toString());
    }

    @Test
    void healthAnswersWhileAGenerationRuns() throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<TestServers.Reply> longOne = pool.submit(() -> post(server.base() + "/v1/completions",
                    "{\"model\":\"long\",\"prompt\":\"Hello there\",\"temperature\":0,\"max_tokens\":500}"));
            for (int i = 0; i < 5; i++) {
                long t0 = System.nanoTime();
                assertEquals(200, get(server.base() + "/health").status());
                assertEquals(200, get(server.base() + "/metrics").status());
                assertTrue(System.nanoTime() - t0 < 1_000_000_000L);
            }
            assertEquals(200, longOne.get().status());
        }
    }

    @Test
    void jsonRequestLogCarriesTheRequestId() throws Exception {
        try (TestServers.Running s = TestServers.start(hf, ServerConfig.defaults().withLogJson(true), TestServers.plenty())) {
            TestServers.Reply r = get(s.base() + "/health", "X-Request-ID", "abc-123");
            assertEquals("abc-123", r.header("X-Request-ID"));
            for (int i = 0; i < 20 && s.log().stream().noneMatch(l -> l.contains("abc-123")); i++) {
                Thread.sleep(50);
            }
            JsonNode line = TestServers.JSON.readTree(s.log().stream().filter(l -> l.contains("abc-123")).findFirst().orElseThrow());
            assertEquals("/health", line.get("path").asText());
            assertEquals(200, line.get("status").asInt());
            assertEquals("abc-123", line.get("request_id").asText());
        }
    }

    @Test
    void engineFailureIsA500() throws Exception {
        java.util.List<String> log = new java.util.concurrent.CopyOnWriteArrayList<>();
        OpenAiServer broken = new OpenAiServer(ServerConfig.defaults().withPort(0), TestServers.catalog(hf), info -> {
            throw new io.jknife.engine.EngineException("native library exploded");
        }, TestServers.plenty(), log::add).start();
        try {
            TestServers.Reply r = post("http://127.0.0.1:" + broken.port() + "/v1/chat/completions", chatBody("tiny", ""));
            assertError(r, 500, "model_load_failed");
            assertTrue(r.json().at("/error/message").asText().contains("native library exploded"), r.body());
        } finally {
            broken.stop();
        }
    }

    @Test
    void completionsStreamedAndWhole() throws Exception {
        String body = "{\"model\":\"tiny\",\"prompt\":\"Once upon\",\"temperature\":0,\"max_tokens\":6";
        TestServers.Reply r = post(server.base() + "/v1/completions", body + "}");
        assertEquals(200, r.status(), r.toString());
        assertEquals("text_completion", r.json().get("object").asText());
        String text = r.json().at("/choices/0/text").asText();
        int n = r.json().at("/usage/completion_tokens").asInt();
        assertTrue(n > 0 && n <= 6, r.body());
        List<String> events = sse(post(server.base() + "/v1/completions", body + ",\"stream\":true}").body());
        assertEquals("[DONE]", events.getLast());
        StringBuilder sb = new StringBuilder();
        for (String e : events.subList(0, events.size() - 1)) {
            sb.append(TestServers.JSON.readTree(e).at("/choices/0/text").asText());
        }
        assertEquals(text, sb.toString());
    }

    @Test
    void stopSeedAndMaxCompletionTokens() throws Exception {
        String full = post(server.base() + "/v1/completions",
                "{\"model\":\"tiny\",\"prompt\":\"Hello\",\"temperature\":0,\"max_completion_tokens\":16}").json()
                .at("/choices/0/text").asText();
        String stop = full.substring(full.length() / 2, full.length() / 2 + 1);
        JsonNode cut = post(server.base() + "/v1/completions",
                "{\"model\":\"tiny\",\"prompt\":\"Hello\",\"temperature\":0,\"max_tokens\":16,\"stop\":["
                        + TestServers.JSON.writeValueAsString(stop) + "]}").json();
        assertEquals(full.substring(0, full.indexOf(stop)), cut.at("/choices/0/text").asText());
        assertEquals("stop", cut.at("/choices/0/finish_reason").asText());
        String seeded = "{\"model\":\"tiny\",\"prompt\":\"Tell me\",\"temperature\":1.5,\"top_p\":1,\"seed\":3,\"max_tokens\":20}";
        assertEquals(post(server.base() + "/v1/completions", seeded).json().at("/choices/0/text"),
                post(server.base() + "/v1/completions", seeded).json().at("/choices/0/text"));
    }

    @Test
    void badRequestsAreOpenAiErrorsNeverServerErrors() throws Exception {
        String url = server.base() + "/v1/chat/completions";
        assertError(post(url, "{\"model\": \"tiny\", \"messages\": ["), 400, null);
        assertError(post(url, "[1,2]"), 400, null);
        assertError(post(url, ""), 400, null);
        assertError(post(url, "{\"model\":\"tiny\"}"), 400, null);
        assertError(post(url, chatBody("tiny", ",\"n\":2")), 422, "invalid_value");
        assertError(post(url, chatBody("tiny", ",\"temperature\":\"hot\"")), 422, "invalid_value");
        assertError(post(url, chatBody("tiny", ",\"top_p\":0")), 422, "invalid_value");
        assertError(post(url, "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":0}"), 422, null);
        assertError(post(url, "{\"model\":\"tiny\",\"messages\":[{\"role\":\"tool\",\"content\":\"hi\"}]}"), 422, null);
        assertError(post(url, chatBody("no-such-model", "")), 404, "model_not_found");
        assertError(post(url, chatBody("/etc", "")), 400, "invalid_model");
        assertError(post(url, chatBody("../hf", "")), 400, "invalid_model");
        assertError(post(url, chatBody("bert", "")), 400, "model_not_supported");
        assertError(post(url, chatBody("GGUF", "")), 400, "ambiguous_match");
        assertError(post(url, "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\""
                + "x".repeat(70 * 1024) + "\"}]}"), 413, "request_too_large");
        assertError(post(url, "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\""
                + "word ".repeat(1000) + "\"}]}"), 422, null);
        assertError(post(server.base() + "/v1/completions", "{\"model\":\"tiny\",\"prompt\":[\"a\",\"b\"]}"), 422, null);
        assertEquals(200, get(server.base() + "/health").status(), "still up");
    }

    @Test
    void concurrentClientsAllGetAnswers() throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<TestServers.Reply>> fs = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                boolean stream = i % 2 == 0;
                fs.add(pool.submit(() -> post(server.base() + "/v1/chat/completions",
                        chatBody("tiny", stream ? ",\"stream\":true" : ""))));
            }
            for (Future<TestServers.Reply> f : fs) {
                TestServers.Reply r = f.get();
                assertEquals(200, r.status(), r.toString());
            }
        }
    }

    /** Opens a streaming request on a raw socket and reads only the response head and first event. */
    static Socket openStream(int port, String path, String body) throws Exception {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(30_000);
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        OutputStream out = s.getOutputStream();
        out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                + b.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(b);
        out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
        String status = in.readLine();
        assertTrue(status.contains(" 200 "), status);
        String line;
        while ((line = in.readLine()) != null && !line.contains("data: ")) {
            // headers, chunk sizes
        }
        return s;
    }

    /** A prompt the 4096-context model answers with 1500 tokens (no end-of-generation token before). */
    static String longPrompt(String base) throws Exception {
        for (String p : List.of("Once", "Hello there", "Tell me", "a b c d", "The", "x")) {
            JsonNode j = post(base + "/v1/completions", "{\"model\":\"long\",\"prompt\":\"" + p
                    + "\",\"temperature\":0,\"max_tokens\":1500}").json();
            if (j.at("/choices/0/finish_reason").asText().equals("length")) {
                return p;
            }
        }
        throw new AssertionError("no prompt generates 1500 tokens");
    }

    @Test
    void everyLoadedModelBusyMeans503WithoutUnloading() throws Exception {
        try (TestServers.Running one = TestServers.start(hf, ServerConfig.defaults(), TestServers.plenty())) {
            String prompt = longPrompt(one.base());
            try (Socket s = openStream(one.server().port(), "/v1/completions",
                    "{\"model\":\"long\",\"prompt\":\"" + prompt + "\",\"temperature\":0,\"max_tokens\":1500,\"stream\":true}")) {
                assertTrue(s.isConnected());
                TestServers.Reply r = post(one.base() + "/v1/chat/completions", chatBody("tiny", ""));
                assertError(r, 503, "server_busy");
                assertNotNull(r.header("Retry-After"));
                assertEquals(List.of("org/long-GGUF"), one.server().models().loadedIds());
            }
        }
    }

    @Test
    void parallelSlotsStreamTwoAnswersAtOnceOnTheJavaEngine() throws Exception {
        ServerConfig c = ServerConfig.defaults().withParallel(2).withMaxQueue(0);
        try (TestServers.Running two = TestServers.start(hf, c, TestServers.plenty(), "java")) {
            String prompt = longPrompt(two.base());
            String body = "{\"model\":\"long\",\"prompt\":\"" + prompt + "\",\"temperature\":0,\"max_tokens\":1500,\"stream\":true}";
            // neither stream is read past its first event, so each holds its slot: both stream at once
            try (Socket a = openStream(two.server().port(), "/v1/completions", body);
                 Socket b = openStream(two.server().port(), "/v1/completions", body)) {
                assertTrue(a.isConnected() && b.isConnected());
                TestServers.Reply third = post(two.base() + "/v1/completions", "{\"model\":\"long\",\"prompt\":\"x\",\"max_tokens\":2}");
                assertError(third, 503, "server_busy"); // both slots busy, no queue
            }
        }
    }

    @Test
    void disconnectCancelsAndFreesTheModel() throws Exception {
        try (TestServers.Running busy = TestServers.start(hf, ServerConfig.defaults().withMaxQueue(0), TestServers.plenty())) {
            String prompt = longPrompt(busy.base());
            String body = "{\"model\":\"long\",\"prompt\":\"" + prompt + "\",\"temperature\":0,\"max_tokens\":1500,\"stream\":true}";
            Socket s = openStream(busy.server().port(), "/v1/completions", body);
            // the stream is not read, so the generation holds the model: the next request finds the queue full
            TestServers.Reply full = post(busy.base() + "/v1/completions", "{\"model\":\"long\",\"prompt\":\"x\",\"max_tokens\":2}");
            if (full.status() == 503) {
                assertError(full, 503, "server_busy");
                assertNotNull(full.header("Retry-After"));
            }
            long t0 = System.nanoTime();
            s.close();
            TestServers.Reply after = null;
            for (int i = 0; i < 100; i++) {
                after = post(busy.base() + "/v1/completions", "{\"model\":\"long\",\"prompt\":\"x\",\"max_tokens\":2}");
                if (after.status() == 200) {
                    break;
                }
                Thread.sleep(50);
            }
            assertEquals(200, after.status(), after.toString());
            assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(5).toNanos());
            assertTrue(busy.log().stream().anyMatch(l -> l.contains("client went away")), busy.log().toString());
            assertTrue(full.status() == 503, "the second request found the queue full: " + full);
        }
    }

    @Test
    void apiKeyGuardsV1AndMetricsButNotHealth() throws Exception {
        try (TestServers.Running keyed = TestServers.start(hf, ServerConfig.defaults().withApiKey("s3cret"), TestServers.plenty())) {
            assertEquals(200, get(keyed.base() + "/health").status());
            assertError(get(keyed.base() + "/v1/models"), 401, "invalid_api_key");
            assertError(get(keyed.base() + "/v1/models", "Authorization", "Bearer wrong"), 401, "invalid_api_key");
            assertError(get(keyed.base() + "/metrics"), 401, "invalid_api_key");
            assertError(post(keyed.base() + "/v1/chat/completions", chatBody("tiny", "")), 401, "invalid_api_key");
            assertEquals(200, get(keyed.base() + "/v1/models", "Authorization", "Bearer s3cret").status());
            assertEquals(200, get(keyed.base() + "/metrics", "Authorization", "Bearer s3cret").status());
        }
    }

    @Test
    void metricsInPrometheusText() throws Exception {
        post(server.base() + "/v1/chat/completions", chatBody("tiny", ""));
        TestServers.Reply m = get(server.base() + "/metrics");
        assertEquals(200, m.status());
        assertTrue(m.header("Content-Type").startsWith("text/plain"), m.header("Content-Type"));
        for (String name : List.of("jknife_requests_total", "jknife_errors_total", "jknife_completion_tokens_total",
                "jknife_time_to_first_token_seconds_sum", "jknife_tokens_per_second", "jknife_queue_depth",
                "jknife_loaded_models", "jknife_memory_gate_waits_total")) {
            assertTrue(m.body().contains("\n" + name + " ") || m.body().startsWith(name + " "), name + " in\n" + m.body());
        }
        assertTrue(m.body().matches("(?s).*\njknife_completion_tokens_total [1-9]\\d*\n.*"), m.body());
    }

    @Test
    void corsOnlyWhenOriginsAreGiven() throws Exception {
        assertNull(get(server.base() + "/health", "Origin", "http://a.example").header("Access-Control-Allow-Origin"));
        try (TestServers.Running cors = TestServers.start(hf, ServerConfig.defaults().withCors(List.of("http://a.example")), TestServers.plenty())) {
            assertEquals("http://a.example", get(cors.base() + "/health", "Origin", "http://a.example").header("Access-Control-Allow-Origin"));
            assertNull(get(cors.base() + "/health", "Origin", "http://b.example").header("Access-Control-Allow-Origin"));
        }
    }

    @Test
    void lruEvictionAndABadNameNeverUnloads() throws Exception {
        try (TestServers.Running one = TestServers.start(hf, ServerConfig.defaults(), TestServers.plenty())) {
            assertEquals(200, post(one.base() + "/v1/chat/completions", chatBody("tiny", "")).status());
            assertEquals(List.of("org/tiny-GGUF"), one.server().models().loadedIds());
            assertError(post(one.base() + "/v1/chat/completions", chatBody("nothing-here", "")), 404, "model_not_found");
            assertError(post(one.base() + "/v1/chat/completions", chatBody("bert", "")), 400, null);
            assertEquals(List.of("org/tiny-GGUF"), one.server().models().loadedIds());
            assertEquals(200, post(one.base() + "/v1/chat/completions", chatBody("other", "")).status());
            assertEquals(List.of("org/other-GGUF"), one.server().models().loadedIds());
        }
        try (TestServers.Running two = TestServers.start(hf, ServerConfig.defaults().withMaxLoaded(2), TestServers.plenty())) {
            post(two.base() + "/v1/chat/completions", chatBody("tiny", ""));
            post(two.base() + "/v1/chat/completions", chatBody("other", ""));
            post(two.base() + "/v1/chat/completions", chatBody("tiny", ""));
            post(two.base() + "/v1/chat/completions", chatBody("long", ""));
            assertEquals(List.of("org/tiny-GGUF", "org/long-GGUF"), two.server().models().loadedIds());
        }
    }

    @Test
    void keepAliveUnloadsIdleModels() throws Exception {
        try (TestServers.Running s = TestServers.start(hf, ServerConfig.defaults().withKeepAlive(Duration.ofMillis(200)), TestServers.plenty())) {
            assertEquals(200, post(s.base() + "/v1/chat/completions", chatBody("tiny", "")).status());
            for (int i = 0; i < 50 && !s.server().models().loadedIds().isEmpty(); i++) {
                Thread.sleep(100);
            }
            assertTrue(get(s.base() + "/health").json().get("loaded_models").isEmpty());
            assertEquals(200, post(s.base() + "/v1/chat/completions", chatBody("tiny", "")).status(), "loads again");
        }
    }

    @Test
    void aPreloadedModelIsAskedToWarmUpAndOneLoadedOnDemandIsNot() throws Exception {
        WarmUpCountingEngines engines = new WarmUpCountingEngines(TestServers.ENGINES);
        try (TestServers.Running s = TestServers.start(hf, ServerConfig.defaults().withDefaultModel("tiny").withMaxTokens(3),
                TestServers.plenty(), null, engines.catalog)) {
            assertEquals(1, engines.warmUps.get(), "the preloaded model, while the server waits for requests");
            assertEquals(200, post(s.base() + "/v1/chat/completions", chatBody("tiny", "")).status());
        }
        try (TestServers.Running s = TestServers.start(hf, ServerConfig.defaults().withMaxTokens(3), TestServers.plenty(),
                null, engines.catalog)) {
            assertEquals(200, post(s.base() + "/v1/chat/completions", chatBody("tiny", "")).status());
            assertEquals(1, engines.warmUps.get(), "a model loaded for a request that waits is not warmed up");
        }
    }

    @Test
    void defaultModelIsPreloadedAndUsedWhenNoneIsNamed() throws Exception {
        try (TestServers.Running s = TestServers.start(hf, ServerConfig.defaults().withDefaultModel("tiny").withMaxTokens(3), TestServers.plenty())) {
            assertEquals(List.of("org/tiny-GGUF"), s.server().models().loadedIds());
            JsonNode j = post(s.base() + "/v1/chat/completions",
                    "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":0}").json();
            assertEquals(3, j.at("/usage/completion_tokens").asInt(), j.toString());
        }
    }
}
