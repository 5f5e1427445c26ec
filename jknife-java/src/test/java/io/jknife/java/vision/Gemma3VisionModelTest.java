package io.jknife.java.vision;

import io.jknife.engine.GenerationRequest;
import io.jknife.engine.GenerationResult;
import io.jknife.engine.LoadOptions;
import io.jknife.engine.SamplingParams;
import io.jknife.engine.VisionInput;
import io.jknife.formats.FormatException;
import io.jknife.formats.safetensors.SafetensorsDType;
import io.jknife.formats.safetensors.SafetensorsHeader;
import io.jknife.formats.safetensors.SafetensorsReader;
import io.jknife.formats.safetensors.SafetensorsTensor;
import io.jknife.formats.safetensors.SafetensorsWriter;
import io.jknife.java.JavaEngine;
import io.jknife.java.JavaModel;
import io.jknife.java.model.Model;
import io.jknife.java.model.Transformer;
import io.jknife.java.model.Transformer.Span;
import io.jknife.java.weights.SafetensorsModel;
import io.jknife.testkit.TinySafetensors;
import io.jknife.vision.ImageLimits;
import io.jknife.vision.ImageLoader;
import io.jknife.vision.ImageProcessor;
import io.jknife.vision.ImageProcessorConfigs;
import io.jknife.vision.PixelValues;
import io.jknife.vision.RgbImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The whole Gemma 3 path: image file → pixels → SigLIP → projector → rows among the prompt's tokens → logits. */
class Gemma3VisionModelTest {
    private static final int CONTEXT = 128;
    private static final int ROW = VisionLanguageModel.IMAGE_ROW;

    @TempDir
    Path tmp;

    /** max |a - b| / max |b|. */
    private static double difference(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double maxDiff = 0;
        double maxAbs = 0;
        for (int i = 0; i < a.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
            maxAbs = Math.max(maxAbs, Math.abs(b[i]));
        }
        return maxDiff / maxAbs;
    }

    /** The same computation (up to the Vector API's lane order, which the JIT may change between calls). */
    private static void assertClose(float[] expected, float[] actual) {
        assertTrue(difference(actual, expected) < 1e-5, "differ by " + difference(actual, expected));
    }

    private static void assertDiffer(float[] a, float[] b, String what) {
        assertTrue(difference(a, b) > 1e-4, what + ": differ by only " + difference(a, b));
    }

    /** A PNG drawn with ImageIO, decoded and preprocessed as the checkpoint's processor config says. */
    private PixelValues image(Path model, String name, Color background, Color shape) throws Exception {
        BufferedImage img = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(background);
        g.fillRect(0, 0, 64, 48);
        g.setColor(shape);
        g.fillOval(10, 8, 30, 30);
        g.dispose();
        Path file = tmp.resolve(name + ".png");
        ImageIO.write(img, "png", file.toFile());
        ImageProcessor processor = new ImageProcessor(ImageProcessorConfigs.read(model));
        return processor.process(new ImageLoader(ImageLimits.CLI).load(file)).single();
    }

    @Test
    void imagePromptEndToEnd() throws Exception {
        Path dir = Gemma3Checkpoints.tiny(tmp.resolve("g3"), SafetensorsDType.BF16);
        PixelValues red = image(dir, "red", Color.WHITE, Color.RED);
        PixelValues blue = image(dir, "blue", Color.BLACK, Color.BLUE);
        assertEquals(List.of(3, 32, 32), List.of(red.channels(), red.height(), red.width()));
        try (Gemma3VisionModel m = Gemma3VisionModel.load(dir, JavaEngine.kernels(2), CONTEXT, 8)) {
            SiglipVisionConfig c = m.config();
            int boi = c.boiTokenId();
            int soft = c.imageTokenId();
            int eoi = c.eoiTokenId();
            assertEquals(boi, m.placeholderToken());
            assertEquals(4, m.imageTokens());
            int[] prompt = {1, 5, 9, boi, soft, eoi, 12, 13};
            int[] layout = m.layout(prompt);
            assertArrayEquals(new int[]{1, 5, 9, boi, ROW, ROW, ROW, ROW, eoi, 12, 13}, layout);
            float[] first = m.prefill(layout, List.of(red), 0).clone();
            assertClose(first, m.prefill(layout, List.of(red), 0).clone());
            assertDiffer(first, m.prefill(layout, List.of(blue), 0).clone(), "different images, different logits");
            for (float v : first) {
                assertTrue(Float.isFinite(v));
            }

            // by hand: token rows scaled by sqrt(hidden) (Transformer.embed), the double-precision reference's
            // projected features unscaled, and the image's four rows one bidirectional span
            Transformer t = m.text().transformer();
            int dim = t.embeddingLength();
            float[] rows = new float[layout.length * dim];
            try (SafetensorsModel w = SafetensorsModel.open(dir)) {
                SiglipReference ref = new SiglipReference(w, Gemma3Checkpoints.TOWER, c);
                double[][] features = ref.project(Gemma3Checkpoints.PROJECTOR, ref.lastHiddenState(red));
                for (int p = 0; p < layout.length; p++) {
                    if (layout[p] == ROW) {
                        for (int i = 0; i < dim; i++) {
                            rows[p * dim + i] = (float) features[p - 4][i];
                        }
                    } else {
                        t.embed(layout[p], rows, p * dim);
                    }
                }
            }
            float[] byHand = t.forwardEmbeddings(rows, layout.length, 0, List.of(new Span(4, 8))).clone();
            assertTrue(difference(first, byHand) < 1e-3, "logits off by " + difference(first, byHand));
            // the prefill is not the causal one
            assertDiffer(first, t.forwardEmbeddings(rows, layout.length, 0).clone(), "bidirectional vs causal image rows");

            // continuing a cache that holds the first three tokens (the span then starts inside the call)
            t.forward(prompt, 0, 3, 0);
            assertTrue(difference(m.prefill(layout, List.of(red), 3), first) < 1e-5);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> m.prefill(layout, List.of(red), 5));
            assertEquals("position 5 is inside an image", e.getMessage());

            // a prompt without images runs as text
            int[] text = {1, 5, 9, 12};
            float[] plain = t.forward(text, 0, text.length, 0).clone();
            assertClose(plain, m.prefill(m.layout(text), List.of(), 0));

            // two images, each at its own soft token, in order
            int[] two = m.layout(new int[]{1, boi, soft, eoi, 5, boi, soft, eoi, 6});
            float[] ab = m.prefill(two, List.of(red, blue), 0).clone();
            float[] ba = m.prefill(two, List.of(blue, red), 0).clone();
            assertDiffer(ab, ba, "image order matters");
        }
    }

    /**
     * Whether the cached keys of positions {@code [0, keep)} depend on row {@code changed}: the prompt runs
     * twice (row {@code changed} differing), positions from {@code keep} on are then run again with the same
     * rows both times, causally, and the logits compared.
     */
    private static boolean cacheDependsOn(Transformer t, float[] rows, int n, List<Span> spans, int changed, int keep) {
        int dim = t.embeddingLength();
        float[] other = rows.clone();
        for (int i = 0; i < dim; i++) {
            other[changed * dim + i] = -2 * rows[changed * dim + i] + 0.5f;
        }
        float[] tail = Arrays.copyOfRange(rows, keep * dim, n * dim);
        t.forwardEmbeddings(rows, n, 0, spans);
        float[] a = t.forwardEmbeddings(tail, n - keep, keep).clone();
        t.forwardEmbeddings(other, n, 0, spans);
        float[] b = t.forwardEmbeddings(tail, n - keep, keep).clone();
        double d = difference(a, b);
        assertTrue(d < 1e-6 || d > 1e-4, "neither equal nor clearly different: " + d);
        return d > 1e-4;
    }

    @Test
    void imageRowsAttendBothWaysAndTextStaysCausal() throws Exception {
        Path dir = Gemma3Checkpoints.tiny(tmp.resolve("g3"), SafetensorsDType.F32);
        try (Gemma3VisionModel m = Gemma3VisionModel.load(dir, JavaEngine.kernels(1), CONTEXT, 8)) {
            Transformer t = m.text().transformer();
            int dim = t.embeddingLength();
            // t0 t1 | image rows 2..5 | t6 t7
            int n = 8;
            float[] rows = new float[n * dim];
            float[] image = m.imageEmbeddings(LlavaCheckpoints.randomImage(32, 3));
            for (int p : new int[]{0, 1, 6, 7}) {
                t.embed(10 + p, rows, p * dim);
            }
            System.arraycopy(image, 0, rows, 2 * dim, 4 * dim);
            List<Span> span = List.of(new Span(2, 6));
            // the image's first row is influenced by its last: its keys in layer 1 see it
            assertTrue(cacheDependsOn(t, rows, n, span, 5, 3), "the first image row sees the last");
            assertTrue(!cacheDependsOn(t, rows, n, List.of(), 5, 3), "causally it does not");
            // text before the image does not see it; the image and the text after it do not see later text
            assertTrue(!cacheDependsOn(t, rows, n, span, 2, 2), "text before the image is causal");
            assertTrue(!cacheDependsOn(t, rows, n, span, 6, 6), "the image does not see the text after it");
            assertTrue(!cacheDependsOn(t, rows, n, span, 7, 7), "text after the image is causal");
            assertTrue(cacheDependsOn(t, rows, n, span, 5, 7), "text after the image sees it");

            assertThrows(IllegalArgumentException.class, () -> t.forwardEmbeddings(rows, n, 0, List.of(new Span(6, 9))));
            assertThrows(IllegalArgumentException.class,
                    () -> t.forwardEmbeddings(rows, n, 0, List.of(new Span(2, 5), new Span(4, 6))));
            assertThrows(IllegalArgumentException.class, () -> t.forwardEmbeddings(rows, 4, 2, List.of(new Span(1, 3))));
            assertThrows(IllegalArgumentException.class, () -> new Span(3, 3));
            // no spans: exactly the causal call
            float[] causal = t.forwardEmbeddings(rows, n, 0).clone();
            assertClose(causal, t.forwardEmbeddings(rows, n, 0, List.of()));
        }
    }

    @Test
    void spansLongerThanABatchGiveTheSameLogits() throws Exception {
        Path dir = Gemma3Checkpoints.tiny(tmp.resolve("g3"), SafetensorsDType.F32);
        // 16 image rows (no pooling): longer than batches of 8 and 3, in several sub-batches
        LlavaCheckpoints.editConfig(dir, r -> r.put("mm_tokens_per_image", 16));
        PixelValues a = LlavaCheckpoints.randomImage(32, 1);
        PixelValues b = LlavaCheckpoints.randomImage(32, 2);
        float[] expected = null;
        for (int batch : new int[]{32, 8, 3}) {
            try (Gemma3VisionModel m = Gemma3VisionModel.load(dir, JavaEngine.kernels(2), CONTEXT, batch)) {
                SiglipVisionConfig c = m.config();
                int[] layout = m.layout(new int[]{1, 5, c.boiTokenId(), c.imageTokenId(), c.eoiTokenId(), 7,
                        c.boiTokenId(), c.imageTokenId(), c.eoiTokenId(), 8, 9});
                assertEquals(11 + 2 * 15, layout.length);
                float[] logits = m.prefill(layout, List.of(a, b), 0).clone();
                if (expected == null) {
                    expected = logits;
                } else {
                    assertTrue(difference(logits, expected) < 1e-5, "batch " + batch + ": off by "
                            + difference(logits, expected));
                }
            }
        }
    }

    @Test
    void thePromptIsWhatGemma3ProcessorMakes() throws Exception {
        Path dir = Gemma3Checkpoints.tiny(tmp.resolve("g3"), SafetensorsDType.F32);
        try (JavaModel m = new JavaEngine().loadDirectory(dir, new LoadOptions(256, 2))) {
            VisionInput vision = m.vision().orElseThrow();
            assertEquals("<start_of_image>", vision.imagePlaceholder());
            String chat = "<start_of_turn>user\n<start_of_image>What is it?<end_of_turn>\n<start_of_turn>model\n";
            String expanded;
            try (Gemma3VisionModel g = Gemma3VisionModel.load(dir, JavaEngine.kernels(1), 64, 8)) {
                expanded = g.expandPrompt(chat);
            }
            assertEquals("<start_of_turn>user\n\n\n<start_of_image><image_soft_token><end_of_image>\n\n"
                    + "What is it?<end_of_turn>\n<start_of_turn>model\n", expanded);
            // Gemma3Processor: boi → "\n\n" + boi + image_token * image_seq_length + eoi + "\n\n"
            String processor = "<start_of_turn>user\n\n\n<start_of_image>"
                    + "<image_soft_token><image_soft_token><image_soft_token><image_soft_token>"
                    + "<end_of_image>\n\nWhat is it?<end_of_turn>\n<start_of_turn>model\n";
            assertEquals(processor, expanded.replace("<image_soft_token>", "<image_soft_token>".repeat(4)));

            int[] tokens = m.tokenize(expanded, true);
            SiglipVisionConfig c = SiglipVisionConfig.read(dir);
            int at = indexOf(tokens, new int[]{c.boiTokenId(), c.imageTokenId(), c.eoiTokenId()});
            assertTrue(at > 0, "the image tokens, each one special token, where the template put them");
            assertEquals(m.tokenize("<start_of_turn>user\n\n\n", true).length, at);
            assertEquals(tokens.length + 3, vision.promptPositions(chat), "one soft token becomes 4 image rows");

            RgbImage red = disc(48, 0xFFFFFF, 0xFF0000);
            GenerationResult r = m.generate(GenerationRequest.ofText(chat, 4, List.of(), SamplingParams.greedy())
                    .ignoringEndOfGeneration().withImages(List.of(red))).collect();
            assertEquals(tokens.length + 3, r.usage().promptTokens());
            assertEquals(4, r.usage().completionTokens());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.generate(
                    GenerationRequest.ofText(chat, 4, List.of(), SamplingParams.greedy()).withImages(List.of(red, red))));
            assertEquals("the prompt places 1 image (<start_of_image>) but 2 images were given", e.getMessage());
        }
    }

    private static int indexOf(int[] a, int[] sub) {
        for (int i = 0; i + sub.length <= a.length; i++) {
            if (Arrays.equals(Arrays.copyOfRange(a, i, i + sub.length), sub)) {
                return i;
            }
        }
        return -1;
    }

    /** A square {@code fg} disc on {@code bg}. */
    private static RgbImage disc(int side, int bg, int fg) {
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

    @Test
    void wrongImageCountsAndSizesAreErrors() throws Exception {
        Path dir = Gemma3Checkpoints.tiny(tmp.resolve("g3"), SafetensorsDType.F32);
        try (Gemma3VisionModel m = Gemma3VisionModel.load(dir, JavaEngine.kernels(1), 12, 8)) {
            int img = m.config().imageTokenId();
            PixelValues px = LlavaCheckpoints.randomImage(32, 3);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> m.prefill(m.layout(new int[]{1, img, 5, img}), List.of(px), 0));
            assertEquals("the prompt has 2 images but 1 image was given", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> m.prefill(m.layout(new int[]{1, 5}), List.of(px), 0));
            assertEquals("the prompt has 0 images but 1 image was given", e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> m.prefill(m.layout(new int[]{1, img, 2, img, 3, 4, 5}), List.of(px, px), 0));
            assertEquals("a prompt of 13 positions (2 images of 4) does not fit a context of 12", e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> m.prefill(m.layout(new int[]{1, img}), List.of(LlavaCheckpoints.randomImage(16, 1)), 0));
            assertEquals("the vision tower takes 3x32x32 pixel values, got 3x16x16", e.getMessage());
        }
    }

    @Test
    void brokenCheckpointsAreClearErrors() throws Exception {
        Path dir = Gemma3Checkpoints.tiny(tmp.resolve("g3"), SafetensorsDType.F32);
        LlavaCheckpoints.editConfig(dir, r -> r.put("boi_token_index", 100000));
        FormatException e = assertThrows(FormatException.class,
                () -> Gemma3VisionModel.load(dir, JavaEngine.kernels(1), 32, 8));
        assertTrue(e.getMessage().startsWith("boi_token_index 100000 is outside the text model's vocabulary of "),
                e.getMessage());

        Path noProjector = Gemma3Checkpoints.tiny(tmp.resolve("np"), SafetensorsDType.F32);
        Path file = noProjector.resolve("model.safetensors");
        SafetensorsHeader h = SafetensorsReader.read(file);
        SafetensorsWriter w = new SafetensorsWriter().metadata(h.metadata());
        for (SafetensorsTensor t : h.tensors().values()) {
            if (!t.name().startsWith(Gemma3Checkpoints.PROJECTOR)) {
                w.tensor(t.name(), t.dtype(), t.shape(), SafetensorsReader.readData(file, t));
            }
        }
        w.write(file);
        e = assertThrows(FormatException.class, () -> Gemma3VisionModel.load(noProjector, JavaEngine.kernels(1), 32, 8));
        assertEquals("no Gemma 3 multi_modal_projector in the checkpoint (looked for "
                + "multi_modal_projector.mm_input_projection_weight)", e.getMessage());
    }

    @Test
    void anMlxQuantizedTextModelTakesTheSameImageRows() throws Exception {
        // mlx-vlm quantizes the language model only: the tower and projector are the BF16 checkpoint's
        Path plain = Gemma3Checkpoints.tiny(tmp.resolve("bf16"), SafetensorsDType.BF16);
        Path mlx = TinySafetensors.gemma3Vision(tmp.resolve("mlx"), TinySafetensors.Options.defaults()
                .withModelType("gemma3_text").withDtype(SafetensorsDType.BF16).withMlx(4, 64));
        PixelValues px = LlavaCheckpoints.randomImage(32, 9);
        try (Gemma3VisionModel a = Gemma3VisionModel.load(plain, JavaEngine.kernels(1), 64, 8);
             Gemma3VisionModel b = Gemma3VisionModel.load(mlx, JavaEngine.kernels(1), 64, 8)) {
            assertClose(a.imageEmbeddings(px), b.imageEmbeddings(px));
            SiglipVisionConfig c = b.config();
            int[] layout = b.layout(new int[]{1, c.boiTokenId(), c.imageTokenId(), c.eoiTokenId(), 5});
            for (float v : b.prefill(layout, List.of(px), 0)) {
                assertTrue(Float.isFinite(v));
            }
        }
    }

    @Test
    void visionModelsFindsTheGemma3Tower() throws Exception {
        Path dir = Gemma3Checkpoints.tiny(tmp.resolve("g3"), SafetensorsDType.BF16);
        SafetensorsModel weights = SafetensorsModel.open(dir);
        Model text = Model.load(weights, JavaEngine.kernels(1), 64, 8);
        try (VisionLanguageModel v = VisionModels.forCheckpoint(dir, weights, text).orElseThrow()) {
            Gemma3VisionModel g = assertInstanceOf(Gemma3VisionModel.class, v);
            assertEquals(4, g.imageTokens());
            assertEquals(64 * 4, g.imageEmbeddings(LlavaCheckpoints.randomImage(32, 1)).length);
        }
    }
}
