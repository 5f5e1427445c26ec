package io.jknife.server;

import com.sun.net.httpserver.HttpServer;
import io.jknife.formats.safetensors.SafetensorsDType;
import io.jknife.testkit.CacheTree;
import io.jknife.testkit.TinySafetensors;
import io.jknife.vision.VisionImage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

import static io.jknife.server.ServerTest.assertError;
import static io.jknife.server.VisionChatTest.body;
import static io.jknife.server.VisionChatTest.chat;
import static io.jknife.server.VisionChatTest.content;
import static io.jknife.server.VisionChatTest.user;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** http(s) image URLs: refused by default, fetched from a local HTTP server with {@code allowRemoteImages}. */
class RemoteImagesTest {
    @TempDir
    static Path tmp;
    static Path hf;
    static HttpServer images;
    static String base;
    static byte[] red;

    @BeforeAll
    static void start() throws Exception {
        hf = tmp.resolve("hf");
        CacheTree.at(hf).repo("org/Tiny-Llava").files(TinySafetensors.visionLlava(tmp.resolve("llava"),
                TinySafetensors.Options.defaults().withDtype(SafetensorsDType.BF16)));
        red = VisionChatTest.png(Color.WHITE, Color.RED);
        images = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        images.createContext("/red.png", x -> reply(x, 200, "image/png", red));
        images.createContext("/page", x -> reply(x, 200, "text/html; charset=utf-8", "<html></html>".getBytes()));
        images.createContext("/missing", x -> reply(x, 404, "text/plain", "no".getBytes()));
        images.createContext("/to-red", x -> redirect(x, "/red.png"));
        images.createContext("/to-file", x -> redirect(x, "file:///etc/passwd"));
        images.createContext("/huge", x -> {
            x.getResponseHeaders().add("Content-Type", "image/jpeg");
            x.sendResponseHeaders(200, 0); // chunked: no Content-Length to refuse it by, so it is counted while read
            byte[] block = new byte[1 << 20];
            try (OutputStream out = x.getResponseBody()) {
                for (int i = 0; i < 25; i++) {
                    out.write(block);
                }
            } catch (IOException e) {
                // the server stopped reading past the limit
            }
        });
        images.start();
        base = "http://127.0.0.1:" + images.getAddress().getPort();
    }

    private static void reply(com.sun.net.httpserver.HttpExchange x, int status, String type, byte[] body) throws IOException {
        x.getResponseHeaders().add("Content-Type", type);
        x.sendResponseHeaders(status, body.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(body);
        }
    }

    private static void redirect(com.sun.net.httpserver.HttpExchange x, String location) throws IOException {
        x.getResponseHeaders().add("Location", location);
        x.sendResponseHeaders(302, -1);
        x.close();
    }

    @AfterAll
    static void stop() {
        if (images != null) {
            images.stop(0);
        }
    }

    @Test
    void remoteUrlsAreRefusedUnlessAllowed() throws Exception {
        try (TestServers.Running s = TestServers.start(hf, ServerConfig.defaults(), TestServers.plenty())) {
            TestServers.Reply r = chat(s, body("org/Tiny-Llava", user("?", base + "/red.png")));
            assertError(r, 400, "invalid_image");
            assertTrue(r.json().at("/error/message").asText().startsWith("Only data URLs are supported"), r.body());
            assertTrue(s.server().models().loadedIds().isEmpty(), "refused before loading");
        }
    }

    @Test
    void allowedRemoteUrlsAreFetchedWithTheirTypeAndLimitsChecked() throws Exception {
        try (TestServers.Running s = TestServers.start(hf, ServerConfig.defaults().withAllowRemoteImages(true), TestServers.plenty())) {
            String hash = VisionImage.hash8(red);
            for (String path : new String[]{"/red.png", "/to-red"}) {
                String text = content(chat(s, body("org/Tiny-Llava", user("?", base + path))));
                assertTrue(text.contains("| 1 | image_" + hash + ".jpeg | image_" + hash + ".png |"), path + ": " + text);
            }
            assertMessage(chat(s, body("org/Tiny-Llava", user("?", base + "/page"))), 400, "Unsupported image content type 'text/html");
            assertMessage(chat(s, body("org/Tiny-Llava", user("?", base + "/missing"))), 400, "HTTP 404");
            assertMessage(chat(s, body("org/Tiny-Llava", user("?", base + "/to-file"))), 400, "only http and https URLs are fetched");
            assertMessage(chat(s, body("org/Tiny-Llava", user("?", base + "/huge"))), 413, "exceeds limit (20 MB)");
            assertMessage(chat(s, body("org/Tiny-Llava", user("?", "data:image/png;base64,AAA"))), 400, "Failed to decode base64");
        }
    }

    @Test
    void aSlowSenderMeetsTheDeadline() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean senderDone = new java.util.concurrent.atomic.AtomicBoolean();
        HttpServer slow = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        slow.createContext("/slow", x -> {
            x.getResponseHeaders().add("Content-Type", "image/png");
            x.sendResponseHeaders(200, red.length);
            try (OutputStream out = x.getResponseBody()) {
                out.write(red, 0, 10);
                out.flush();
                release.await(30, java.util.concurrent.TimeUnit.SECONDS); // the rest never comes while the test runs
            } catch (IOException | InterruptedException e) {
                // the client gave up
            }
            senderDone.set(true);
        });
        slow.start();
        try {
            RemoteImages fetcher = new RemoteImages(Duration.ofMillis(300));
            ApiException e = assertThrows(ApiException.class, () ->
                    fetcher.fetch("http://127.0.0.1:" + slow.getAddress().getPort() + "/slow", 1 << 20));
            assertEquals(400, e.status());
            assertTrue(e.getMessage().contains("no complete answer within"), e.getMessage());
            assertFalse(senderDone.get(), "gave up at the deadline, while the sender still held the body back");
        } finally {
            release.countDown();
            slow.stop(0);
        }
    }


    private static void assertMessage(TestServers.Reply r, int status, String part) {
        assertEquals(status, r.status(), r.toString());
        assertTrue(r.json().at("/error/message").asText().contains(part), r.body());
    }
}
