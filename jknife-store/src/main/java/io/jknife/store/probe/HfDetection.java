package io.jknife.store.probe;

import io.jknife.store.json.Json;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Capability detection for Hugging Face model directories from {@code config.json}, tokenizer and
 * processor files (reference cli.md §4.2–4.3, backends.md §1), with the reference's fixes applied:
 * one vision rule for listing and serving, whisper feature extractors are not vision, dot
 * directories are not searched, and the name used by heuristics is a repository id or a directory
 * basename, never an absolute path.
 */
final class HfDetection {
    static final Set<String> VISION_MODEL_TYPES = Set.of(
            "llava", "llava_next", "pixtral", "qwen2_vl", "phi3_v", "mllama", "paligemma", "idefics", "smolvlm");
    static final List<String> AUDIO_MODEL_TOKENS = List.of("gemma3n", "gemma3n_audio", "voxtral", "whisper", "vibevoice", "audio");
    static final List<String> STT_MODEL_TOKENS = List.of("whisper", "vibevoice", "voxtral");
    static final Set<String> ENCODER_EMBEDDERS = Set.of("bert", "xlm-roberta", "modernbert", "nomic_bert");
    private static final Pattern ENGLISH_ONLY_WHISPER = Pattern.compile("(?i)whisper-(tiny|base|small|medium)\\.en([-_./]|$)");
    private static final Pattern TURBO_WHISPER = Pattern.compile("(?i)whisper-[a-z0-9.-]*turbo([-_./]|$)");

    private HfDetection() {
    }

    /** MLX when MLX metadata says so (README front matter, a quantization block, safetensors "format": "mlx"). */
    static Framework framework(Path dir, JsonNode config, ModelFiles files, boolean mlxSafetensors) {
        if (readmeSaysMlx(dir.resolve("README.md")) || (config != null && config.has("quantization")) || mlxSafetensors) {
            return Framework.MLX;
        }
        if (!files.ggufVariants().isEmpty()) {
            return Framework.GGUF;
        }
        if (files.hasHfWeights()) {
            return Framework.PyTorch;
        }
        return Framework.Unknown;
    }

    static String modelTypeOf(JsonNode config) {
        String t = Json.text(config, "model_type");
        return t == null ? null : t.toLowerCase(Locale.ROOT);
    }

    static ModelProbe.Embedder embedder(JsonNode config, String name) {
        String type = modelTypeOf(config);
        String lowerName = name.toLowerCase(Locale.ROOT);
        boolean causal = "qwen3".equals(type) || "mistral".equals(type);
        JsonNode archs = config == null ? null : config.get("architectures");
        if (archs != null && archs.isArray()) {
            for (JsonNode a : archs) {
                if (a.asText().toLowerCase(Locale.ROOT).contains("forcausallm")) {
                    causal = true;
                }
            }
        }
        if (causal && (lowerName.contains("embed") || lowerName.contains("qwen3-embedding"))) {
            return ModelProbe.Embedder.DECODER;
        }
        return type != null && ENCODER_EMBEDDERS.contains(type) ? ModelProbe.Embedder.ENCODER : ModelProbe.Embedder.NONE;
    }

    /**
     * A chat template in {@code tokenizer_config.json} or a {@code chat_template.{jinja,json}} file.
     * {@code tokenizer.json} (often tens of megabytes, almost never holding a template) is read
     * only when there is no {@code tokenizer_config.json}, so listing a large cache stays fast.
     */
    static boolean hasChatTemplate(Path dir) {
        Path config = dir.resolve("tokenizer_config.json");
        return Files.exists(dir.resolve("chat_template.jinja"))
                || Files.exists(dir.resolve("chat_template.json"))
                || Json.chatTemplate(config).isPresent()
                || (!Files.exists(config) && Json.chatTemplate(dir.resolve("tokenizer.json")).isPresent());
    }

    static ModelType modelType(JsonNode config, String name, boolean chatTemplate, ModelProbe.Embedder embedder) {
        if (embedder != ModelProbe.Embedder.NONE) {
            return ModelType.EMBEDDING;
        }
        String type = modelTypeOf(config);
        if (type != null) {
            if (type.equals("chat") || VISION_MODEL_TYPES.contains(type)) {
                return ModelType.CHAT;
            }
            if (STT_MODEL_TOKENS.stream().anyMatch(type::contains)) {
                return ModelType.AUDIO;
            }
        }
        if (chatTemplate) {
            return ModelType.CHAT;
        }
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.contains("instruct") || lower.contains("chat") ? ModelType.CHAT : ModelType.BASE;
    }

    static List<Capability> capabilities(ModelType type, JsonNode config, String name, boolean chatTemplate,
                                         boolean vision, boolean audio) {
        List<Capability> caps = new ArrayList<>();
        switch (type) {
            case EMBEDDING -> caps.add(Capability.EMBEDDINGS);
            case AUDIO -> {
                caps.add(Capability.AUDIO);
                if ("whisper".equals(modelTypeOf(config)) && !ENGLISH_ONLY_WHISPER.matcher(name).find()
                        && !TURBO_WHISPER.matcher(name).find()) {
                    caps.add(Capability.AUDIO_TRANSLATE_EN);
                }
            }
            default -> {
                caps.add(Capability.TEXT_GENERATION);
                String lower = name.toLowerCase(Locale.ROOT);
                if (type == ModelType.CHAT || lower.contains("instruct") || lower.contains("chat") || chatTemplate) {
                    caps.add(Capability.CHAT);
                }
                if (vision) {
                    caps.add(Capability.VISION);
                }
                if (audio) {
                    caps.add(Capability.AUDIO);
                }
            }
        }
        return caps;
    }

    /** The one vision rule (listing variant plus the video rejection of embedded configs). */
    static boolean vision(Path dir, JsonNode config) {
        if (Json.object(config, "vision_config") != null) {
            return true;
        }
        String type = modelTypeOf(config);
        if (type != null && VISION_MODEL_TYPES.contains(type)) {
            return true;
        }
        if (config != null && config.hasNonNull("image_processor") && truthy(config.get("image_processor"))) {
            return true;
        }
        JsonNode embedded = Json.object(config, "preprocessor_config");
        if (embedded != null) {
            return !"AutoVideoProcessor".equals(Json.text(embedded, "processor_class")) && !embedded.has("temporal_patch_size");
        }
        if (!anyProcessorFile(dir)) {
            return false;
        }
        if (Files.exists(dir.resolve("video_preprocessor_config.json"))) {
            return false;
        }
        JsonNode pre = Json.readObject(dir.resolve("preprocessor_config.json")).orElse(null);
        if (pre != null) {
            if ("AutoVideoProcessor".equals(Json.text(pre, "processor_class")) || pre.has("temporal_patch_size")) {
                return false;
            }
            String extractor = Json.text(pre, "feature_extractor_type");
            // A whisper feature extractor is audio, not an image processor.
            if (extractor != null && extractor.toLowerCase(Locale.ROOT).contains("whisper")
                    && !Files.exists(dir.resolve("processor_config.json"))
                    && !Files.exists(dir.resolve("image_processor_config.json"))) {
                return false;
            }
        }
        return true;
    }

    static boolean audio(Path dir, JsonNode config) {
        if (Json.object(config, "audio_config") != null) {
            return true;
        }
        String type = modelTypeOf(config);
        if (type != null && AUDIO_MODEL_TOKENS.stream().anyMatch(type::contains)) {
            return true;
        }
        JsonNode pre = Json.readObject(dir.resolve("preprocessor_config.json")).orElse(null);
        String extractor = Json.text(pre, "feature_extractor_type");
        return extractor != null && extractor.toLowerCase(Locale.ROOT).contains("whisper");
    }

    /** Context length from {@code max_position_embeddings} or its aliases, top level first, then {@code text_config}. */
    static Integer contextLength(JsonNode config) {
        if (config == null) {
            return null;
        }
        for (JsonNode node : new JsonNode[]{config, Json.object(config, "text_config")}) {
            if (node == null) {
                continue;
            }
            for (String key : List.of("max_position_embeddings", "n_positions", "context_length", "max_sequence_length", "seq_len")) {
                JsonNode v = node.get(key);
                if (v != null && v.canConvertToInt() && v.asInt() > 0) {
                    return v.asInt();
                }
            }
        }
        return null;
    }

    private static boolean truthy(JsonNode n) {
        return !(n.isNull() || (n.isBoolean() && !n.asBoolean()) || (n.isContainerNode() && n.isEmpty())
                || (n.isTextual() && n.asText().isEmpty()) || (n.isNumber() && n.asDouble() == 0));
    }

    private static boolean anyProcessorFile(Path dir) {
        List<String> names = List.of("preprocessor_config.json", "processor_config.json", "image_processor_config.json");
        for (String n : names) {
            if (Files.exists(dir.resolve(n))) {
                return true;
            }
        }
        try (var walk = Files.walk(dir, 4)) {
            return walk.filter(p -> names.contains(p.getFileName().toString())).anyMatch(p -> !hasDotDir(dir, p));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static boolean hasDotDir(Path root, Path p) {
        Path rel = root.relativize(p);
        for (int i = 0; i < rel.getNameCount() - 1; i++) {
            if (rel.getName(i).toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    /** README front matter: {@code library_name: mlx} or an {@code mlx} tag. */
    static boolean readmeSaysMlx(Path readme) {
        if (!Files.isRegularFile(readme)) {
            return false;
        }
        try (BufferedReader r = Files.newBufferedReader(readme, StandardCharsets.UTF_8)) {
            String line = r.readLine();
            if (line == null || !line.strip().equals("---")) {
                return false;
            }
            boolean inTags = false;
            int lines = 0;
            while ((line = r.readLine()) != null && lines++ < 500) {
                String s = line.strip();
                if (s.equals("---")) {
                    return false;
                }
                String lower = s.toLowerCase(Locale.ROOT);
                if (lower.startsWith("library_name:")) {
                    String v = lower.substring("library_name:".length()).strip().replaceAll("^[\"']|[\"']$", "");
                    if (v.equals("mlx")) {
                        return true;
                    }
                }
                if (lower.startsWith("tags:")) {
                    String inline = lower.substring(5).strip();
                    if (inline.startsWith("[")) {
                        for (String t : inline.replaceAll("[\\[\\]]", "").split(",")) {
                            if (t.strip().replaceAll("^[\"']|[\"']$", "").equals("mlx")) {
                                return true;
                            }
                        }
                        inTags = false;
                    } else {
                        inTags = true;
                    }
                    continue;
                }
                if (inTags) {
                    if (lower.startsWith("- ")) {
                        if (lower.substring(2).strip().replaceAll("^[\"']|[\"']$", "").equals("mlx")) {
                            return true;
                        }
                    } else if (!s.isEmpty()) {
                        inTags = false;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
        return false;
    }
}
