package io.jknife.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds a Hugging Face model directory's chat template and special tokens.
 *
 * <p>Search order, first non-blank wins (transformers' own precedence):
 * <ol>
 *   <li>{@code chat_template.jinja}: the template as a file;</li>
 *   <li>{@code chat_template.json}: its {@code chat_template} key;</li>
 *   <li>{@code tokenizer_config.json}: its {@code chat_template} key;</li>
 *   <li>{@code tokenizer.json}: its {@code chat_template} key (rare; the file is only parsed when
 *       the bytes {@code "chat_template"} occur in it, so large tokenizers stay cheap).</li>
 * </ol>
 * A {@code chat_template} value is either the template string or a list of named templates
 * {@code [{"name": "default", "template": "..."}, {"name": "tool_use", ...}]}; of a list the
 * {@code default} entry is used, or the one asked for by name.
 *
 * <p>GGUF files carry the template in their {@code tokenizer.chat_template} metadata; pass that
 * string to {@link ChatTemplate#of(String)} directly.
 */
public final class ChatTemplates {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] KEY = "\"chat_template\"".getBytes(StandardCharsets.US_ASCII);

    private ChatTemplates() {
    }

    /** The BOS and EOS strings a model's tokenizer declares; either may be null. */
    public record SpecialTokens(String bos, String eos) {
    }

    /**
     * The default chat template of the model in {@code dir}, or empty when it has none.
     *
     * @throws UncheckedIOException when a file exists but cannot be read or is not valid JSON
     */
    public static Optional<String> fromModelDir(Path dir) {
        return fromModelDir(dir, "default");
    }

    /**
     * The chat template of the given name ({@code default}, {@code tool_use}, {@code rag}, ...)
     * of the model in {@code dir}. A plain string template counts as {@code default}.
     */
    public static Optional<String> fromModelDir(Path dir, String name) {
        Path jinja = dir.resolve("chat_template.jinja");
        if ("default".equals(name) && Files.isRegularFile(jinja)) {
            String t = read(jinja);
            if (!t.isBlank()) {
                return Optional.of(t);
            }
        }
        for (String file : new String[] {"chat_template.json", "tokenizer_config.json", "tokenizer.json"}) {
            Optional<String> t = fromJsonFile(dir.resolve(file), name);
            if (t.isPresent()) {
                return t;
            }
        }
        return Optional.empty();
    }

    /**
     * The template held by a {@code chat_template} JSON value: a string, or the named entry of a
     * list of {@code {name, template}}.
     */
    static Optional<String> fromJsonValue(JsonNode value, String name) {
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (value.isTextual()) {
            return "default".equals(name) ? nonBlank(value.asText()) : Optional.empty();
        }
        if (value.isArray()) {
            for (JsonNode entry : value) {
                if (name.equals(entry.path("name").asText(null)) && entry.path("template").isTextual()) {
                    return nonBlank(entry.path("template").asText());
                }
            }
        }
        return Optional.empty();
    }

    /** The BOS/EOS strings of {@code tokenizer_config.json} (a string or an {@code AddedToken} object). */
    public static SpecialTokens specialTokens(Path dir) {
        Path config = dir.resolve("tokenizer_config.json");
        if (!Files.isRegularFile(config)) {
            return new SpecialTokens(null, null);
        }
        JsonNode root = parse(config, read(config).getBytes(StandardCharsets.UTF_8));
        return new SpecialTokens(token(root.get("bos_token")), token(root.get("eos_token")));
    }

    private static String token(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return node.asText();
        }
        JsonNode content = node.get("content");
        return content != null && content.isTextual() ? content.asText() : null;
    }

    private static Optional<String> fromJsonFile(Path file, String name) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        if (!contains(bytes, KEY)) {
            return Optional.empty();
        }
        return fromJsonValue(parse(file, bytes).get("chat_template"), name);
    }

    private static JsonNode parse(Path file, byte[] bytes) {
        try {
            JsonNode root = JSON.readTree(bytes);
            return root == null ? JSON.createObjectNode() : root;
        } catch (IOException e) {
            throw new UncheckedIOException("not valid JSON: " + file, e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static Optional<String> nonBlank(String s) {
        return s == null || s.isBlank() ? Optional.empty() : Optional.of(s);
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
