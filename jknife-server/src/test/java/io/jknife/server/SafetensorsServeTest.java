package io.jknife.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.jknife.testkit.CacheTree;
import io.jknife.testkit.TinySafetensors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static io.jknife.server.TestServers.get;
import static io.jknife.server.TestServers.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hugging Face checkpoints (MLX 4-bit, BF16) served by the Java engine over real HTTP. */
class SafetensorsServeTest {
    @TempDir
    static Path tmp;
    static TestServers.Running server;

    @BeforeAll
    static void start() throws Exception {
        Path hf = tmp.resolve("hf");
        CacheTree cache = CacheTree.at(hf);
        cache.repo("mlx-community/Tiny-4bit").files(TinySafetensors.llama(tmp.resolve("q4"),
                TinySafetensors.Options.defaults().withMlx(4, 64)));
        cache.repo("org/Tiny-Qwen3").files(TinySafetensors.llama(tmp.resolve("qwen3"),
                TinySafetensors.Options.defaults().withModelType("qwen3")));
        server = TestServers.start(hf, ServerConfig.defaults(), TestServers.plenty());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void chatCompletionsRunOnMlxAndBf16Checkpoints() throws Exception {
        for (String model : new String[]{"mlx-community/Tiny-4bit", "org/Tiny-Qwen3"}) {
            String body = "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}],"
                    + "\"temperature\":0,\"max_tokens\":6}";
            TestServers.Reply a = post(server.base() + "/v1/chat/completions", body);
            assertEquals(200, a.status(), a.toString());
            JsonNode usage = a.json().get("usage");
            assertEquals(6, usage.get("completion_tokens").asInt(), a.body());
            assertTrue(usage.get("prompt_tokens").asInt() > 3, a.body());
            assertEquals("length", a.json().at("/choices/0/finish_reason").asText());
            TestServers.Reply b = post(server.base() + "/v1/chat/completions", body);
            assertEquals(a.json().at("/choices/0/message/content"), b.json().at("/choices/0/message/content"),
                    "greedy answers repeat");
        }
        JsonNode models = get(server.base() + "/v1/models").json();
        assertTrue(models.toString().contains("mlx-community/Tiny-4bit"), models.toString());
    }
}
