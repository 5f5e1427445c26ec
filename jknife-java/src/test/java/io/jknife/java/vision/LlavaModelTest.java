package io.jknife.java.vision;

import io.jknife.formats.safetensors.SafetensorsDType;
import io.jknife.java.JavaEngine;
import io.jknife.java.model.Model;
import io.jknife.java.model.Transformer;
import io.jknife.java.weights.SafetensorsModel;
import io.jknife.testkit.TinySafetensors;
import io.jknife.vision.ImageLimits;
import io.jknife.vision.ImageLoader;
import io.jknife.vision.ImageProcessor;
import io.jknife.vision.ImageProcessorConfigs;
import io.jknife.vision.PixelValues;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Transformer#forwardEmbeddings} and the whole LLaVA path: image file → pixels → features → logits. */
class LlavaModelTest {
    private static final int CONTEXT = 128;

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"llama", "gemma2", "qwen2"})
    void forwardEmbeddingsOfTokenRowsEqualsForward(String type) throws Exception {
        Path dir = TinySafetensors.llama(tmp.resolve(type), TinySafetensors.Options.defaults().withModelType(type)
                .withDtype(SafetensorsDType.F32));
        int[] tokens = {1, 5, 9, 2, 77, 31, 4, 8, 15, 16, 23, 42};
        // batch 4: the prompt crosses batches; pos 3: continues a cache filled by forward
        try (Model a = Model.load(SafetensorsModel.open(dir), JavaEngine.kernels(1), CONTEXT, 4);
             Model b = Model.load(SafetensorsModel.open(dir), JavaEngine.kernels(1), CONTEXT, 4)) {
            float[] expected = a.transformer().forward(tokens, 0, tokens.length, 0).clone();
            Transformer t = b.transformer();
            t.forward(tokens, 0, 3, 0);
            int n = tokens.length - 3;
            float[] rows = new float[n * t.embeddingLength()];
            for (int i = 0; i < n; i++) {
                t.embed(tokens[3 + i], rows, i * t.embeddingLength());
            }
            assertClose(expected, t.forwardEmbeddings(rows, n, 3));
            // and the next token decodes the same after either
            assertClose(a.transformer().forward(new int[]{6}, 0, 1, tokens.length).clone(),
                    t.forward(new int[]{6}, 0, 1, tokens.length));
            assertThrows(IllegalArgumentException.class, () -> t.forwardEmbeddings(new float[5], 1, 0));
            assertThrows(IllegalArgumentException.class, () -> t.embed(-1, rows, 0));
        }
    }

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

    /**
     * The same computation twice: equal up to the order the Vector API's lane reductions take, which
     * can change once the JIT compiles them (so bit equality is not promised across calls).
     */
    private static void assertClose(float[] expected, float[] actual) {
        assertTrue(difference(actual, expected) < 1e-5, "differ by " + difference(actual, expected));
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
        Path dir = LlavaCheckpoints.tiny(tmp.resolve("llava"), SafetensorsDType.BF16);
        PixelValues red = image(dir, "red", Color.WHITE, Color.RED);
        PixelValues blue = image(dir, "blue", Color.BLACK, Color.BLUE);
        assertEquals(List.of(3, 32, 32), List.of(red.channels(), red.height(), red.width()));
        try (LlavaModel m = LlavaModel.load(dir, JavaEngine.kernels(2), CONTEXT, 8)) {
            int img = m.config().imageTokenId();
            int[] prompt = {1, 5, 9, img, 12, 13, 14};
            assertEquals(7 + 15, m.layout(prompt).length);
            float[] first = m.prefill(m.layout(prompt), List.of(red), 0).clone();
            float[] again = m.prefill(m.layout(prompt), List.of(red), 0).clone();
            assertClose(first, again);
            float[] other = m.prefill(m.layout(prompt), List.of(blue), 0).clone();
            assertTrue(difference(first, other) > 1e-3, "different images, different logits: " + difference(first, other));
            for (float v : first) {
                assertTrue(Float.isFinite(v));
            }

            // the image rows land where the <image> token was: the same prompt assembled by hand from
            // the double-precision reference's projected features
            ClipReference ref;
            try (SafetensorsModel w = SafetensorsModel.open(dir)) {
                ref = new ClipReference(w, LlavaCheckpoints.TOWER, m.config());
                double[][] features = ref.project(LlavaCheckpoints.PROJECTOR, ref.features(red));
                Transformer t = m.text().transformer();
                int dim = t.embeddingLength();
                float[] rows = new float[22 * dim];
                int r = 0;
                for (int token : prompt) {
                    if (token == img) {
                        for (double[] f : features) {
                            for (int i = 0; i < dim; i++) {
                                rows[r * dim + i] = (float) f[i];
                            }
                            r++;
                        }
                    } else {
                        t.embed(token, rows, r++ * dim);
                    }
                }
                float[] byHand = t.forwardEmbeddings(rows, 22, 0);
                assertTrue(difference(first, byHand) < 1e-3, "logits off by " + difference(first, byHand));
            }

            // a prompt without images runs as text
            int[] text = {1, 5, 9, 12};
            float[] plain = m.text().transformer().forward(text, 0, text.length, 0).clone();
            assertClose(plain, m.prefill(m.layout(text), List.of(), 0));

            // two images, each at its own token
            int[] two = {1, img, 5, img, 6};
            float[] ab = m.prefill(m.layout(two), List.of(red, blue), 0).clone();
            float[] ba = m.prefill(m.layout(two), List.of(blue, red), 0).clone();
            assertTrue(difference(ab, ba) > 1e-3, "image order matters: " + difference(ab, ba));
        }
    }

    @Test
    void wrongImageCountsAreErrors() throws Exception {
        Path dir = LlavaCheckpoints.tiny(tmp.resolve("llava"), SafetensorsDType.F32);
        try (LlavaModel m = LlavaModel.load(dir, JavaEngine.kernels(1), 32, 8)) {
            int img = m.config().imageTokenId();
            PixelValues px = LlavaCheckpoints.randomImage(32, 3);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> m.prefill(m.layout(new int[]{1, img, 5, img}), List.of(px), 0));
            assertEquals("the prompt has 2 images but 1 image was given", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> m.prefill(m.layout(new int[]{1, 5}), List.of(px), 0));
            assertEquals("the prompt has 0 images but 1 image was given", e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> m.prefill(m.layout(new int[]{1, img, img}), List.of(px, px), 0));
            assertEquals("a prompt of 33 positions (2 images of 16) does not fit a context of 32",
                    e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> m.prefill(m.layout(new int[]{1, img}), List.of(LlavaCheckpoints.randomImage(16, 1)), 0));
            assertEquals("the vision tower takes 3x32x32 pixel values, got 3x16x16", e.getMessage());
        }
    }
}
