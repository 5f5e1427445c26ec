package io.jknife.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.jknife.testkit.CacheTree;
import io.jknife.testkit.TinyGguf;
import io.jknife.testkit.TinyWhisper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The audio endpoints over HTTP with tiny generated whisper models and the real engine. */
class AudioEndpointsTest {
    private static final Pattern SRT = Pattern.compile(
            "(\\d+\\n\\d{2}:\\d{2}:\\d{2},\\d{3} --> \\d{2}:\\d{2}:\\d{2},\\d{3}\\n[^\\n]+(\\n[^\\n]+)*\\n\\n)+");
    private static final Pattern VTT = Pattern.compile(
            "WEBVTT\\n\\n(\\d{2}:\\d{2}:\\d{2}\\.\\d{3} --> \\d{2}:\\d{2}:\\d{2}\\.\\d{3}\\n[^\\n]+(\\n[^\\n]+)*\\n\\n)+");

    @TempDir
    static Path tmp;
    static Path hf;
    static byte[] wav;
    static TestServers.Running server;
    static Set<String> uploadsBefore;

    @BeforeAll
    static void start() throws Exception {
        hf = tmp.resolve("hf");
        CacheTree cache = CacheTree.at(hf);
        cache.repo("org/whisper").file("ggml-tiny.bin", TinyWhisper.write(tmp.resolve("w.bin")));
        cache.repo("org/whisper-en").file("ggml-tiny.en.bin",
                TinyWhisper.write(tmp.resolve("en.bin"), TinyWhisper.Options.defaults().withMultilingual(false)));
        cache.repo("org/whisper-f32conv").file("ggml-bad.bin",
                TinyWhisper.write(tmp.resolve("bad.bin"), TinyWhisper.Options.defaults().withConvF32()));
        cache.repo("org/tiny-GGUF").file("tiny-F32.gguf", TinyGguf.llama(tmp.resolve("m.gguf"), TinyGguf.Options.defaults()));
        wav = wav(5, 16_000);
        uploadsBefore = uploads();
        server = TestServers.start(hf, ServerConfig.defaults(), TestServers.plenty());
    }

    @AfterAll
    static void stop() throws IOException {
        server.close();
        Set<String> left = uploads();
        left.removeAll(uploadsBefore);
        assertEquals(Set.of(), left, "every upload's temporary file is deleted");
    }

    @Test
    void everyResponseFormat() throws Exception {
        TestServers.Reply json = post("/v1/audio/transcriptions", form().text("model", "org/whisper").text("language", "de").file("file", "a.wav", wav));
        assertEquals(200, json.status(), json.toString());
        assertTrue(json.header("Content-Type").startsWith("application/json"));
        String text = json.json().get("text").asText();

        TestServers.Reply verbose = post("/v1/audio/transcriptions", form().text("model", "org/whisper").text("language", "de")
                .text("response_format", "verbose_json").text("timestamp_granularities[]", "segment").file("file", "a.wav", wav));
        assertEquals(200, verbose.status(), verbose.toString());
        JsonNode v = verbose.json();
        assertEquals("transcribe", v.get("task").asText());
        assertEquals("de", v.get("language").asText());
        assertEquals(5.0, v.get("duration").asDouble(), 0.01);
        assertEquals(text, v.get("text").asText());
        assertTrue(v.get("segments").size() > 0, verbose.body());
        for (JsonNode s : v.get("segments")) {
            assertTrue(s.get("start").asDouble() >= 0 && s.get("end").asDouble() >= s.get("start").asDouble()
                    && s.get("end").asDouble() <= 5.0, s.toString());
        }

        TestServers.Reply plain = post("/v1/audio/transcriptions", form().text("model", "org/whisper").text("language", "de")
                .text("response_format", "text").file("file", "a.wav", wav));
        assertTrue(plain.header("Content-Type").startsWith("text/plain"));
        assertEquals(text + "\n", plain.body());

        TestServers.Reply srt = post("/v1/audio/transcriptions", form().text("model", "org/whisper").text("language", "de")
                .text("response_format", "srt").file("file", "a.wav", wav));
        assertEquals(200, srt.status(), srt.toString());
        assertTrue(SRT.matcher(srt.body()).matches(), srt.body());

        TestServers.Reply vtt = post("/v1/audio/transcriptions", form().text("model", "org/whisper").text("language", "de")
                .text("response_format", "vtt").file("file", "a.wav", wav));
        assertEquals(200, vtt.status(), vtt.toString());
        assertTrue(vtt.header("Content-Type").startsWith("text/vtt"));
        assertTrue(VTT.matcher(vtt.body()).matches(), vtt.body());
    }

    @Test
    void translationsTranslateAndConcurrentRequestsShareOneLoadedModel() throws Exception {
        List<CompletableFuture<TestServers.Reply>> replies = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            replies.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return post("/v1/audio/translations", form().text("model", "org/whisper").text("response_format", "verbose_json")
                            .file("file", "a.wav", wav));
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }));
        }
        for (CompletableFuture<TestServers.Reply> f : replies) {
            TestServers.Reply r = f.get();
            assertEquals(200, r.status(), r.toString());
            assertEquals("translate", r.json().get("task").asText());
            assertEquals("unknown", r.json().get("language").asText(), "a detected language is never invented");
        }
        assertEquals(1, server.server().models().loadedIds().stream().filter(id -> id.equals("org/whisper")).count());
    }

    @Test
    void modelsThatCannotServeTheRequestAre400WithTheReason() throws Exception {
        TestServers.Reply text = post("/v1/audio/transcriptions", form().text("model", "org/tiny-GGUF").file("file", "a.wav", wav));
        assertError(text, 400, "model", "not a speech-to-text model");
        TestServers.Reply hazard = post("/v1/audio/transcriptions", form().text("model", "org/whisper-f32conv").file("file", "a.wav", wav));
        assertError(hazard, 400, "model", "f32");
        TestServers.Reply en = post("/v1/audio/translations", form().text("model", "org/whisper-en").file("file", "a.wav", wav));
        assertError(en, 400, "model", "English-only");
        TestServers.Reply lang = post("/v1/audio/transcriptions", form().text("model", "org/whisper").text("language", "xx").file("file", "a.wav", wav));
        assertError(lang, 400, "model", "unknown language 'xx'");
        TestServers.Reply missing = post("/v1/audio/transcriptions", form().text("model", "org/nope").file("file", "a.wav", wav));
        assertEquals(404, missing.status(), missing.toString());
    }

    @Test
    void malformedFormsAre400() throws Exception {
        assertError(post("/v1/audio/transcriptions", form().text("model", "org/whisper")), 400, "file", "'file' is required");
        assertError(post("/v1/audio/transcriptions", form().file("file", "a.wav", wav)), 400, "model", "'model' is required");
        assertError(post("/v1/audio/transcriptions", form().text("model", "org/whisper").text("file", "not a file")),
                400, "file", "must be a file upload");
        assertError(post("/v1/audio/transcriptions", form().file("model", "m.txt", "org/whisper".getBytes()).file("file", "a.wav", wav)),
                400, "model", "must be a text field");
        assertError(post("/v1/audio/transcriptions", form().text("model", "org/whisper").file("file", "a.wav", wav).file("file", "b.wav", wav)),
                400, "file", "Exactly one 'file'");
        assertError(post("/v1/audio/transcriptions", form().text("model", "org/whisper").text("temperature", "hot").file("file", "a.wav", wav)),
                400, "temperature", "must be a number");
        assertError(post("/v1/audio/transcriptions", form().text("model", "org/whisper").text("temperature", "1.5").file("file", "a.wav", wav)),
                400, "temperature", "between 0 and 1");
        assertError(post("/v1/audio/transcriptions", form().text("model", "org/whisper").text("response_format", "docx").file("file", "a.wav", wav)),
                400, "response_format", "Unsupported response_format 'docx'");
        assertError(post("/v1/audio/transcriptions", form().text("model", "org/whisper").text("timestamp_granularities[]", "word").file("file", "a.wav", wav)),
                400, "timestamp_granularities[]", "'word'");
        assertError(post("/v1/audio/transcriptions", form().text("model", "org/whisper").file("file", "empty.wav", new byte[0])),
                400, "file", "empty");
        TestServers.Reply json = TestServers.post(server.base() + "/v1/audio/transcriptions", "{\"model\":\"org/whisper\"}");
        assertError(json, 400, null, "multipart/form-data");
        byte[] cut = form().text("model", "org/whisper").file("file", "a.wav", wav).bytes();
        TestServers.Reply truncated = send("/v1/audio/transcriptions", java.util.Arrays.copyOf(cut, cut.length - 30), Form.CONTENT_TYPE);
        assertError(truncated, 400, null, "incomplete");
    }

    @Test
    void corruptAudioIs400WithTheDecodersMessage() throws Exception {
        byte[] junk = "RIFF\0\0\0\0WAVEjunk-that-is-no-audio".getBytes(StandardCharsets.ISO_8859_1);
        TestServers.Reply r = post("/v1/audio/transcriptions", form().text("model", "org/whisper").file("file", "c.wav", junk));
        assertError(r, 400, "file", "Could not decode the audio file 'c.wav': ");
    }

    @Test
    void oversizeUploadsAre413() throws Exception {
        byte[] big = new byte[(int) AudioEndpoints.MAX_FILE_BYTES + 1];
        // streamed without a length: refused when the file passes the limit
        Form f = form().text("model", "org/whisper").file("file", "big.wav", big);
        HttpRequest chunked = HttpRequest.newBuilder(URI.create(server.base() + "/v1/audio/transcriptions"))
                .timeout(Duration.ofSeconds(60)).header("Content-Type", Form.CONTENT_TYPE)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(f.bytes()))).build();
        HttpResponse<String> r = TestServers.HTTP.send(chunked, HttpResponse.BodyHandlers.ofString());
        assertEquals(413, r.statusCode(), r.body());
        assertTrue(r.body().contains("file_too_large"), r.body());
        // a declared length over the limit is refused before reading
        byte[] bigger = new byte[(int) AudioEndpoints.MAX_FILE_BYTES + 2 * 1024 * 1024];
        TestServers.Reply declared = send("/v1/audio/transcriptions", form().text("model", "org/whisper").file("file", "big.wav", bigger).bytes(), Form.CONTENT_TYPE);
        assertEquals(413, declared.status(), declared.toString());
    }

    @Test
    void modelsListMarksSpeechModelsAndChatPointsToTheAudioEndpoints() throws Exception {
        JsonNode list = TestServers.get(server.base() + "/v1/models").json();
        JsonNode whisper = null;
        for (JsonNode m : list.get("data")) {
            if (m.get("id").asText().equals("org/whisper")) {
                whisper = m;
            }
            assertTrue(!m.get("id").asText().equals("org/whisper-f32conv"), "a hazard model is not listed");
        }
        assertTrue(whisper != null, list.toString());
        assertTrue(whisper.get("capabilities").toString().contains("\"audio\""), whisper.toString());

        TestServers.Reply chat = TestServers.post(server.base() + "/v1/chat/completions", """
                {"model": "org/tiny-GGUF", "messages": [{"role": "user", "content": [
                  {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}}]}]}""");
        assertError(chat, 400, null, "/v1/audio/transcriptions");
        TestServers.Reply chatWhisper = TestServers.post(server.base() + "/v1/chat/completions", """
                {"model": "org/whisper", "messages": [{"role": "user", "content": "hi"}]}""");
        assertError(chatWhisper, 400, "model", "/v1/audio/transcriptions");
    }

    @Test
    void aSpeechModelCanBePreloadedAndIsTheDefault() throws Exception {
        try (TestServers.Running pre = TestServers.start(hf, ServerConfig.defaults().withDefaultModel("org/whisper"), TestServers.plenty())) {
            assertEquals(List.of("org/whisper"), pre.server().models().loadedIds());
            HttpResponse<String> r = TestServers.HTTP.send(HttpRequest.newBuilder(URI.create(pre.base() + "/v1/audio/transcriptions"))
                    .header("Content-Type", Form.CONTENT_TYPE)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(form().text("language", "en").file("file", "a.wav", wav).bytes())).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
        }
    }

    @Test
    void switchingToASpeechModelNeedsFourGibibytesFree() throws Exception {
        ServerConfig c = ServerConfig.defaults().withMemoryGate(0, Duration.ofMillis(20), Duration.ofMillis(200));
        try (TestServers.Running low = TestServers.start(hf, c, MemoryReading.fixed(3L << 30, 16L << 30))) {
            TestServers.Reply text = TestServers.post(low.base() + "/v1/chat/completions",
                    "{\"model\":\"org/tiny-GGUF\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":2}");
            assertEquals(200, text.status(), "the first load is no switch: " + text);
            TestServers.Reply r = TestServers.HTTP.send(HttpRequest.newBuilder(URI.create(low.base() + "/v1/audio/transcriptions"))
                            .header("Content-Type", Form.CONTENT_TYPE)
                            .POST(HttpRequest.BodyPublishers.ofByteArray(form().text("model", "org/whisper").file("file", "a.wav", wav).bytes())).build(),
                    HttpResponse.BodyHandlers.ofString()) instanceof HttpResponse<String> h
                    ? new TestServers.Reply(h.statusCode(), h.headers().map(), h.body()) : null;
            assertEquals(503, r.status(), r.toString());
            assertTrue(r.body().contains("needs 4.00 GiB"), r.body());
            assertEquals(List.of(), low.server().models().loadedIds(), "the text model made room first, as a switch does");
        }
    }

    // ---- helpers

    private static void assertError(TestServers.Reply r, int status, String param, String message) {
        assertEquals(status, r.status(), r.toString());
        JsonNode e = r.json().get("error");
        assertTrue(e.get("message").asText().contains(message), r.toString());
        if (param != null) {
            assertEquals(param, e.get("param").asText(), r.toString());
        }
    }

    private static TestServers.Reply post(String path, Form form) throws Exception {
        return send(path, form.bytes(), Form.CONTENT_TYPE);
    }

    private static TestServers.Reply send(String path, byte[] body, String contentType) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(server.base() + path)).timeout(Duration.ofSeconds(120))
                .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        HttpResponse<String> r = TestServers.HTTP.send(req, HttpResponse.BodyHandlers.ofString());
        return new TestServers.Reply(r.statusCode(), r.headers().map(), r.body());
    }

    private static Form form() {
        return new Form();
    }

    /** A multipart/form-data body as a browser or OpenAI's client writes it. */
    static final class Form {
        static final String BOUNDARY = "----jknifeTestBoundary7MA4YWxkTrZu0gW";
        static final String CONTENT_TYPE = "multipart/form-data; boundary=" + BOUNDARY;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Form text(String name, String value) {
            write("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n");
            return this;
        }

        Form file(String name, String filename, byte[] data) {
            write("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"" + filename
                    + "\"\r\nContent-Type: application/octet-stream\r\n\r\n");
            out.writeBytes(data);
            write("\r\n");
            return this;
        }

        byte[] bytes() {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.writeBytes(out.toByteArray());
            all.writeBytes(("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
            return all.toByteArray();
        }

        private void write(String s) {
            out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        }
    }

    static byte[] wav(double seconds, int rate) {
        int n = (int) Math.round(seconds * rate);
        ByteBuffer b = ByteBuffer.allocate(44 + 2 * n).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes()).putInt(36 + 2 * n).put("WAVE".getBytes());
        b.put("fmt ".getBytes()).putInt(16).putShort((short) 1).putShort((short) 1).putInt(rate).putInt(rate * 2)
                .putShort((short) 2).putShort((short) 16);
        b.put("data".getBytes()).putInt(2 * n);
        Random r = new Random(7);
        for (int i = 0; i < n; i++) {
            double v = Math.sin(i * 0.05) * 0.3 + r.nextGaussian() * 0.05;
            b.putShort((short) Math.round(v * 32767 * 0.9));
        }
        return b.array();
    }

    private static Set<String> uploads() throws IOException {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return new HashSet<>(s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("jknife-upload-")).toList());
        }
    }

    @SuppressWarnings("unused")
    private static byte[] readAll(InputStream in) throws IOException {
        return in.readAllBytes();
    }
}
