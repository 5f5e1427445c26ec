package io.jknife.store.probe;

import io.jknife.store.json.Json;
import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Probes one model: a GGUF variant, a whisper.cpp variant, or a Hugging Face weights directory.
 * Reads metadata and headers only. Never throws for a broken model: that is an unhealthy probe.
 */
public final class ModelProber {
    private ModelProber() {
    }

    /**
     * @param files            the scanned model directory
     * @param variant          the GGUF or whisper.cpp model file to probe, or null for the directory's Hugging Face weights
     * @param name             the name used by name heuristics (a repository id or a directory basename, never a path)
     * @param incompleteBlobs  {@code .incomplete} blobs of the repository (an interrupted or running download)
     */
    public static ModelProbe probe(ModelFiles files, ModelFiles.Variant variant, String name, List<String> incompleteBlobs) {
        ModelProbe probe;
        if (variant != null && files.ggufVariants().containsValue(variant)) {
            probe = GgufProber.probe(files, variant);
        } else if (variant != null) {
            probe = WhisperProber.probe(files, variant, name);
        } else {
            probe = probeHf(files, name);
        }
        if (probe.healthy() && !incompleteBlobs.isEmpty()) {
            return probe.withHealth(HealthResult.bad("Incomplete download: blobs/" + String.join(", blobs/", incompleteBlobs)));
        }
        return probe;
    }

    private static ModelProbe probeHf(ModelFiles files, String name) {
        Path dir = files.dir();
        JsonNode config = Json.readObject(dir.resolve("config.json")).orElse(null);
        JsonNode quantBlock = Json.object(config, "quantization");
        HfWeights weights = HfWeights.read(files.safetensors(), MlxQuantization.of(config));
        boolean mlxMetadata = weights.mlxMetadata();
        Framework framework = HfDetection.framework(dir, config, files, mlxMetadata);
        ModelProbe.Embedder embedder = HfDetection.embedder(config, name);
        boolean chatTemplate = HfDetection.hasChatTemplate(dir);
        ModelType type = HfDetection.modelType(config, name, chatTemplate, embedder);
        boolean vision = HfDetection.vision(dir, config);
        boolean audio = HfDetection.audio(dir, config);
        List<Capability> caps = HfDetection.capabilities(type, config, name, chatTemplate, vision, audio);
        HealthResult health = HfHealth.check(files, config, vision && type != ModelType.AUDIO);

        String quantization = null;
        if (quantBlock != null) {
            quantization = quantBlock.path("bits").asText("?") + "-bit (group_size=" + quantBlock.path("group_size").asText("?") + ")";
        } else if (config != null && config.path("quantization_config").path("bits").canConvertToInt()) {
            quantization = config.path("quantization_config").path("bits").asInt() + "bit";
        } else if (config != null && Json.text(config, "torch_dtype") != null) {
            quantization = Json.text(config, "torch_dtype");
        }
        ModelFormat format = !files.safetensors().isEmpty() ? ModelFormat.SAFETENSORS
                : !files.pytorchBins().isEmpty() ? ModelFormat.PYTORCH_BIN : ModelFormat.NONE;
        List<Path> weightFiles = new ArrayList<>(files.allFiles());
        return new ModelProbe(format, framework, HfDetection.modelTypeOf(config), type, List.copyOf(caps),
                HfDetection.contextLength(config), weights.parameterCount(), quantization, quantBlock,
                health.healthy(), health.reason(), List.of(), null, embedder, config, hfMetadata(config, format, weights),
                List.copyOf(weightFiles));
    }

    /**
     * The {@code show} metadata of a Hugging Face model, keys in the original's order, then what
     * the routing policy compares with the engines' declarations: the weights' on-disk format and,
     * for safetensors, their tensor types (as GGUF probes list them).
     */
    private static Map<String, Object> hfMetadata(JsonNode config, ModelFormat format, HfWeights weights) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (config != null) {
            configMetadata(config, m);
        }
        if (format != ModelFormat.NONE) {
            m.put("weights_format", format.label());
        }
        if (format == ModelFormat.SAFETENSORS) {
            m.put("tensor_types", weights.tensorTypes());
        }
        return m;
    }

    private static void configMetadata(JsonNode config, Map<String, Object> m) {
        JsonNode text = Json.object(config, "text_config");
        putIfPresent(m, "model_type", config.get("model_type"));
        JsonNode archs = config.get("architectures");
        if (archs != null && archs.isArray() && !archs.isEmpty()) {
            m.put("architecture", archs.get(0).asText());
        }
        JsonNode qc = config.path("quantization_config").path("bits");
        if (qc.canConvertToInt()) {
            m.put("quantization", qc.asInt() + "bit");
        }
        Integer ctx = HfDetection.contextLength(config);
        if (ctx != null) {
            m.put("context_length", ctx);
        }
        for (String key : List.of("vocab_size", "hidden_size", "num_attention_heads", "num_hidden_layers")) {
            JsonNode v = config.get(key);
            if ((v == null || v.isNull()) && text != null) {
                v = text.get(key);
            }
            putIfPresent(m, key, v);
        }
    }

    private static void putIfPresent(Map<String, Object> m, String key, JsonNode v) {
        if (v != null && !v.isNull()) {
            m.put(key, v.isNumber() ? v.numberValue() : v.isTextual() ? v.asText() : v);
        }
    }
}
