package io.jknife.bench.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * JSON Lines as the benchmark tools use them: a strict writer (never {@code NaN} or
 * {@code Infinity}: callers pass such values through {@link Num}) and a lenient reader that also
 * accepts the bare {@code Infinity}/{@code NaN} tokens Python's json module wrote into old reports.
 */
public final class Jsonl {
    /** Strict: what we write. */
    public static final ObjectMapper MAPPER = new ObjectMapper();
    /** Lenient: what we read (legacy files may hold {@code Infinity}). */
    public static final ObjectMapper LENIENT = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    private Jsonl() {
    }

    /** One physical line of a JSONL file: its 1-based number, and the object or why it is not one. */
    public record Line(int number, String text, JsonNode node, String error) {
        public boolean ok() {
            return error == null;
        }

        /** True when the line used a non-standard token ({@code NaN}, {@code Infinity}). */
        public boolean nonFinite() {
            return ok() && containsNonFinite(node);
        }
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** The node as one compact line, without the newline. */
    public static String line(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every non-blank line of the file; blank lines are skipped but keep their numbers. */
    public static List<Line> read(Path file) throws IOException {
        List<Line> out = new ArrayList<>();
        int n = 0;
        for (String text : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            n++;
            if (text.isBlank()) {
                continue;
            }
            out.add(parse(n, text));
        }
        return out;
    }

    public static Line parse(int number, String text) {
        try {
            JsonNode node = LENIENT.readTree(text);
            if (node == null || !node.isObject()) {
                return new Line(number, text, null, "not a JSON object");
            }
            return new Line(number, text, node, null);
        } catch (JsonProcessingException e) {
            return new Line(number, text, null, "Invalid JSON: " + e.getOriginalMessage());
        }
    }

    private static boolean containsNonFinite(JsonNode node) {
        if (node.isDouble() || node.isFloat()) {
            return !Double.isFinite(node.doubleValue());
        }
        for (JsonNode child : node) {
            if (containsNonFinite(child)) {
                return true;
            }
        }
        return false;
    }
}
