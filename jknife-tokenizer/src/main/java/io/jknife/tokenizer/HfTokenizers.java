package io.jknife.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jknife.formats.FormatException;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * A Hugging Face model directory's tokenizer: {@code tokenizer.json} run by DJL's binding of the
 * {@code tokenizers} library (the reference implementation; its native library comes inside the
 * DJL jar and is extracted to DJL's cache, {@code ~/.djl.ai} or {@code DJL_CACHE_DIR}; nothing is
 * downloaded), special tokens from {@code tokenizer_config.json} and {@code generation_config.json}.
 */
public final class HfTokenizers {
    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        // the CPU build inside the DJL jar; where CUDA is found DJL would otherwise download a GPU build
        if (System.getenv("RUST_FLAVOR") == null && System.getProperty("RUST_FLAVOR") == null) {
            System.setProperty("RUST_FLAVOR", "cpu");
        }
    }

    private HfTokenizers() {
    }

    /**
     * The tokenizer of {@code modelDir}.
     *
     * @throws FormatException when {@code tokenizer.json} is missing or unreadable, or the
     *                         tokenizers library rejects it
     */
    public static HfTokenizer from(Path modelDir) throws FormatException {
        Path file = modelDir.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw new FormatException("no tokenizer.json in " + modelDir);
        }
        JsonNode root = read(file, true);
        JsonNode config = read(modelDir.resolve("tokenizer_config.json"), false);
        JsonNode generation = read(modelDir.resolve("generation_config.json"), false);
        if (!root.isObject() || !root.path("model").isObject()) {
            throw new FormatException("tokenizer.json in " + modelDir + " has no model");
        }
        HfVocabulary vocab = HfVocabulary.of((ObjectNode) root);

        int bos = tokenId(vocab, config.path("bos_token"));
        if (bos < 0) {
            bos = firstInt(generation.path("bos_token_id"));
        }
        int eos = tokenId(vocab, config.path("eos_token"));
        Set<Integer> eog = new LinkedHashSet<>();
        if (eos >= 0) {
            eog.add(eos);
        }
        JsonNode genEos = generation.path("eos_token_id");
        for (JsonNode n : genEos.isArray() ? genEos : JSON.createArrayNode().add(genEos)) {
            if (n.canConvertToInt() && n.asInt() >= 0 && n.asInt() < vocab.size()) {
                eog.add(n.asInt());
            }
        }
        if (eos < 0 && !eog.isEmpty()) {
            eos = eog.iterator().next();
        }
        HuggingFaceTokenizer djl = load(root, modelDir);
        return new HfTokenizer(djl, () -> load(withoutSpecialAddedTokens((ObjectNode) root), modelDir), vocab,
                bos, eos, eog);
    }

    /** The same tokenizer.json with the special added tokens dropped: they are then plain text. */
    static ObjectNode withoutSpecialAddedTokens(ObjectNode root) {
        ObjectNode copy = root.deepCopy();
        ArrayNode kept = JSON.createArrayNode();
        for (JsonNode t : copy.path("added_tokens")) {
            if (!t.path("special").asBoolean(false)) {
                kept.add(t);
            }
        }
        copy.set("added_tokens", kept);
        return copy;
    }

    private static HuggingFaceTokenizer load(JsonNode root, Path modelDir) throws FormatException {
        Map<String, String> options = new HashMap<>();
        // no truncation or padding: the caller decides about lengths
        options.put("truncation", "false");
        options.put("padding", "false");
        options.put("maxLength", "-1");
        try {
            byte[] json = JSON.writeValueAsBytes(root);
            return HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json), options);
        } catch (IOException | RuntimeException e) {
            throw new FormatException("tokenizer.json in " + modelDir + " was rejected by the tokenizers library: "
                    + e.getMessage(), e);
        }
    }

    private static JsonNode read(Path file, boolean required) throws FormatException {
        if (!Files.isRegularFile(file)) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            if (!required) {
                // a broken optional config only loses its special-token hints
                return JSON.createObjectNode();
            }
            throw new FormatException(file.getFileName() + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    /** The id of a special token given as a string or {@code {"content": ...}}, or -1. */
    private static int tokenId(HfVocabulary vocab, JsonNode token) {
        String content = token.isTextual() ? token.asText() : token.path("content").asText(null);
        return content == null ? -1 : vocab.id(content);
    }

    private static int firstInt(JsonNode n) {
        JsonNode v = n.isArray() && !n.isEmpty() ? n.get(0) : n;
        return v.canConvertToInt() ? v.asInt() : -1;
    }
}
