package io.jknife.java.vision;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jknife.formats.FormatException;
import io.jknife.java.model.Model;
import io.jknife.java.weights.SafetensorsModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the vision half of a model the Java engine loaded as text, from what the model declares:
 * a Hugging Face checkpoint's {@code config.json} ({@code model_type} and its {@code vision_config}),
 * or a GGUF model's {@code mmproj} file (clip.cpp's projector format). Never from a model's name.
 */
public final class VisionModels {
    private static final ObjectMapper JSON = new ObjectMapper();

    private VisionModels() {
    }

    /**
     * The vision model of the checkpoint in {@code dir}, beside {@code text} (loaded from
     * {@code weights}, which it owns); empty when the checkpoint declares no vision tower or one of a
     * kind the engine does not run (the model then runs as text and refuses images).
     *
     * @throws FormatException when it declares a supported tower that is missing or malformed
     */
    public static Optional<VisionLanguageModel> forCheckpoint(Path dir, SafetensorsModel weights, Model text)
            throws IOException {
        Path config = dir.resolve("config.json");
        if (!Files.isRegularFile(config)) {
            return Optional.empty();
        }
        JsonNode root;
        try {
            root = JSON.readTree(config.toFile());
        } catch (IOException e) {
            throw new FormatException("config.json is not valid JSON: " + e.getMessage());
        }
        if (!root.path("vision_config").isObject()) {
            return Optional.empty();
        }
        String type = root.path("model_type").asText("");
        // LlavaConfig takes a vision_config without model_type as CLIP's
        String tower = root.path("vision_config").path("model_type").asText("clip_vision_model");
        return switch (type) {
            case "llava" -> tower.equals("clip_vision_model") ? Optional.of(LlavaModel.of(weights, text,
                    ClipVisionConfig.of(root), HfCheckpoints.processorOf(dir))) : Optional.empty();
            case "gemma3" -> Optional.of(Gemma3VisionModel.of(weights, text, SiglipVisionConfig.of(root),
                    HfCheckpoints.processorOf(dir)));
            default -> Optional.empty();
        };
    }

    /**
     * The vision model of a GGUF text model {@code text} (loaded from {@code textGguf}, its first part)
     * with the clip.cpp projector file {@code mmproj}: LLaVA ({@code clip.projector_type mlp}) or
     * Gemma 3 ({@code gemma3}); image tokens are looked up in the text model's vocabulary. Empty when
     * the file holds no vision encoder (an audio projector). The result owns {@code text} and the
     * mapped file ({@link VisionLanguageModel#close()} closes both); on failure {@code text} stays the
     * caller's and the file is unmapped.
     *
     * @throws FormatException when the file is malformed, truncated, of another projector type, or
     *                         does not fit {@code text}
     */
    public static Optional<VisionLanguageModel> forMmproj(Path mmproj, Path textGguf, Model text) throws IOException {
        return MmprojModels.load(mmproj, textGguf, text);
    }
}
