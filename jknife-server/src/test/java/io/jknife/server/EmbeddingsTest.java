package io.jknife.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.openai.OpenAiEmbeddingModel;
import io.jknife.testkit.CacheTree;
import io.jknife.testkit.TinyGguf;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;

import static io.jknife.server.ServerTest.assertError;
import static io.jknife.server.TestServers.get;
import static io.jknife.server.TestServers.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code POST /v1/embeddings} over real HTTP with tiny generated BERT models in llama.cpp. */
class EmbeddingsTest {
    @TempDir
    static Path tmp;
    static TestServers.Running server;

    @BeforeAll
    static void start() throws Exception {
        Path hf = tmp.resolve("hf");
        CacheTree cache = CacheTree.at(hf);
        cache.repo("org/tiny-GGUF").file("tiny-F32.gguf", TinyGguf.llama(tmp.resolve("m.gguf"), TinyGguf.Options.defaults()));
        cache.repo("org/bert-GGUF").file("bert.gguf", TinyGguf.bert(tmp.resolve("b.gguf"), TinyGguf.Options.defaults()));
        cache.repo("org/clspool-GGUF").file("cls.gguf",
                TinyGguf.bert(tmp.resolve("c.gguf"), TinyGguf.Options.defaults().withPoolingType(2).withSeed(3)));
        server = TestServers.start(hf, ServerConfig.defaults().withMaxLoaded(2), TestServers.plenty());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void modelsListEmbeddingModelsWithTheirCapability() throws Exception {
        JsonNode list = TestServers.get(server.base() + "/v1/models").json();
        JsonNode bert = null;
        for (JsonNode m : list.get("data")) {
            if (m.get("id").asText().equals("org/bert-GGUF")) {
                bert = m;
            }
        }
        assertNotNull(bert, list.toString());
        assertTrue(bert.get("capabilities").toString().contains("\"embeddings\""), bert.toString());
        assertEquals(200, TestServers.get(server.base() + "/v1/models/org/bert-GGUF").status());
    }

    static TestServers.Reply embed(String body) throws Exception {
        return post(server.base() + "/v1/embeddings", body);
    }

    static float[] floats(JsonNode a) {
        float[] v = new float[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) a.get(i).asDouble();
        }
        return v;
    }

    static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    @Test
    void listInputGivesUnitFloatVectorsInOrderWithUsage() throws Exception {
        TestServers.Reply r = embed("{\"model\":\"org/bert-GGUF\",\"input\":[\"hello world\",\"the cat and the dog\"]}");
        assertEquals(200, r.status(), r.toString());
        JsonNode j = r.json();
        assertEquals("list", j.get("object").asText());
        assertEquals("org/bert-GGUF", j.get("model").asText());
        assertEquals(2, j.get("data").size());
        for (int i = 0; i < 2; i++) {
            JsonNode d = j.get("data").get(i);
            assertEquals("embedding", d.get("object").asText());
            assertEquals(i, d.get("index").asInt());
            assertEquals(64, d.get("embedding").size());
            assertEquals(1.0, norm(floats(d.get("embedding"))), 1e-4);
        }
        // [CLS] hello world [SEP] + [CLS] the cat and the dog [SEP]
        assertEquals(4 + 7, j.at("/usage/prompt_tokens").asInt());
        assertEquals(11, j.at("/usage/total_tokens").asInt());
    }

    @Test
    void base64IsLittleEndianFloat32OfTheSameVector() throws Exception {
        JsonNode f = embed("{\"model\":\"bert\",\"input\":\"hello world\",\"encoding_format\":\"float\"}").json();
        TestServers.Reply b = embed("{\"model\":\"bert\",\"input\":\"hello world\",\"encoding_format\":\"base64\"}");
        assertEquals(200, b.status(), b.toString());
        byte[] bytes = Base64.getDecoder().decode(b.json().at("/data/0/embedding").asText());
        assertEquals(64 * 4, bytes.length);
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] fromFloat = floats(f.at("/data/0/embedding"));
        for (float x : fromFloat) {
            assertEquals(x, buf.getFloat(), 1e-6f);
        }
        // without encoding_format: floats, as OpenAI documents the default
        assertTrue(embed("{\"model\":\"bert\",\"input\":\"hello world\"}").json().at("/data/0/embedding").isArray());
    }

    @Test
    void dimensionsMustBeTheModelsWidth() throws Exception {
        assertEquals(200, embed("{\"model\":\"bert\",\"input\":\"x\",\"dimensions\":64}").status());
        TestServers.Reply r = embed("{\"model\":\"bert\",\"input\":\"x\",\"dimensions\":32}");
        assertError(r, 400, "invalid_value");
        assertTrue(r.json().at("/error/message").asText().contains("64-dimensional"), r.body());
        assertEquals("dimensions", r.json().at("/error/param").asText());
    }

    @Test
    void aTextModelIsA400ThatSaysWhy() throws Exception {
        TestServers.Reply r = embed("{\"model\":\"org/tiny-GGUF\",\"input\":\"hello\"}");
        assertError(r, 400, "model_not_supported");
        assertTrue(r.json().at("/error/message").asText().contains("not an embedding model"), r.body());
        assertError(embed("{\"model\":\"no-such-model\",\"input\":\"hello\"}"), 404, "model_not_found");
        assertError(embed("{\"model\":\"/etc\",\"input\":\"hello\"}"), 400, "invalid_model");
        // and chat refuses the embedding model
        TestServers.Reply chat = post(server.base() + "/v1/chat/completions",
                "{\"model\":\"org/bert-GGUF\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertError(chat, 400, "model_not_supported");
    }

    @Test
    void badInputsAre400s() throws Exception {
        for (String body : List.of("{\"model\":\"bert\"}", "{\"model\":\"bert\",\"input\":\"\"}",
                "{\"model\":\"bert\",\"input\":[]}", "{\"model\":\"bert\",\"input\":[\"ok\",\"\"]}",
                "{\"model\":\"bert\",\"input\":[1,2,3]}", "{\"model\":\"bert\",\"input\":[[1,2]]}",
                "{\"model\":\"bert\",\"input\":{\"a\":1}}", "{\"model\":\"bert\",\"input\":[\"a\",3.5]}",
                "{\"model\":\"bert\",\"input\":\"x\",\"encoding_format\":\"int8\"}",
                "{\"model\":\"bert\",\"input\":\"x\",\"dimensions\":\"64\"}")) {
            TestServers.Reply r = embed(body);
            assertEquals(400, r.status(), body + " -> " + r);
            assertTrue(r.json().get("error").get("message").asText().length() > 5, r.body());
        }
        assertTrue(embed("{\"model\":\"bert\",\"input\":[1,2,3]}").body().contains("Token-array"));
        assertError(embed("{not json"), 400, null);
    }

    @Test
    void anInputLongerThanTheContextIsRefusedWithBothLengths() throws Exception {
        String longText = "hello world ".repeat(200);
        TestServers.Reply r = embed("{\"model\":\"bert\",\"input\":[\"short\",\"" + longText + "\"]}");
        assertError(r, 400, "invalid_value");
        String m = r.json().at("/error/message").asText();
        assertTrue(m.contains("input 1 has 402 tokens") && m.contains("at most 256"), m);
    }

    @Test
    void poolingMattersAndModelsAreSharedAcrossRequests() throws Exception {
        float[] mean = floats(embed("{\"model\":\"org/bert-GGUF\",\"input\":\"hello\"}").json().at("/data/0/embedding"));
        float[] cls = floats(embed("{\"model\":\"clspool\",\"input\":\"hello\"}").json().at("/data/0/embedding"));
        assertEquals(1.0, norm(cls), 1e-4);
        double diff = 0;
        for (int i = 0; i < mean.length; i++) {
            diff += Math.abs(mean[i] - cls[i]);
        }
        assertTrue(diff > 1e-2);
        float[] again = floats(embed("{\"model\":\"bert-GGUF\",\"input\":\"hello\"}").json().at("/data/0/embedding"));
        for (int i = 0; i < mean.length; i++) {
            assertEquals(mean[i], again[i], 1e-6f);
        }
        assertTrue(server.server().models().loadedIds().contains("org/bert-GGUF"), server.server().models().loadedIds().toString());
    }

    @Test
    void metricsCountEmbeddings() throws Exception {
        embed("{\"model\":\"bert\",\"input\":[\"a\",\"b\",\"c\"]}");
        String m = get(server.base() + "/metrics").body();
        assertTrue(m.matches("(?s).*\\njknife_embedding_requests_total [1-9].*"), m);
        assertTrue(m.matches("(?s).*\\njknife_embedding_inputs_total ([3-9]|\\d\\d+)\\n.*"), m);
        assertTrue(m.matches("(?s).*\\njknife_embedding_tokens_total \\d+\\n.*"), m);
    }

    @Test
    void langChain4jEmbeddingModel() {
        OpenAiEmbeddingModel model = OpenAiEmbeddingModel.builder().baseUrl(server.base() + "/v1").apiKey("lc4j-key")
                .modelName("org/bert-GGUF").build();
        List<Embedding> e = model.embedAll(List.of(TextSegment.from("hello world"), TextSegment.from("a tiny model"))).content();
        assertEquals(2, e.size());
        assertEquals(64, e.getFirst().dimension());
        assertEquals(1.0, norm(e.get(1).vector()), 1e-4);
    }
}
