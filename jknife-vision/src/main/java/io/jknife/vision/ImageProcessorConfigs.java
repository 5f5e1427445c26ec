package io.jknife.vision;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a model directory's {@code preprocessor_config.json} (else the image processor inside
 * {@code processor_config.json}) into an {@link ImageProcessorConfig}. Keys a config leaves out take
 * the defaults of the transformers class it names ({@code image_processor_type}), so a partial
 * config means what it means in Python.
 */
public final class ImageProcessorConfigs {

    /** OpenAI CLIP's mean and std ({@code OPENAI_CLIP_MEAN}/{@code OPENAI_CLIP_STD} in transformers). */
    public static final float[] CLIP_MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    public static final float[] CLIP_STD = {0.26862954f, 0.26130258f, 0.27577711f};
    /** {@code IMAGENET_STANDARD_MEAN}/{@code _STD}: SigLIP, Gemma 3, Idefics3. */
    public static final float[] HALF = {0.5f, 0.5f, 0.5f};

    private static final ObjectMapper JSON = new ObjectMapper();

    private ImageProcessorConfigs() {
    }

    /** The image processor of the model in {@code modelDir}. */
    public static ImageProcessorConfig read(Path modelDir) throws ImageException {
        Path pre = modelDir.resolve("preprocessor_config.json");
        Path proc = modelDir.resolve("processor_config.json");
        JsonNode node;
        Path source;
        if (Files.isRegularFile(pre)) {
            source = pre;
            node = parse(pre);
        } else if (Files.isRegularFile(proc)) {
            source = proc;
            node = parse(proc);
            if (node.path("image_processor").isObject()) {
                node = node.get("image_processor");
            }
        } else {
            throw new ImageException("No preprocessor_config.json or processor_config.json in " + modelDir
                    + ": the model does not say how to prepare images");
        }
        int patchFromModel = patchSizeFromModelConfig(modelDir.resolve("config.json"));
        try {
            return fromJson(node, patchFromModel);
        } catch (IllegalArgumentException e) {
            throw new ImageException("Unsupported image processor in " + source + ": " + e.getMessage());
        }
    }

    /** Resolves one image-processor JSON object; {@code patchSizeFallback} comes from the model's {@code vision_config}. */
    public static ImageProcessorConfig fromJson(JsonNode n, int patchSizeFallback) {
        if (!n.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        String type = text(n, "image_processor_type", text(n, "feature_extractor_type", ""));
        Defaults d = Defaults.of(type);
        // Steps this module does not implement are refused rather than skipped: skipping would give
        // the model pixels it was not trained on.
        if (bool(n, "do_pan_and_scan", false)) {
            throw new IllegalArgumentException("do_pan_and_scan (Gemma 3 pan and scan) is not supported");
        }
        if (n.hasNonNull("image_grid_pinpoints") || type.startsWith("LlavaNext") || type.startsWith("LlavaOnevision")) {
            throw new IllegalArgumentException("any-resolution tiling (image_grid_pinpoints, " + type + ") is not supported");
        }

        boolean doResize = bool(n, "do_resize", true);
        ResizeMode mode = d.mode;
        int height = d.height;
        int width = d.width;
        int edge = d.edge;
        JsonNode size = n.get("size");
        if (size != null && !size.isNull()) {
            if (size.isInt()) {
                if (d.intIsShortestEdge) {
                    mode = ResizeMode.SHORTEST_EDGE;
                    edge = size.asInt();
                } else {
                    mode = ResizeMode.EXACT;
                    height = width = size.asInt();
                }
            } else if (size.has("height") && size.has("width")) {
                mode = ResizeMode.EXACT;
                height = size.get("height").asInt();
                width = size.get("width").asInt();
            } else if (size.has("shortest_edge") && !size.has("longest_edge")) {
                mode = ResizeMode.SHORTEST_EDGE;
                edge = size.get("shortest_edge").asInt();
            } else if (size.has("longest_edge") && !size.has("shortest_edge")) {
                mode = ResizeMode.LONGEST_EDGE;
                edge = size.get("longest_edge").asInt();
            } else {
                throw new IllegalArgumentException("size " + size + " (supported: height/width, shortest_edge, longest_edge)");
            }
        }
        if (doResize && mode == null) {
            throw new IllegalArgumentException("no 'size' and no known defaults for image_processor_type '" + type + "'");
        }
        ResampleFilter resample = n.hasNonNull("resample") ? ResampleFilter.ofPilCode(n.get("resample").asInt()) : d.resample;

        boolean crop = bool(n, "do_center_crop", d.centerCrop);
        int cropH = d.crop;
        int cropW = d.crop;
        JsonNode cropSize = n.get("crop_size");
        if (cropSize != null && !cropSize.isNull()) {
            if (cropSize.isInt()) {
                cropH = cropW = cropSize.asInt();
            } else if (cropSize.has("height") && cropSize.has("width")) {
                cropH = cropSize.get("height").asInt();
                cropW = cropSize.get("width").asInt();
            } else {
                throw new IllegalArgumentException("crop_size " + cropSize);
            }
        }

        boolean doRescale = bool(n, "do_rescale", true);
        double rescale = n.hasNonNull("rescale_factor") ? n.get("rescale_factor").asDouble() : 1 / 255.0;
        boolean doNormalize = bool(n, "do_normalize", true);
        float[] mean = floats(n, "image_mean", d.mean);
        float[] std = floats(n, "image_std", d.std);
        if (doNormalize && (mean == null || std == null)) {
            throw new IllegalArgumentException("do_normalize without image_mean/image_std");
        }

        int patch = patchSizeFallback;
        JsonNode p = n.get("patch_size");
        if (p != null && p.isInt()) {
            patch = p.asInt();
        } else if (p != null && p.has("height")) {
            patch = p.get("height").asInt();
        }

        boolean split = bool(n, "do_image_splitting", d.splitting);
        int maxEdge = n.path("max_image_size").path("longest_edge").asInt(d.maxImageEdge);
        if (mode == ResizeMode.LONGEST_EDGE && !split && maxEdge <= 0) {
            throw new IllegalArgumentException("longest_edge resize without max_image_size");
        }
        return new ImageProcessorConfig(type, doResize, mode, height, width, edge, resample, crop, cropH, cropW,
                doRescale, rescale, doNormalize, mean, std, patch, split, maxEdge);
    }

    private static int patchSizeFromModelConfig(Path config) {
        if (!Files.isRegularFile(config)) {
            return 0;
        }
        try {
            JsonNode n = JSON.readTree(config.toFile());
            return n.path("vision_config").path("patch_size").asInt(0);
        } catch (IOException e) {
            return 0; // the model's health check reports a broken config.json
        }
    }

    private static JsonNode parse(Path file) throws ImageException {
        try {
            JsonNode n = JSON.readTree(file.toFile());
            if (n == null || !n.isObject()) {
                throw new ImageException("Invalid " + file + ": not a JSON object");
            }
            return n;
        } catch (JacksonException e) {
            throw new ImageException("Invalid JSON in " + file + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ImageException("Cannot read " + file + ": " + e.getMessage());
        }
    }

    private static boolean bool(JsonNode n, String key, boolean fallback) {
        JsonNode v = n.get(key);
        return v == null || v.isNull() ? fallback : v.asBoolean();
    }

    private static String text(JsonNode n, String key, String fallback) {
        JsonNode v = n.get(key);
        return v == null || v.isNull() ? fallback : v.asText();
    }

    private static float[] floats(JsonNode n, String key, float[] fallback) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (v.isNumber()) {
            float f = (float) v.asDouble();
            return new float[] {f, f, f};
        }
        if (!v.isArray() || v.size() != 3) {
            throw new IllegalArgumentException(key + " must hold 3 numbers: " + v);
        }
        float[] out = new float[3];
        for (int i = 0; i < 3; i++) {
            out[i] = (float) v.get(i).asDouble();
        }
        return out;
    }

    /** The constructor defaults of the transformers image-processor classes this module knows. */
    private record Defaults(ResizeMode mode, int height, int width, int edge, boolean intIsShortestEdge, ResampleFilter resample,
                            boolean centerCrop, int crop, float[] mean, float[] std, boolean splitting, int maxImageEdge) {

        static Defaults of(String type) {
            return switch (type) {
                case "Gemma3ImageProcessor", "Gemma3ImageProcessorFast" -> new Defaults(ResizeMode.EXACT, 224, 224, 0, false,
                        ResampleFilter.BILINEAR, false, 0, HALF, HALF, false, 0);
                case "SiglipImageProcessor", "SiglipImageProcessorFast" -> new Defaults(ResizeMode.EXACT, 224, 224, 0, false,
                        ResampleFilter.BICUBIC, false, 0, HALF, HALF, false, 0);
                case "CLIPImageProcessor", "CLIPImageProcessorFast", "CLIPFeatureExtractor", "LlavaImageProcessor" -> new Defaults(
                        ResizeMode.SHORTEST_EDGE, 0, 0, 224, true, ResampleFilter.BICUBIC, true, 224, CLIP_MEAN, CLIP_STD, false, 0);
                case "Idefics3ImageProcessor", "Idefics3ImageProcessorFast" -> new Defaults(ResizeMode.LONGEST_EDGE, 0, 0, 4 * 364, false,
                        ResampleFilter.LANCZOS, false, 0, HALF, HALF, true, 364);
                default -> new Defaults(null, 0, 0, 0, false, ResampleFilter.BICUBIC, false, 0, null, null, false, 0);
            };
        }
    }
}
