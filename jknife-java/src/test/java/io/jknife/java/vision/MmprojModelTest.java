package io.jknife.java.vision;

import io.jknife.formats.FormatException;
import io.jknife.formats.GgmlType;
import io.jknife.formats.gguf.GgufFile;
import io.jknife.formats.gguf.GgufReader;
import io.jknife.formats.gguf.GgufTensorInfo;
import io.jknife.formats.gguf.GgufWriter;
import io.jknife.formats.safetensors.SafetensorsDType;
import io.jknife.java.JavaEngine;
import io.jknife.java.model.Model;
import io.jknife.testkit.TinyMmproj;
import io.jknife.vision.ImageLimits;
import io.jknife.vision.ImageLoader;
import io.jknife.vision.ImageProcessor;
import io.jknife.vision.ImageProcessorConfigs;
import io.jknife.vision.PixelValues;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GGUF text models with their clip.cpp {@code mmproj} files ({@link TinyMmproj}: what llama.cpp's
 * converters make of the same checkpoints) against the safetensors checkpoints: the same image
 * features and the same logits after a prompt with an image; malformed files refused clearly.
 */
class MmprojModelTest {
    private static final int CONTEXT = 64;

    @TempDir
    Path tmp;

    /** A 64x48 PNG decoded and prepared by {@code processor}. */
    private PixelValues image(ImageProcessor processor, String name, Color background, Color shape) throws Exception {
        BufferedImage img = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(background);
        g.fillRect(0, 0, 64, 48);
        g.setColor(shape);
        g.fillOval(10, 8, 30, 30);
        g.dispose();
        Path file = tmp.resolve(name + ".png");
        ImageIO.write(img, "png", file.toFile());
        return processor.process(new ImageLoader(ImageLimits.CLI).load(file)).single();
    }

    private static Model textModel(Path gguf) throws Exception {
        return Model.load(List.of(gguf), JavaEngine.kernels(1), CONTEXT, 8);
    }

    /** Opens the text model and its mmproj; the text model is closed here when that fails. */
    private static MmprojVisionModel open(Path mmproj, Path text) throws Exception {
        Model m = textModel(text);
        try {
            return (MmprojVisionModel) VisionModels.forMmproj(mmproj, text, m).orElseThrow();
        } catch (Exception | AssertionError e) {
            m.close();
            throw e;
        }
    }

    static double cosine(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    private static void assertSame(String what, float[] expected, float[] actual) {
        double c = cosine(expected, actual);
        assertTrue(c >= 0.999, what + ": cosine " + c);
    }

    @ParameterizedTest(name = "{0}, vision_feature_layer {1}")
    @CsvSource({"F32, -2", "F16, -2", "F32, -1", "F16, -1"})
    void llavaMmprojMatchesItsCheckpoint(GgmlType type, String featureLayer) throws Exception {
        Path hf = LlavaCheckpoints.tiny(tmp.resolve("llava"), SafetensorsDType.F32);
        LlavaCheckpoints.editConfig(hf, c -> c.set("vision_feature_layer", read(featureLayer)));
        Path mmproj = TinyMmproj.write(hf, tmp.resolve("gguf/mmproj-model-" + type.name().toLowerCase() + ".gguf"), type);
        Path text = TinyMmproj.textModel(hf, tmp.resolve("gguf/model-f32.gguf"));
        try (LlavaModel st = LlavaModel.load(hf, JavaEngine.kernels(1), CONTEXT, 8);
             MmprojVisionModel gg = open(mmproj, text)) {
            LlavaModel m = assertInstanceOf(LlavaModel.class, gg.model());
            // the same settings from the file's keys and the text model's vocabulary
            assertEquals(st.config().featureLayers(), m.config().featureLayers());
            assertEquals(st.config().imageTokens(), m.imageTokens());
            assertEquals(st.placeholderToken(), gg.placeholderToken());
            assertEquals("<image>", gg.imagePlaceholder());
            assertEquals(st.config().hiddenAct(), m.config().hiddenAct());
            assertEquals(st.config().layerNormEps(), m.config().layerNormEps(), 1e-9);

            // the same pixels from the same file through either processor config
            PixelValues red = image(st.processor(), "red", Color.WHITE, Color.RED);
            assertArrayEquals(red.data(), image(gg.processor(), "red2", Color.WHITE, Color.RED).data());
            PixelValues blue = image(st.processor(), "blue", Color.BLACK, Color.BLUE);

            assertSame("tower features", st.encoder().encode(red), m.encoder().encode(red));
            assertSame("projected features", st.imageEmbeddings(red), m.imageEmbeddings(red));

            int img = st.placeholderToken();
            int[] prompt = {1, 5, 9, img, 12, 13, 14};
            int[] layout = st.layout(prompt);
            assertArrayEquals(layout, gg.layout(prompt));
            float[] a = st.prefill(layout, List.of(red), 0).clone();
            float[] b = gg.prefill(layout, List.of(red), 0).clone();
            assertSame("logits after the image prompt", a, b);
            float[] other = gg.prefill(layout, List.of(blue), 0).clone();
            assertTrue(cosine(b, other) < 0.99999, "another image, other logits");
        }
    }

    @Test
    void gemma3MmprojMatchesItsCheckpoint() throws Exception {
        for (GgmlType type : List.of(GgmlType.F32, GgmlType.F16)) {
            Path hf = Gemma3Checkpoints.tiny(tmp.resolve("g3-" + type), SafetensorsDType.F32);
            Path mmproj = TinyMmproj.write(hf, tmp.resolve("g3-" + type + "/gguf/mmproj.gguf"), type);
            Path text = TinyMmproj.textModel(hf, tmp.resolve("g3-" + type + "/gguf/model.gguf"));
            GgufFile f = GgufReader.read(mmproj);
            assertEquals(2L, f.integer("clip.vision.projector.scale_factor").orElseThrow());
            try (Gemma3VisionModel st = Gemma3VisionModel.load(hf, JavaEngine.kernels(1), CONTEXT, 8);
                 MmprojVisionModel gg = open(mmproj, text)) {
                Gemma3VisionModel m = assertInstanceOf(Gemma3VisionModel.class, gg.model());
                assertEquals(st.config(), m.config());
                assertEquals(st.placeholderToken(), gg.placeholderToken());
                assertEquals(st.expandPrompt("a <start_of_image> b"), gg.expandPrompt("a <start_of_image> b"));
                PixelValues red = image(new ImageProcessor(ImageProcessorConfigs.read(hf)), "red", Color.WHITE, Color.RED);
                assertArrayEquals(red.data(), image(gg.processor(), "red2", Color.WHITE, Color.RED).data());

                assertSame(type + " tower features", st.encoder().encode(red), m.encoder().encode(red));
                assertSame(type + " projected features", st.imageEmbeddings(red), m.imageEmbeddings(red));
                SiglipVisionConfig c = st.config();
                int[] prompt = {1, 5, 9, c.boiTokenId(), c.imageTokenId(), c.eoiTokenId(), 12, 13};
                int[] layout = st.layout(prompt);
                assertArrayEquals(layout, gg.layout(prompt));
                assertSame(type + " logits after the image prompt", st.prefill(layout, List.of(red), 0).clone(),
                        gg.prefill(layout, List.of(red), 0).clone());
            }
        }
    }

    /** The converter's layout, as clip.cpp reads it: names, GGML dimensions, types, dropped layers. */
    @Test
    void tinyMmprojIsLaidOutAsClipCppExpects() throws Exception {
        Path hf = LlavaCheckpoints.tiny(tmp.resolve("llava"), SafetensorsDType.F32);
        LlavaCheckpoints.editConfig(hf, c -> c.put("vision_feature_layer", -1));
        GgufFile f = GgufReader.read(TinyMmproj.write(hf, tmp.resolve("mmproj.gguf"), GgmlType.F32));
        assertEquals("mlp", f.string("clip.projector_type").orElseThrow());
        assertEquals(1L, f.integer("clip.vision.block_count").orElseThrow());
        assertArrayEquals(new long[]{8, 8, 3, 32}, f.tensor("v.patch_embd.weight").orElseThrow().dims());
        assertEquals(GgmlType.F16, f.tensor("v.patch_embd.weight").orElseThrow().type());
        assertArrayEquals(new long[]{32, 17}, f.tensor("v.position_embd.weight").orElseThrow().dims());
        assertArrayEquals(new long[]{32}, f.tensor("v.class_embd").orElseThrow().dims());
        // the legacy converter's names: fc1 (32 -> 64) is ffn_down, fc2 ffn_up
        assertArrayEquals(new long[]{32, 64}, f.tensor("v.blk.0.ffn_down.weight").orElseThrow().dims());
        assertArrayEquals(new long[]{64, 32}, f.tensor("v.blk.0.ffn_up.weight").orElseThrow().dims());
        assertEquals(GgmlType.F16, f.tensor("mm.0.weight").orElseThrow().type());
        assertTrue(f.tensor("v.post_ln.weight").isEmpty());
        LlavaCheckpoints.editConfig(hf, c -> c.put("vision_feature_layer", -2));
        f = GgufReader.read(TinyMmproj.write(hf, tmp.resolve("mmproj0.gguf"), GgmlType.F32));
        assertEquals(0L, f.integer("clip.vision.block_count").orElseThrow());
        assertTrue(f.tensor("v.blk.0.attn_q.weight").isEmpty());
    }

    /** Without clip.vision.feature_layer clip.cpp runs all but the file's last layer; with it, up to the deepest. */
    @Test
    void featureLayersAsClipCppReadsThem() throws Exception {
        Path hf = LlavaCheckpoints.tiny(tmp.resolve("llava"), SafetensorsDType.F32);
        LlavaCheckpoints.editConfig(hf, c -> c.put("vision_feature_layer", -1));
        Path with = TinyMmproj.write(hf, tmp.resolve("with.gguf"), GgmlType.F32);
        Path text = TinyMmproj.textModel(hf, tmp.resolve("model.gguf"));
        Path without = rewrite(with, "without.gguf", g -> g.remove("clip.vision.feature_layer"), t -> false);
        try (MmprojVisionModel a = open(with, text); MmprojVisionModel b = open(without, text)) {
            ClipVisionConfig ca = ((LlavaModel) a.model()).config();
            ClipVisionConfig cb = ((LlavaModel) b.model()).config();
            assertEquals(List.of(1), ca.featureLayers());
            assertEquals(1, ca.layersToRun());
            assertEquals(List.of(0), cb.featureLayers());
            assertEquals(0, cb.layersToRun());
            PixelValues px = LlavaCheckpoints.randomImage(32, 5);
            assertTrue(cosine(((LlavaModel) a.model()).encoder().encode(px), ((LlavaModel) b.model()).encoder().encode(px))
                    < 0.9999, "another layer, other features");
        }
    }

    @Test
    void hfNamesMapToClipNames() {
        assertEquals(Optional.of("v.blk.3.ffn_up.bias"),
                ClipTensorNames.clipName("vision_tower.vision_model.encoder.layers.3.mlp.fc1.bias", l -> false));
        assertEquals(Optional.of("v.blk.3.ffn_down.weight"),
                ClipTensorNames.clipName("vision_tower.vision_model.encoder.layers.3.mlp.fc1.weight", l -> l == 3));
        assertEquals(Optional.of("v.blk.0.attn_out.weight"),
                ClipTensorNames.clipName("vision_tower.vision_model.encoder.layers.0.self_attn.out_proj.weight", l -> false));
        assertEquals(Optional.of("mm.2.bias"), ClipTensorNames.clipName("multi_modal_projector.linear_2.bias", l -> false));
        assertEquals(Optional.of("mm.input_projection.weight"),
                ClipTensorNames.clipName("multi_modal_projector.mm_input_projection_weight", l -> false));
        assertEquals(Optional.of("v.pre_ln.bias"), ClipTensorNames.clipName("vision_tower.vision_model.pre_layrnorm.bias", l -> false));
        for (String unknown : List.of("language_model.model.norm.weight", "vision_tower.vision_model.encoder.layers.x.mlp.fc1.weight",
                "vision_tower.vision_model.encoder.layers.01.mlp.fc1.weight", "vision_tower.vision_model.head.weight")) {
            assertTrue(ClipTensorNames.clipName(unknown, l -> false).isEmpty(), unknown);
        }
    }

    @Test
    void malformedMmprojFilesGiveOneClearError() throws Exception {
        Path hf = LlavaCheckpoints.tiny(tmp.resolve("llava"), SafetensorsDType.F32);
        LlavaCheckpoints.editConfig(hf, c -> c.put("vision_feature_layer", -1));
        Path good = TinyMmproj.write(hf, tmp.resolve("mmproj.gguf"), GgmlType.F16);
        Path text = TinyMmproj.textModel(hf, tmp.resolve("model.gguf"));
        try (MmprojVisionModel ok = open(good, text)) {
            assertEquals(16, ok.imageTokens());
        }

        assertRefused(rewrite(good, "missing.gguf", g -> { }, t -> t.name().equals("v.blk.0.attn_q.weight")), text,
                "missing tensor v.blk.0.attn_q.weight in missing.gguf");
        assertRefused(rewrite(good, "count.gguf", g -> g.putUint32("clip.vision.block_count", 2), t -> false), text,
                "count.gguf: missing tensor v.blk.1.attn_out.weight (clip.vision.block_count is 2)");
        assertRefused(rewrite(good, "nomm2.gguf", g -> { }, t -> t.name().equals("mm.2.weight")), text,
                "missing tensor mm.2.weight");
        assertRefused(reshaped(good, "shape.gguf", "v.position_embd.weight", new long[]{32, 16}), text,
                "tensor v.position_embd.weight has shape [16, 32], expected 544 values");
        assertRefused(reshaped(good, "shape2.gguf", "mm.0.weight", new long[]{64, 32}), text,
                "shape2.gguf: tensor mm.0.weight has dims [64, 32], expected [32, 64]");
        assertRefused(rewrite(good, "ldp.gguf", g -> g.putString("clip.projector_type", "ldp"), t -> false), text,
                "ldp.gguf: projector type 'ldp' is not supported by the Java engine (mlp, gemma3)");
        assertRefused(rewrite(good, "nokey.gguf", g -> g.remove("clip.vision.block_count"), t -> false), text,
                "nokey.gguf: has no clip.vision.block_count");
        assertRefused(rewrite(good, "std.gguf", g -> g.putFloat32s("clip.vision.image_std", new float[]{0.5f, 0}), t -> false),
                text, "std.gguf: clip.vision.image_std has 2 values, expected 3 (R, G, B)");
        assertRefused(rewrite(good, "layer.gguf", g -> g.putInt32s("clip.vision.feature_layer", new int[]{2}), t -> false),
                text, "layer.gguf: clip.vision.feature_layer 2 is outside the 1 layers the file holds");
        assertRefused(rewrite(good, "heads.gguf", g -> g.putUint32("clip.vision.attention.head_count", 5), t -> false),
                text, "heads.gguf: clip.vision.embedding_length 32 is not a multiple of head_count 5");

        byte[] bytes = Files.readAllBytes(good);
        Path truncated = Files.write(tmp.resolve("truncated.gguf"), Arrays.copyOf(bytes, bytes.length - 100));
        FormatException e = refused(truncated, text);
        assertTrue(e.getMessage().startsWith("truncated.gguf: ") && e.getMessage().contains("past the end of the file"),
                e.getMessage());
        Path header = Files.write(tmp.resolve("header.gguf"), Arrays.copyOf(bytes, 40));
        refused(header, text);
        Path notGguf = Files.writeString(tmp.resolve("text.gguf"), "not a gguf file at all, but long enough to read");
        refused(notGguf, text);

        // the text model's vocabulary must have the image token
        Path noImage = rewrite(text, "noimage.gguf", g -> {
            try {
                List<String> tokens = MmprojModels.tokens(text).stream().map(s -> s.equals("<image>") ? "<img>" : s).toList();
                g.putStrings("tokenizer.ggml.tokens", tokens);
            } catch (Exception ex) {
                throw new AssertionError(ex);
            }
        }, t -> false);
        try (Model m = textModel(noImage)) {
            e = assertThrows(FormatException.class, () -> VisionModels.forMmproj(good, noImage, m));
            assertEquals("noimage.gguf: the vocabulary has no <image> token, which the mmproj file's images need",
                    e.getMessage());
            // the text model is still the caller's, and runs
            assertTrue(Float.isFinite(m.transformer().forward(new int[]{1, 2}, 0, 2, 0)[0]));
        }

        // an audio-only projector file: no vision model
        Path audio = rewrite(good, "audio.gguf", g -> g.putBool("clip.has_vision_encoder", false), t -> false);
        try (Model m = textModel(text)) {
            assertFalse(VisionModels.forMmproj(audio, text, m).isPresent());
        }
    }

    private static FormatException refused(Path mmproj, Path text) throws Exception {
        try (Model m = textModel(text)) {
            return assertThrows(FormatException.class, () -> VisionModels.forMmproj(mmproj, text, m), mmproj.toString());
        }
    }

    private static void assertRefused(Path mmproj, Path text, String message) throws Exception {
        FormatException e = refused(mmproj, text);
        assertTrue(e.getMessage().contains(message), "expected '" + message + "' in: " + e.getMessage());
    }

    /** {@code source} with its metadata edited and the tensors {@code drop} says left out. */
    private Path rewrite(Path source, String name, Consumer<GgufWriter> edit, Predicate<GgufTensorInfo> drop)
            throws Exception {
        GgufFile f = GgufReader.read(source);
        GgufWriter w = GgufWriter.create().putAll(f);
        edit.accept(w);
        for (GgufTensorInfo t : f.tensors()) {
            if (!drop.test(t)) {
                w.tensor(t, source);
            }
        }
        Path out = tmp.resolve(name);
        w.write(out);
        return out;
    }

    /** {@code source} with tensor {@code tensor} given other GGML dimensions (the same element type, zeros). */
    private Path reshaped(Path source, String name, String tensor, long[] dims) throws Exception {
        GgufFile f = GgufReader.read(source);
        GgufWriter w = GgufWriter.create().putAll(f);
        for (GgufTensorInfo t : f.tensors()) {
            if (t.name().equals(tensor)) {
                w.tensor(t.name(), dims, new float[(int) Arrays.stream(dims).reduce(1, (a, b) -> a * b)], t.type());
            } else {
                w.tensor(t, source);
            }
        }
        Path out = tmp.resolve(name);
        w.write(out);
        return out;
    }

    private static com.fasterxml.jackson.databind.JsonNode read(String json) {
        try {
            return LlavaCheckpoints.JSON.readTree(json);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
