package io.jknife.server;

import io.jknife.testkit.CacheTree;
import io.jknife.testkit.TinyGguf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import static io.jknife.server.ServerTest.assertError;
import static io.jknife.server.TestServers.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A client that gives up on a non-streaming answer cancels its generation, freeing the model at once. */
class NonStreamingDisconnectTest {
    @TempDir
    static Path tmp;

    static Socket send(int port, String path, String body) throws Exception {
        Socket s = new Socket("127.0.0.1", port);
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        OutputStream out = s.getOutputStream();
        out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                + b.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(b);
        out.flush();
        return s;
    }

    @Test
    void disconnectCancelsTheGenerationAndFreesTheModel() throws Exception {
        Path hf = tmp.resolve("hf");
        CacheTree.at(hf).repo("org/long-GGUF").file("long-F32.gguf",
                TinyGguf.llama(tmp.resolve("l.gguf"), TinyGguf.Options.defaults().withContextLength(4096)));
        // timed on llama.cpp (the answer must still be running 200 ms in)
        try (TestServers.Running busy = TestServers.start(hf, ServerConfig.defaults().withMaxQueue(0), TestServers.plenty(), "llama.cpp")) {
            String prompt = ServerTest.longPrompt(busy.base());
            String body = "{\"model\":\"long\",\"prompt\":\"" + prompt + "\",\"temperature\":0,\"max_tokens\":1500}";
            long whole = System.nanoTime();
            assertEquals(200, post(busy.base() + "/v1/completions", body).status());
            Duration full = Duration.ofNanos(System.nanoTime() - whole);

            Socket s = send(busy.server().port(), "/v1/completions", body);
            Thread.sleep(200);
            // the answer is being computed: the model is busy and its queue (0) is full
            TestServers.Reply full503 = post(busy.base() + "/v1/completions", "{\"model\":\"long\",\"prompt\":\"x\",\"max_tokens\":2}");
            assertError(full503, 503, "server_busy");
            assertNotNull(full503.header("Retry-After"));
            long t0 = System.nanoTime();
            s.close();
            TestServers.Reply after = null;
            for (int i = 0; i < 100; i++) {
                after = post(busy.base() + "/v1/completions", "{\"model\":\"long\",\"prompt\":\"x\",\"max_tokens\":2}");
                if (after.status() == 200) {
                    break;
                }
                Thread.sleep(20);
            }
            Duration freed = Duration.ofNanos(System.nanoTime() - t0);
            assertEquals(200, after.status(), after.toString());
            assertTrue(freed.compareTo(Duration.ofSeconds(2)) < 0, "freed after " + freed + " (a whole answer takes " + full + ")");
            assertTrue(busy.log().stream().anyMatch(l -> l.contains("client went away")), busy.log().toString());
            System.out.println("non-streaming disconnect: model free " + freed.toMillis() + " ms after the close; whole answer "
                    + full.toMillis() + " ms");
        }
    }

    @Test
    void aClientThatStaysGetsItsAnswer() throws Exception {
        Path hf = tmp.resolve("hf2");
        CacheTree.at(hf).repo("org/tiny-GGUF").file("tiny-F32.gguf", TinyGguf.llama(tmp.resolve("t.gguf")));
        try (TestServers.Running server = TestServers.start(hf, ServerConfig.defaults(), TestServers.plenty())) {
            for (int i = 0; i < 3; i++) {
                TestServers.Reply r = post(server.base() + "/v1/chat/completions",
                        "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":64,\"temperature\":0}");
                assertEquals(200, r.status(), r.toString());
                assertTrue(r.json().at("/choices/0/message/content").isTextual());
            }
            assertTrue(server.log().stream().noneMatch(l -> l.contains("client went away")), server.log().toString());
        }
    }
}
