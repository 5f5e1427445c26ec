package io.jknife.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageProcessorTest {

    /** google/gemma-3-4b-it's preprocessor_config.json. */
    static final String GEMMA3 = """
            {"do_convert_rgb": null, "do_normalize": true, "do_pan_and_scan": null, "do_rescale": true,
             "do_resize": true, "image_mean": [0.5, 0.5, 0.5], "image_processor_type": "Gemma3ImageProcessor",
             "image_seq_length": 256, "image_std": [0.5, 0.5, 0.5], "pan_and_scan_max_num_crops": null,
             "pan_and_scan_min_crop_size": null, "pan_and_scan_min_ratio_to_activate": null,
             "processor_class": "Gemma3Processor", "resample": 2, "rescale_factor": 0.00392156862745098,
             "size": {"height": 896, "width": 896}}""";

    /** llava-hf/llava-1.5-7b-hf's preprocessor_config.json. */
    static final String LLAVA = """
            {"crop_size": {"height": 336, "width": 336}, "do_center_crop": true, "do_convert_rgb": true,
             "do_normalize": true, "do_rescale": true, "do_resize": true,
             "image_mean": [0.48145466, 0.4578275, 0.40821073], "image_processor_type": "CLIPImageProcessor",
             "image_std": [0.26862954, 0.26130258, 0.27577711], "processor_class": "LlavaProcessor",
             "resample": 3, "rescale_factor": 0.00392156862745098, "size": {"shortest_edge": 336}}""";

    /** HuggingFaceTB/SmolVLM-Instruct's preprocessor_config.json (Idefics3). */
    static final String SMOLVLM = """
            {"do_convert_rgb": true, "do_image_splitting": true, "do_normalize": true, "do_pad": true,
             "do_rescale": true, "do_resize": true, "image_mean": [0.5, 0.5, 0.5],
             "image_processor_type": "Idefics3ImageProcessor", "image_std": [0.5, 0.5, 0.5],
             "max_image_size": {"longest_edge": 384}, "processor_class": "Idefics3Processor", "resample": 1,
             "rescale_factor": 0.00392156862745098, "size": {"longest_edge": 1536}}""";

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void readsGemma3(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("preprocessor_config.json"), GEMMA3);
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"gemma3\", \"vision_config\": {\"patch_size\": 14}}");
        ImageProcessorConfig c = ImageProcessorConfigs.read(dir);
        assertEquals(ResizeMode.EXACT, c.resizeMode());
        assertEquals(896, c.height());
        assertEquals(896, c.width());
        assertEquals(ResampleFilter.BILINEAR, c.resample());
        assertFalse(c.centerCrop());
        assertEquals(1 / 255.0, c.rescaleFactor(), 1e-12);
        assertArrayEquals(new float[] {0.5f, 0.5f, 0.5f}, c.mean());
        assertArrayEquals(new float[] {0.5f, 0.5f, 0.5f}, c.std());
        assertEquals(14, c.patchSize());
        assertEquals("Gemma3ImageProcessor", c.processorType());
        assertEquals(ImageProcessorConfig.gemma3(), c);
    }

    @Test
    void readsLlavaClipAndLegacyIntegerSizes() throws Exception {
        ImageProcessorConfig c = ImageProcessorConfigs.fromJson(JSON.readTree(LLAVA), 14);
        assertEquals(ResizeMode.SHORTEST_EDGE, c.resizeMode());
        assertEquals(336, c.edge());
        assertTrue(c.centerCrop());
        assertEquals(336, c.cropHeight());
        assertEquals(ResampleFilter.BICUBIC, c.resample());
        assertArrayEquals(ImageProcessorConfigs.CLIP_MEAN, c.mean());
        assertArrayEquals(ImageProcessorConfigs.CLIP_STD, c.std());

        // Old CLIP configs: integers; for CLIP an integer size is the shortest edge, for SigLIP a square.
        ImageProcessorConfig old = ImageProcessorConfigs.fromJson(JSON.readTree(
                "{\"feature_extractor_type\": \"CLIPFeatureExtractor\", \"size\": 224, \"crop_size\": 224}"), 0);
        assertEquals(ResizeMode.SHORTEST_EDGE, old.resizeMode());
        assertEquals(224, old.edge());
        assertEquals(224, old.cropWidth());
        assertTrue(old.centerCrop());
        assertArrayEquals(ImageProcessorConfigs.CLIP_MEAN, old.mean());
        ImageProcessorConfig siglip = ImageProcessorConfigs.fromJson(JSON.readTree(
                "{\"image_processor_type\": \"SiglipImageProcessor\", \"size\": 384}"), 0);
        assertEquals(ResizeMode.EXACT, siglip.resizeMode());
        assertEquals(384, siglip.height());
        assertEquals(ResampleFilter.BICUBIC, siglip.resample());
        assertArrayEquals(ImageProcessorConfigs.HALF, siglip.mean());
    }

    @Test
    void readsIdefics3() throws Exception {
        ImageProcessorConfig c = ImageProcessorConfigs.fromJson(JSON.readTree(SMOLVLM), 0);
        assertEquals(ResizeMode.LONGEST_EDGE, c.resizeMode());
        assertEquals(1536, c.edge());
        assertTrue(c.imageSplitting());
        assertEquals(384, c.maxImageEdge());
        assertEquals(ResampleFilter.LANCZOS, c.resample());
    }

    @Test
    void processorConfigFallbackAndErrors(@TempDir Path dir) throws Exception {
        ImageException none = assertThrows(ImageException.class, () -> ImageProcessorConfigs.read(dir));
        assertTrue(none.getMessage().startsWith("No preprocessor_config.json or processor_config.json in "), none.getMessage());

        Files.writeString(dir.resolve("processor_config.json"), "{\"image_processor\": " + GEMMA3 + ", \"image_seq_length\": 256}");
        assertEquals(896, ImageProcessorConfigs.read(dir).height());

        Files.writeString(dir.resolve("preprocessor_config.json"), "{\"size\": ");
        assertTrue(assertThrows(ImageException.class, () -> ImageProcessorConfigs.read(dir)).getMessage().startsWith("Invalid JSON in "));

        Files.writeString(dir.resolve("preprocessor_config.json"), "{\"size\": {\"shortest_edge\": 56, \"longest_edge\": 1000}, \"image_mean\": [0.5,0.5,0.5], \"image_std\": [0.5,0.5,0.5]}");
        ImageException e = assertThrows(ImageException.class, () -> ImageProcessorConfigs.read(dir));
        assertTrue(e.getMessage().startsWith("Unsupported image processor in ") && e.getMessage().contains("shortest_edge"), e.getMessage());

        Files.writeString(dir.resolve("preprocessor_config.json"), GEMMA3.replace("\"do_pan_and_scan\": null", "\"do_pan_and_scan\": true"));
        assertTrue(assertThrows(ImageException.class, () -> ImageProcessorConfigs.read(dir)).getMessage().contains("pan and scan"));
        Files.writeString(dir.resolve("preprocessor_config.json"), LLAVA.replace("\"resample\": 3", "\"resample\": 3, \"image_grid_pinpoints\": [[336, 672]]"));
        assertTrue(assertThrows(ImageException.class, () -> ImageProcessorConfigs.read(dir)).getMessage().contains("image_grid_pinpoints"));

        Files.writeString(dir.resolve("preprocessor_config.json"), "{\"image_processor_type\": \"Unknown\"}");
        assertTrue(assertThrows(ImageException.class, () -> ImageProcessorConfigs.read(dir)).getMessage().contains("no 'size'"));
    }

    @Test
    void gemma3OnAUniformImage() {
        RgbImage img = new RgbImage(10, 20, repeat(10 * 20, 51, 102, 255));
        PixelValues px = new ImageProcessor(ImageProcessorConfig.gemma3()).process(img).single();
        assertEquals(3, px.channels());
        assertEquals(896, px.height());
        assertEquals(896, px.width());
        // (v / 255 - 0.5) / 0.5: 51 -> -0.6, 102 -> -0.2, 255 -> 1.0
        float[] expected = {-0.6f, -0.2f, 1.0f};
        for (int c = 0; c < 3; c++) {
            for (int y : new int[] {0, 447, 895}) {
                for (int x : new int[] {0, 300, 895}) {
                    assertEquals(expected[c], px.get(c, y, x), 1e-6f, "c=" + c);
                }
            }
        }
    }

    @Test
    void handComputedResizeRescaleNormalize() {
        // 4x1 gray [0, 70, 140, 210] bilinear to 2x1 is [50, 160] (see PilResizeTest), then
        // (50 / 255 - 0.5) / 0.5 = -0.6078431 and (160 / 255 - 0.5) / 0.5 = 0.2549020.
        ImageProcessorConfig cfg = new ImageProcessorConfig("test", true, ResizeMode.EXACT, 1, 2, 0, ResampleFilter.BILINEAR,
                false, 0, 0, true, 1 / 255.0, true, ImageProcessorConfigs.HALF, ImageProcessorConfigs.HALF, 0, false, 0);
        PixelValues px = new ImageProcessor(cfg).process(PilResizeTest.gray(4, 1, 0, 70, 140, 210)).single();
        for (int c = 0; c < 3; c++) {
            assertEquals(-0.6078431f, px.get(c, 0, 0), 1e-6f);
            assertEquals(0.2549020f, px.get(c, 0, 1), 1e-6f);
        }
        // Without normalization the values are just rescaled; without rescaling they stay 0..255.
        ImageProcessorConfig raw = new ImageProcessorConfig("test", false, ResizeMode.EXACT, 0, 0, 0, ResampleFilter.BILINEAR,
                false, 0, 0, false, 1 / 255.0, false, null, null, 0, false, 0);
        assertArrayEquals(new float[] {0, 70, 140, 210, 0, 70, 140, 210, 0, 70, 140, 210},
                new ImageProcessor(raw).process(PilResizeTest.gray(4, 1, 0, 70, 140, 210)).single().data());
    }

    @Test
    void clipPipelineMatchesPillowThenCropThenClipStatistics() throws Exception {
        // 20x13 with shortest edge 6: 9x6 (9 = int(6 * 20 / 13)), bicubic: the Pillow fixture's case;
        // then the center 6x6 crop starts at column (9 - 6) // 2 = 1.
        ImageProcessorConfig cfg = new ImageProcessorConfig("CLIPImageProcessor", true, ResizeMode.SHORTEST_EDGE, 0, 0, 6,
                ResampleFilter.BICUBIC, true, 6, 6, true, 1 / 255.0, true, ImageProcessorConfigs.CLIP_MEAN,
                ImageProcessorConfigs.CLIP_STD, 14, false, 0);
        PixelValues px = new ImageProcessor(cfg).process(PilResizeTest.pattern(20, 13)).single();
        assertEquals(6, px.height());
        assertEquals(6, px.width());
        int[] pil = pillow("20 13 9 6 BICUBIC");
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 6; y++) {
                for (int x = 0; x < 6; x++) {
                    float v = (float) (pil[(y * 9 + x + 1) * 3 + c] * (1 / 255.0));
                    float expected = (v - ImageProcessorConfigs.CLIP_MEAN[c]) / ImageProcessorConfigs.CLIP_STD[c];
                    assertEquals(expected, px.get(c, y, x), 1e-6f);
                }
            }
        }
    }

    @Test
    void shortestEdgeSizes() {
        ImageProcessor p = new ImageProcessor(ImageProcessorConfig.clip336());
        assertArrayEquals(new int[] {336, 448}, p.resizedSize(480, 640));
        assertArrayEquals(new int[] {448, 336}, p.resizedSize(640, 480));
        assertArrayEquals(new int[] {336, 1009}, p.resizedSize(333, 1000)); // 336 * 1000 / 333 = 1009.0 truncated
        PixelValues px = p.process(new RgbImage(64, 48, new byte[64 * 48 * 3])).single();
        assertEquals(336, px.height());
        assertEquals(336, px.width());
    }

    @Test
    void centerCropPadsWithZerosWhenTheImageIsSmaller() {
        RgbImage img = PilResizeTest.gray(3, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        RgbImage out = ImageProcessor.centerCrop(img, 4, 4);
        // transformers: top = (3 - 4) // 2 = -1, pad ceil(1 / 2) = 1 on top and left.
        int[] ch = new int[16];
        for (int i = 0; i < 16; i++) {
            ch[i] = out.rgb()[i * 3] & 0xFF;
        }
        assertArrayEquals(new int[] {0, 0, 0, 0, 0, 1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9}, ch);
        RgbImage mid = ImageProcessor.centerCrop(PilResizeTest.gray(4, 1, 1, 2, 3, 4), 1, 2);
        assertEquals(2, mid.rgb()[0]);
    }

    @Test
    void idefics3SplitsIntoTilesPlusAGlobalView() {
        ImageProcessorConfig cfg = new ImageProcessorConfig("Idefics3ImageProcessor", true, ResizeMode.LONGEST_EDGE, 0, 0, 728,
                ResampleFilter.LANCZOS, false, 0, 0, true, 1 / 255.0, true, ImageProcessorConfigs.HALF,
                ImageProcessorConfigs.HALF, 14, true, 364);
        // 1000x500 -> longest edge 728: 728x364 -> already multiples of 364 -> 1 row, 2 columns.
        ProcessedImage out = new ImageProcessor(cfg).process(PilResizeTest.pattern(1000, 500));
        assertEquals(1, out.rows());
        assertEquals(2, out.cols());
        assertEquals(3, out.tiles().size());
        for (PixelValues t : out.tiles()) {
            assertEquals(364, t.height());
            assertEquals(364, t.width());
        }
        // A small image is upscaled to the longest edge; 182 high becomes one 364 tile: no split.
        ImageProcessorConfig one = new ImageProcessorConfig("Idefics3ImageProcessor", true, ResizeMode.LONGEST_EDGE, 0, 0, 364,
                ResampleFilter.LANCZOS, false, 0, 0, true, 1 / 255.0, true, ImageProcessorConfigs.HALF,
                ImageProcessorConfigs.HALF, 14, true, 364);
        ProcessedImage small = new ImageProcessor(one).process(PilResizeTest.pattern(100, 50));
        assertEquals(0, small.rows());
        assertEquals(1, small.tiles().size());
        assertEquals(364, small.single().height());
        // transformers' size rules: the other side truncated, then made even.
        assertArrayEquals(new int[] {242, 728}, ImageProcessor.idefics3Size(333, 1000, 728));
        assertArrayEquals(new int[] {728, 486}, ImageProcessor.idefics3Size(1000, 667, 728)); // 485.576 -> 485 -> 486
    }

    static int[] pillow(String key) throws Exception {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                ImageProcessorTest.class.getResourceAsStream("pil-resize.txt"), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith(key + " ")) {
                    return Arrays.stream(line.substring(key.length() + 1).split(",")).mapToInt(Integer::parseInt).toArray();
                }
            }
        }
        throw new AssertionError("no Pillow case " + key);
    }

    private static byte[] repeat(int pixels, int r, int g, int b) {
        byte[] out = new byte[pixels * 3];
        for (int i = 0; i < pixels; i++) {
            out[i * 3] = (byte) r;
            out[i * 3 + 1] = (byte) g;
            out[i * 3 + 2] = (byte) b;
        }
        return out;
    }
}
