package io.jknife.java;

import io.jknife.engine.GenerationRequest;
import io.jknife.engine.GenerationResult;
import io.jknife.engine.LoadOptions;
import io.jknife.engine.SamplingParams;
import io.jknife.engine.VisionInput;
import io.jknife.formats.safetensors.SafetensorsDType;
import io.jknife.java.vision.Gemma3VisionModel;
import io.jknife.testkit.TinySafetensors;
import io.jknife.vision.RgbImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine on a LLaVA checkpoint: images in a prompt through the engine interface, the cache never leaking an image. */
class JavaEngineVisionTest {
    @TempDir
    Path tmp;

    /** A square image: a {@code fg} disc on {@code bg}, so that the tower sees structure, not a flat colour. */
    static RgbImage disc(int side, int bg, int fg) {
        byte[] rgb = new byte[side * side * 3];
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                double dx = x - side / 2.0;
                double dy = y - side / 2.0;
                int c = dx * dx + dy * dy < side * side / 9.0 ? fg : bg;
                int i = (y * side + x) * 3;
                rgb[i] = (byte) (c >> 16);
                rgb[i + 1] = (byte) (c >> 8);
                rgb[i + 2] = (byte) c;
            }
        }
        return new RgbImage(side, side, rgb);
    }

    private static GenerationResult ask(JavaModel m, String prompt, RgbImage... images) {
        return m.generate(GenerationRequest.ofText(prompt, 10, List.of(), SamplingParams.greedy())
                .ignoringEndOfGeneration().withImages(List.of(images))).collect();
    }

    @Test
    void imagesGoWhereThePlaceholderIsAndNeverLeakIntoTheNextPrompt() throws Exception {
        Path dir = TinySafetensors.visionLlava(tmp.resolve("llava"),
                TinySafetensors.Options.defaults().withDtype(SafetensorsDType.F32));
        try (JavaModel m = new JavaEngine().loadDirectory(dir, new LoadOptions(256, 2))) {
            VisionInput vision = m.vision().orElseThrow();
            assertEquals("<image>", vision.imagePlaceholder());
            String prompt = "USER: <image>\nWhat is it? ASSISTANT:";
            int tokens = m.tokenize(prompt, true).length;
            assertEquals(tokens + 15, vision.promptPositions(prompt), "one <image> token becomes 16 patch rows");

            RgbImage red = disc(48, 0xFFFFFF, 0xFF0000);
            RgbImage blue = disc(40, 0x000000, 0x0000FF);
            GenerationResult r1 = ask(m, prompt, red);
            assertEquals(tokens + 15, r1.usage().promptTokens(), "usage counts the image rows");
            GenerationResult b = ask(m, prompt, blue);
            GenerationResult r2 = ask(m, prompt, red);
            assertEquals(r1.text(), r2.text(), "the red answer does not depend on the blue image seen before it");
            assertNotEquals(r1.text(), b.text(), "the answer depends on the image");
            GenerationResult text = m.generate(GenerationRequest.ofText("USER: What is it? ASSISTANT:", 10, List.of(),
                    SamplingParams.greedy()).ignoringEndOfGeneration()).collect();
            assertEquals(10, text.usage().completionTokens(), "without images the model runs as text");

            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ask(m, prompt, red, blue));
            assertEquals("the prompt places 1 image (<image>) but 2 images were given", e.getMessage());
        }
    }

    @Test
    void aVisionTowerTheEngineDoesNotRunLeavesTheModelRunningAsText() throws Exception {
        Path dir = TinySafetensors.visionLlava(tmp.resolve("siglip-llava"),
                TinySafetensors.Options.defaults().withDtype(SafetensorsDType.F32));
        Path config = dir.resolve("config.json");
        java.nio.file.Files.writeString(config, java.nio.file.Files.readString(config)
                .replace("\"clip_vision_model\"", "\"siglip_vision_model\""));
        try (JavaModel m = new JavaEngine().loadDirectory(dir, new LoadOptions(64, 1))) {
            assertTrue(m.vision().isEmpty(), "a SigLIP tower under LLaVA is not run, so no images");
            GenerationResult r = m.generate(GenerationRequest.ofText("USER: hi ASSISTANT:", 4, List.of(),
                    SamplingParams.greedy()).ignoringEndOfGeneration()).collect();
            assertEquals(4, r.usage().completionTokens());
        }
    }

    @Test
    void aTextOnlyModelTakesNoImages() throws Exception {
        Path dir = TinySafetensors.llama(tmp.resolve("text"), TinySafetensors.Options.defaults());
        try (JavaModel m = new JavaEngine().loadDirectory(dir, new LoadOptions(64, 1))) {
            assertTrue(m.vision().isEmpty());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ask(m, "<image> hi", disc(32, 0, 0xFFFFFF)));
            assertTrue(e.getMessage().contains("without a vision tower"), e.getMessage());
        }
    }

    @Test
    void anMlxQuantizedGemma3TowerSeesWhatItsFloatTwinSees() throws Exception {
        TinySafetensors.Options text = TinySafetensors.Options.defaults().withMlx(8, 32);
        Path plain = TinySafetensors.gemma3Vision(tmp.resolve("plain"), text, TinySafetensors.VisionShape.TINY);
        Path mlx = TinySafetensors.gemma3Vision(tmp.resolve("mlx"), text, TinySafetensors.VisionShape.TINY.withMlxTower());
        String header = java.nio.file.Files.readString(mlx.resolve("model.safetensors"), java.nio.charset.StandardCharsets.ISO_8859_1)
                .substring(0, 20000);
        assertTrue(header.contains("encoder.layers.0.self_attn.q_proj.scales")
                && header.contains("embeddings.position_embedding.scales"), "the tower is MLX-quantized as mlx-vlm saves it");
        RgbImage image = disc(40, 0x203040, 0xF0C020);
        float[] a;
        float[] b;
        try (Gemma3VisionModel m = Gemma3VisionModel.load(plain, JavaEngine.kernels(1), 64, 8)) {
            a = m.imageEmbeddings(m.processor().process(image).single());
        }
        try (Gemma3VisionModel m = Gemma3VisionModel.load(mlx, JavaEngine.kernels(1), 64, 8)) {
            b = m.imageEmbeddings(m.processor().process(image).single());
        }
        assertEquals(a.length, b.length);
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        double cosine = dot / Math.sqrt(na * nb);
        assertTrue(cosine > 0.999, "8-bit tower features within quantization tolerance of the float tower: " + cosine);
        try (JavaModel m = new JavaEngine().loadDirectory(mlx, new LoadOptions(128, 1))) {
            GenerationResult r = ask(m, "<start_of_turn>user\n<start_of_image>What is it?<end_of_turn>\n<start_of_turn>model\n",
                    image);
            assertEquals(10, r.usage().completionTokens());
        }
    }
}
