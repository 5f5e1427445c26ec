package io.jknife.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jknife.formats.safetensors.SafetensorsDType;
import io.jknife.testkit.CacheTree;
import io.jknife.testkit.TinySafetensors;
import io.jknife.vision.VisionImage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;

import static io.jknife.server.ServerTest.assertError;
import static io.jknife.server.ServerTest.sse;
import static io.jknife.server.TestServers.JSON;
import static io.jknife.server.TestServers.get;
import static io.jknife.server.TestServers.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code image_url} parts in /v1/chat/completions, over real HTTP, on a generated LLaVA checkpoint run by the Java engine. */
class VisionChatTest {
    @TempDir
    static Path tmp;
    static Path hf;
    static TestServers.Running server;
    static byte[] red;
    static byte[] blue;
    static byte[] green;

    @BeforeAll
    static void start() throws Exception {
        hf = tmp.resolve("hf");
        CacheTree cache = CacheTree.at(hf);
        cache.repo("org/Tiny-Llava").files(TinySafetensors.visionLlava(tmp.resolve("llava"),
                TinySafetensors.Options.defaults().withDtype(SafetensorsDType.BF16)));
        cache.repo("org/Tiny-Text").files(TinySafetensors.llama(tmp.resolve("text"), TinySafetensors.Options.defaults()));
        red = png(Color.WHITE, Color.RED);
        blue = png(Color.BLACK, Color.BLUE);
        green = png(Color.GRAY, Color.GREEN);
        server = TestServers.start(hf, ServerConfig.defaults().withMaxLoaded(2), TestServers.plenty());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    static byte[] png(Color bg, Color fg) throws Exception {
        BufferedImage img = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(bg);
        g.fillRect(0, 0, 64, 48);
        g.setColor(fg);
        g.fillOval(12, 6, 36, 36);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    static String dataUrl(byte[] png) {
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(png);
    }

    /** A user message: its text (or none), then one image part per url. */
    static ObjectNode user(String text, String... urls) {
        ObjectNode m = JSON.createObjectNode().put("role", "user");
        ArrayNode parts = m.putArray("content");
        if (text != null) {
            parts.addObject().put("type", "text").put("text", text);
        }
        for (String url : urls) {
            parts.addObject().put("type", "image_url").putObject("image_url").put("url", url);
        }
        return m;
    }

    static ObjectNode body(String model, ObjectNode... messages) {
        ObjectNode b = JSON.createObjectNode().put("model", model).put("max_tokens", 4);
        ArrayNode arr = b.putArray("messages");
        for (ObjectNode m : messages) {
            arr.add(m);
        }
        return b;
    }

    static TestServers.Reply chat(TestServers.Running s, ObjectNode body) throws Exception {
        return post(s.base() + "/v1/chat/completions", body.toString());
    }

    static String content(TestServers.Reply r) {
        assertEquals(200, r.status(), r.toString());
        return r.json().at("/choices/0/message/content").asText();
    }

    static String row(int id, byte[] image) {
        return "| " + id + " | image_" + VisionImage.hash8(image) + ".jpeg |";
    }

    @Test
    void oneImageAnswersWithItsTableThenGreedyText() throws Exception {
        TestServers.Reply r = chat(server, body("org/Tiny-Llava", user("What is this?", dataUrl(red))).put("temperature", 1.5));
        String text = content(r);
        assertTrue(text.startsWith("<details>\n<summary>📸 Image Metadata (1 image)</summary>\n\n<!-- mlxk:filenames -->\n"
                + "| Image | Filename | Original | Location | Date | Camera |\n"), text);
        String hash = VisionImage.hash8(red);
        assertTrue(text.contains("| 1 | image_" + hash + ".jpeg | image_" + hash + ".png | - | - | - |\n"), text);
        assertTrue(text.contains("</details>\n\n"), "the answer follows the table: " + text);
        JsonNode usage = r.json().get("usage");
        assertTrue(usage.get("prompt_tokens").asInt() > 16, "real counts: the image rows are prompt positions: " + usage);
        assertTrue(usage.get("completion_tokens").asInt() <= 4, usage.toString());
        assertEquals(usage.get("prompt_tokens").asInt() + usage.get("completion_tokens").asInt(), usage.get("total_tokens").asInt());
        assertEquals("chat.completion", r.json().get("object").asText());

        String again = content(chat(server, body("org/Tiny-Llava", user("What is this?", dataUrl(red))).put("temperature", 0.9)));
        assertEquals(text, again, "the vision path is greedy whatever the request's temperature");

        String metrics = get(server.base() + "/metrics").body();
        long images = metrics.lines().filter(l -> l.startsWith("jknife_images_total ")).mapToLong(l -> Long.parseLong(l.split(" ")[1]))
                .findFirst().orElse(-1);
        assertTrue(images >= 2, metrics);
    }

    @Test
    void chunksOfOneGiveOneTableEachWithGlobalIds() throws Exception {
        String text = content(chat(server, body("org/Tiny-Llava", user(null, dataUrl(red), dataUrl(blue))).put("chunk", 1)));
        assertTrue(text.startsWith("<details>\n<summary>📸 Chunk 1/2: Images 1-1</summary>"), text);
        assertTrue(text.contains("\n\n<details>\n<summary>📸 Chunk 2/2: Images 2-2</summary>"), "chunks separated by a blank line: " + text);
        assertTrue(text.indexOf(row(1, red)) < text.indexOf(row(2, blue)), text);
        assertTrue(text.indexOf(row(1, red)) >= 0, text);

        String both = content(chat(server, body("org/Tiny-Llava", user(null, dataUrl(red), dataUrl(blue))).put("chunk", 2)));
        assertTrue(both.contains("<summary>📸 Image Metadata (2 images)</summary>"), both);
        assertEquals(1, both.split("<details>", -1).length - 1, "one pass, one table: " + both);
    }

    @Test
    void theEnvironmentSetsTheChunkSizeAndTheTableColumns() throws Exception {
        ServerConfig c = ServerConfig.defaults().withImageEnv(java.util.Map.of("JKNIFE_VISION_CHUNK_SIZE", "2", "JKNIFE_EXIF_METADATA", "0"));
        try (TestServers.Running s = TestServers.start(hf, c, TestServers.plenty())) {
            String text = content(chat(s, body("org/Tiny-Llava", user(null, dataUrl(red), dataUrl(blue)))));
            assertEquals(1, text.split("<details>", -1).length - 1, "chunks of two from the environment: " + text);
            assertTrue(text.contains("| Image | Filename |\n|-------|----------|\n" + row(1, red) + "\n" + row(2, blue) + "\n"), text);
            String split = content(chat(s, body("org/Tiny-Llava", user(null, dataUrl(red), dataUrl(blue))).put("chunk", 1)));
            assertEquals(2, split.split("<details>", -1).length - 1, "the request's chunk wins: " + split);
        }
    }

    @Test
    void idsStayStableAcrossTurns() throws Exception {
        String first = content(chat(server, body("org/Tiny-Llava", user("Compare", dataUrl(red), dataUrl(blue))).put("chunk", 2)));
        // the client dropped the old payloads but kept the answer: blue keeps number 2
        ObjectNode assistant = JSON.createObjectNode().put("role", "assistant").put("content", first);
        String next = content(chat(server, body("org/Tiny-Llava", user("Compare"), assistant, user("And this one?", dataUrl(blue)))));
        assertTrue(next.contains(row(2, blue)), next);

        // a re-sent image keeps its number; a new one takes the next
        String third = content(chat(server, body("org/Tiny-Llava", user("Compare", dataUrl(red), dataUrl(blue)), assistant,
                user("Now", dataUrl(green), dataUrl(red))).put("chunk", 2)));
        assertTrue(third.contains(row(3, green)) && third.contains(row(1, red)), third);
        assertFalse(third.contains(row(2, blue)), "only the last user message's images are shown: " + third);
    }

    @Test
    void streamingSendsTablesAndTokensWhoseConcatenationIsTheAnswer() throws Exception {
        ObjectNode body = body("org/Tiny-Llava", user("What?", dataUrl(red), dataUrl(blue))).put("chunk", 1);
        String whole = content(chat(server, body));
        TestServers.Reply r = chat(server, body.deepCopy().put("stream", true)
                .set("stream_options", JSON.createObjectNode().put("include_usage", true)));
        assertEquals(200, r.status(), r.toString());
        assertTrue(r.header("Content-Type").startsWith("text/event-stream"), r.header("Content-Type"));
        List<String> events = sse(r.body());
        assertEquals("[DONE]", events.getLast(), events.toString());
        JsonNode roleEvent = JSON.readTree(events.getFirst());
        assertEquals("assistant", roleEvent.at("/choices/0/delta/role").asText());
        assertEquals("chat.completion.chunk", roleEvent.get("object").asText());
        StringBuilder text = new StringBuilder();
        int contentEvents = 0;
        String finish = null;
        JsonNode usage = null;
        for (String e : events.subList(1, events.size() - 1)) {
            JsonNode n = JSON.readTree(e);
            assertFalse(n.has("error"), e);
            if (n.has("usage")) {
                usage = n.get("usage");
                continue;
            }
            JsonNode c = n.at("/choices/0");
            if (c.at("/delta/content").isTextual()) {
                text.append(c.at("/delta/content").asText());
                contentEvents++;
            }
            if (!c.get("finish_reason").isNull()) {
                finish = c.get("finish_reason").asText();
            }
        }
        assertEquals(whole, text.toString(), "the stream's pieces make the non-streaming answer");
        assertTrue(contentEvents >= 3, "tables and tokens come as they are made: " + events);
        assertTrue(finish != null && (finish.equals("stop") || finish.equals("length")), events.toString());
        assertTrue(usage != null && usage.get("prompt_tokens").asInt() > 0, events.toString());
    }

    @Test
    void anImageThatDoesNotDecodeIsA400OrAnErrorEventOnceTheStreamHasStarted() throws Exception {
        String garbage = "data:image/png;base64," + Base64.getEncoder().encodeToString("not an image at all".getBytes());
        assertEquals(400, chat(server, body("org/Tiny-Llava", user("?", garbage))).status());

        TestServers.Reply r = chat(server, body("org/Tiny-Llava", user("?", dataUrl(red), garbage)).put("chunk", 1).put("stream", true));
        assertEquals(200, r.status(), r.toString());
        List<String> events = sse(r.body());
        assertEquals("[DONE]", events.getLast());
        assertTrue(events.get(events.size() - 2).contains("\"error\""), "the failing chunk ends the stream with an error: " + events);
        assertTrue(events.stream().anyMatch(e -> e.contains("Chunk 1/2")), "the first chunk was streamed: " + events);
    }

    @Test
    void aTextOnlyModelIsRefusedBeforeItLoadsButHistoryImagesBecomePlaceholders() throws Exception {
        try (TestServers.Running s = TestServers.start(hf, ServerConfig.defaults(), TestServers.plenty())) {
            TestServers.Reply r = chat(s, body("org/Tiny-Text", user("What is this?", dataUrl(red))));
            assertError(r, 400, "model_not_supported");
            assertTrue(r.json().at("/error/message").asText().contains("cannot see images: it is a text-only model"), r.body());
            assertTrue(get(s.base() + "/health").json().get("loaded_models").isEmpty(), "nothing was loaded");
            assertTrue(s.server().models().loadedIds().isEmpty());

            ObjectNode assistant = JSON.createObjectNode().put("role", "assistant").put("content", "A red circle.");
            TestServers.Reply history = chat(s, body("org/Tiny-Text", user("What is this?", dataUrl(red)), assistant, user("Thanks")));
            assertEquals(200, history.status(), "images in earlier turns are placeholders: " + history);
        }
    }

    @Test
    void aVisionModelWithoutImagesRunsTheTextPath() throws Exception {
        ObjectNode assistant = JSON.createObjectNode().put("role", "assistant").put("content", "Hello.");
        String text = content(chat(server, body("org/Tiny-Llava", user("Hi", dataUrl(red)), assistant, user("And now?"))));
        assertFalse(text.contains("<details>"), text);
    }

    @Test
    void badImagesAndChunksAre400AndHugeImages413() throws Exception {
        String[][] cases = {
                {"data:image/bmp;base64,AAAA", "Invalid data URL format. Expected: data:image/<type>;base64,<data>."},
                {"data:image/png;base64,AAA", "Failed to decode base64 image data"},
                {"data:image/png;base64,A A=", "Failed to decode base64 image data"},
                {"", "image_url.url cannot be empty"},
                {"https://example.com/cat.png", "Only data URLs are supported (e.g., data:image/jpeg;base64,...). External URLs are not supported."},
        };
        for (String[] c : cases) {
            TestServers.Reply r = chat(server, body("org/Tiny-Llava", user("?", c[0])));
            assertError(r, 400, "invalid_image");
            assertTrue(r.json().at("/error/message").asText().contains(c[1]), c[0] + " -> " + r.body());
        }
        ObjectNode notDict = body("org/Tiny-Llava", user("?"));
        ((ArrayNode) notDict.at("/messages/0/content")).addObject().put("type", "image_url").put("image_url", "data:x");
        assertTrue(chat(server, notDict).json().at("/error/message").asText().contains("image_url content must have 'image_url' dict"));

        TestServers.Reply tooBig = chat(server, body("org/Tiny-Llava", user("?", dataUrl(red))).put("chunk", 9));
        assertError(tooBig, 400, null);
        assertTrue(tooBig.json().at("/error/message").asText().contains("chunk size too large (max: 5"), tooBig.body());
        TestServers.Reply zero = chat(server, body("org/Tiny-Llava", user("?", dataUrl(red))).put("chunk", 0));
        assertTrue(zero.status() == 400 && zero.body().contains("chunk size must be at least 1 (got: 0)."), zero.toString());

        // 21 MiB of zeros: refused by its decoded size, before any decoding or loading
        String huge = "data:image/png;base64," + "A".repeat((int) (21L * 1024 * 1024 / 3 * 4));
        TestServers.Reply r = chat(server, body("org/Tiny-Llava", user("?", huge)));
        assertError(r, 413, "image_too_large");
        assertTrue(r.json().at("/error/message").asText().contains("Image size (21.0 MB) exceeds limit (20 MB)"), r.body());

        // three of 17 MiB each pass one by one (long JSON strings included) but not together
        String large = "data:image/png;base64," + "A".repeat((int) (17L * 1024 * 1024 / 3 * 4));
        TestServers.Reply total = chat(server, body("org/Tiny-Llava", user("?", large, large, large)));
        assertError(total, 413, "image_too_large");
        assertTrue(total.json().at("/error/message").asText().contains("Total image size (51.0 MB) exceeds limit (50 MB)"), total.body());
    }
}
