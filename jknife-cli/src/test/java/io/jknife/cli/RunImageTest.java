package io.jknife.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.jknife.formats.safetensors.SafetensorsDType;
import io.jknife.formats.GgmlType;
import io.jknife.testkit.CacheTree;
import io.jknife.testkit.TinyMmproj;
import io.jknife.testkit.TinySafetensors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jknife run MODEL --image ...} on a generated LLaVA checkpoint in the cache, through the Java engine. */
class RunImageTest {
    @TempDir
    static Path tmp;
    static Path hf;
    static Path red;
    static Path blue;

    @BeforeAll
    static void cache() throws Exception {
        hf = tmp.resolve("hf");
        CacheTree cache = CacheTree.at(hf);
        cache.repo("org/Tiny-Llava").files(TinySafetensors.visionLlava(tmp.resolve("llava"),
                TinySafetensors.Options.defaults().withDtype(SafetensorsDType.BF16)));
        cache.repo("org/Tiny-Text").files(TinySafetensors.llama(tmp.resolve("text"), TinySafetensors.Options.defaults()));
        // the same kind of model as llama.cpp users keep it: a GGUF text model and its mmproj projector
        Path gguf = Files.createDirectories(tmp.resolve("gguf"));
        Path llava = tmp.resolve("llava");
        TinyMmproj.textModel(llava, gguf.resolve("tiny-llava-F32.gguf"));
        TinyMmproj.write(llava, gguf.resolve("mmproj-tiny-llava-f16.gguf"), GgmlType.F16);
        cache.repo("org/Tiny-Llava-GGUF").files(gguf);
        red = png("red.png", Color.WHITE, Color.RED);
        blue = png("blue.png", Color.BLACK, Color.BLUE);
    }

    private static Path png(String name, Color bg, Color fg) throws Exception {
        BufferedImage img = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(bg);
        g.fillRect(0, 0, 64, 48);
        g.setColor(fg);
        g.fillOval(12, 6, 36, 36);
        g.dispose();
        Path p = tmp.resolve(name);
        ImageIO.write(img, "png", p.toFile());
        return p;
    }

    private static String hash8(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)), 0, 4);
    }

    private static Cli.Result run(String... args) {
        return new Cli(hf).run(args);
    }

    @Test
    void oneImageGetsItsTableAndAnAnswerFromWhatTheModelSaw() throws Exception {
        Cli.Result a = run("run", "org/Tiny-Llava", "--image", red.toString(), "What is this?", "--temperature", "0",
                "--max-tokens", "5", "--json");
        assertEquals(0, a.exitCode(), a.toString());
        SchemaValidator.assertValid(a.json());
        JsonNode d = a.data();
        assertEquals("What is this?", d.get("prompt").asText(), "a prompt after the images is the prompt");
        assertEquals(1, d.get("images").asInt());
        String response = d.get("response").asText();
        assertTrue(response.startsWith("<details>\n<summary>📸 Image Metadata (1 image)</summary>\n\n<!-- mlxk:filenames -->\n"
                + "| Image | Filename | Original | Location | Date | Camera |\n"), response);
        assertTrue(response.contains("| 1 | image_" + hash8(red) + ".jpeg | red.png | - | - | - |\n"), response);
        assertTrue(d.at("/usage/prompt_tokens").asInt() > 16, "the 16 image rows count as prompt positions: " + d);
        assertTrue(d.at("/usage/completion_tokens").asInt() <= 5, d.toString());

        Cli.Result again = run("run", "org/Tiny-Llava", "--image", red.toString(), "What is this?", "--temperature", "0",
                "--max-tokens", "5", "--json");
        assertEquals(response, again.data().get("response").asText(), "greedy answers repeat");

        Cli.Result plain = run("run", "org/Tiny-Llava", "--image", red.toString(), "--temperature", "0", "--max-tokens", "3");
        assertEquals(0, plain.exitCode(), plain.toString());
        assertTrue(plain.out().startsWith("<details>"), plain.out());
        assertFalse(plain.out().contains("<image>"), "placeholders are not printed: " + plain.out());
    }

    @Test
    void aGgufModelSeesThroughItsMmprojFile() throws Exception {
        Cli.Result show = run("show", "org/Tiny-Llava-GGUF", "--json");
        assertEquals(0, show.exitCode(), show.toString());
        assertTrue(show.data().toString().contains("vision"), "the mmproj file makes it a vision model: " + show.data());
        Cli.Result a = run("run", "org/Tiny-Llava-GGUF", "--image", red.toString(), "What is this?", "--temperature", "0",
                "--max-tokens", "4", "--json");
        assertEquals(0, a.exitCode(), a.toString());
        SchemaValidator.assertValid(a.json());
        assertTrue(a.data().get("response").asText().contains("| 1 | image_" + hash8(red) + ".jpeg | red.png |"), a.toString());
        assertTrue(a.data().at("/usage/prompt_tokens").asInt() > 16, a.data().toString());
    }

    @Test
    void chunksNumberImagesGloballyInTheTableAndRunOnePassEach() throws Exception {
        Cli.Result one = run("run", "org/Tiny-Llava", "--image", red.toString(), blue.toString(), "--chunk", "1",
                "--temperature", "0", "--max-tokens", "3", "--json");
        assertEquals(0, one.exitCode(), one.toString());
        String r = one.data().get("response").asText();
        assertTrue(r.contains("<summary>📸 Chunk 1/2: Images 1-1</summary>"), r);
        assertTrue(r.contains("<summary>📸 Chunk 2/2: Images 2-2</summary>"), r);
        assertTrue(r.indexOf("| 1 | image_" + hash8(red)) < r.indexOf("| 2 | image_" + hash8(blue)), r);
        assertEquals("Describe the image.", one.data().get("prompt").asText(), "the default prompt");
        assertTrue(one.err().contains("Processing images 2-2 (chunk 2/2)..."), one.err());

        Cli.Result both = run("run", "org/Tiny-Llava", "--image", red.toString(), "--image", blue.toString(),
                "--chunk", "2", "--temperature", "0", "--max-tokens", "3", "--json");
        assertEquals(0, both.exitCode(), both.toString());
        String b = both.data().get("response").asText();
        assertTrue(b.contains("<summary>📸 Image Metadata (2 images)</summary>"), b);
        assertEquals(1, b.split("<details>", -1).length - 1, "one pass, one table: " + b);

        Cli.Result env = new Cli(hf).env("JKNIFE_VISION_CHUNK_SIZE", "2").env("JKNIFE_EXIF_METADATA", "0")
                .run("run", "org/Tiny-Llava", "--image", red.toString(), blue.toString(), "--temperature", "0",
                        "--max-tokens", "2", "--json");
        assertEquals(0, env.exitCode(), env.toString());
        assertEquals(2, env.data().get("chunk_size").asInt());
        assertTrue(env.data().get("response").asText().contains("| Image | Filename |\n|-------|----------|\n"), env.toString());
    }

    @Test
    void badRequestsAreRefusedBeforeAnythingLoads() {
        Cli.Result text = run("run", "org/Tiny-Text", "--image", red.toString(), "hi");
        assertEquals(1, text.exitCode(), text.toString());
        assertTrue(text.err().contains("cannot see images: it is a text-only model"), text.err());

        Cli.Result blind = run("run", "org/Tiny-Llava-GGUF", "--image", red.toString(), "--engine", "llamacpp");
        assertEquals(1, blind.exitCode(), blind.toString());
        assertTrue(blind.err().contains("has a vision tower, but the engine it runs on (llama.cpp) takes no images"),
                blind.err());

        Cli.Result missing = run("run", "org/Tiny-Llava", "--image", tmp.resolve("nope.jpg").toString());
        assertEquals(1, missing.exitCode());
        assertTrue(missing.err().contains("Image not found: "), missing.err());

        Cli.Result chunk = run("run", "org/Tiny-Llava", "--image", red.toString(), "--chunk", "9");
        assertEquals(1, chunk.exitCode());
        assertTrue(chunk.err().contains("chunk size too large (max: 5"), chunk.err());

        Cli.Result stray = run("run", "org/Tiny-Llava", "hi", "--chunk", "2");
        assertEquals(1, stray.exitCode());
        assertTrue(stray.err().contains("--chunk only applies with --image"), stray.err());
    }
}
