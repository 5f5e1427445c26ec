package io.jknife.store.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Small JSON-file helpers for probing: a missing or broken file is "absent", never an exception. */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    /** The parsed file; empty when missing, unreadable or not JSON. */
    public static Optional<JsonNode> read(Path file) {
        try {
            return Optional.of(MAPPER.readTree(file.toFile()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The parsed file when it is a JSON object. */
    public static Optional<JsonNode> readObject(Path file) {
        return read(file).filter(JsonNode::isObject);
    }

    /** A non-blank text field, or null. */
    public static String text(JsonNode node, String field) {
        if (node == null) {
            return null;
        }
        JsonNode v = node.get(field);
        return v != null && v.isTextual() && !v.asText().isBlank() ? v.asText() : null;
    }

    /** A non-empty object field, or null. */
    public static JsonNode object(JsonNode node, String field) {
        if (node == null) {
            return null;
        }
        JsonNode v = node.get(field);
        return v != null && v.isObject() && !v.isEmpty() ? v : null;
    }

    /** A chat template string in a tokenizer file; big files without the key are never parsed. */
    public static Optional<String> chatTemplate(Path file) {
        try {
            if (!Files.isRegularFile(file)) {
                return Optional.empty();
            }
            byte[] bytes = Files.readAllBytes(file);
            if (!new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1).contains("\"chat_template\"")) {
                return Optional.empty();
            }
            JsonNode node = MAPPER.readTree(bytes);
            return Optional.ofNullable(text(node, "chat_template"));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
