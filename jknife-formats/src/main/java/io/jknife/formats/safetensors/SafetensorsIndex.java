package io.jknife.formats.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.jknife.formats.FormatException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeSet;

import static io.jknife.formats.FormatException.clip;

/**
 * A sharded checkpoint's {@code model.safetensors.index.json}: {@code weight_map} maps each tensor
 * name to the shard file holding it; {@code metadata.total_size} (optional) is the sum of the
 * tensors' byte sizes.
 *
 * @param path      the index file
 * @param totalSize {@code metadata.total_size} when present
 * @param weightMap tensor name to shard file name, in file order
 */
public record SafetensorsIndex(Path path, OptionalLong totalSize, Map<String, String> weightMap) {
    /** Largest index file read; real ones are well under a few MiB. */
    public static final long MAX_INDEX_SIZE = 64L * 1024 * 1024;

    public SafetensorsIndex {
        weightMap = Collections.unmodifiableMap(new LinkedHashMap<>(weightMap));
    }

    /**
     * Reads and validates an index: a JSON object whose {@code weight_map} is a non-empty object of
     * strings naming files relative to the index's directory (no absolute paths, no {@code ..}).
     */
    public static SafetensorsIndex read(Path path) throws IOException {
        long size = Files.size(path);
        if (size > MAX_INDEX_SIZE) {
            throw new FormatException("safetensors index is " + size + " bytes, over the " + MAX_INDEX_SIZE + "-byte limit");
        }
        return parse(path, Files.readAllBytes(path));
    }

    /** Parses index JSON already in memory; {@code path} is only recorded. */
    public static SafetensorsIndex parse(Path path, byte[] json) throws FormatException {
        Long total = null;
        Map<String, String> weights = null;
        try (JsonParser p = SafetensorsReader.JSON.createParser(json)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                throw new FormatException("safetensors index is empty");
            }
            if (first != JsonToken.START_OBJECT) {
                throw new FormatException("safetensors index is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                p.nextToken();
                switch (key) {
                    case "metadata" -> total = readMetadata(p);
                    case "weight_map" -> weights = readWeightMap(p);
                    default -> p.skipChildren();
                }
            }
            if (p.nextToken() != null) {
                throw new FormatException("safetensors index has data after the JSON object");
            }
        } catch (FormatException e) {
            throw e;
        } catch (IOException e) {
            throw SafetensorsReader.invalidJson("safetensors index", e);
        }
        if (weights == null) {
            throw new FormatException("safetensors index has no weight_map");
        }
        if (weights.isEmpty()) {
            throw new FormatException("safetensors index weight_map is empty");
        }
        return new SafetensorsIndex(path, total == null ? OptionalLong.empty() : OptionalLong.of(total), weights);
    }

    /** The distinct shard file names, sorted. */
    public List<String> shardFiles() {
        return List.copyOf(new TreeSet<>(weightMap.values()));
    }

    /** Tensor names stored in {@code shard}, in index order. */
    public List<String> tensorsIn(String shard) {
        List<String> out = new ArrayList<>();
        weightMap.forEach((name, file) -> {
            if (file.equals(shard)) {
                out.add(name);
            }
        });
        return out;
    }

    private static Long readMetadata(JsonParser p) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new FormatException("safetensors index metadata is not a JSON object");
        }
        Long total = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            JsonToken v = p.nextToken();
            if (key.equals("total_size") && v != JsonToken.VALUE_NULL) {
                // Some exporters write the size as a float ("1.2e9") or a string; accept whole numbers only.
                long value = switch (v) {
                    case VALUE_NUMBER_INT -> p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? -1 : p.getLongValue();
                    case VALUE_NUMBER_FLOAT -> {
                        double d = p.getDoubleValue();
                        yield d >= 0 && d < 9.0e18 && d == Math.rint(d) ? (long) d : -1;
                    }
                    default -> -1;
                };
                if (value < 0) {
                    throw new FormatException("safetensors index metadata.total_size " + clip(p.getText())
                            + " is not a non-negative integer");
                }
                total = value;
            } else {
                p.skipChildren();
            }
        }
        return total;
    }

    private static Map<String, String> readWeightMap(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new FormatException("safetensors index weight_map is not a JSON object");
        }
        Map<String, String> out = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String tensor = p.currentName();
            if (p.nextToken() != JsonToken.VALUE_STRING) {
                throw new FormatException("safetensors index weight_map entry " + clip(tensor) + " is not a file name");
            }
            String file = p.getText();
            if (!isSafeRelativeName(file)) {
                throw new FormatException("safetensors index weight_map entry " + clip(tensor)
                        + " names an unsafe file " + clip(file));
            }
            out.put(tensor, file);
        }
        return out;
    }

    /** A relative file name that stays inside the index's directory. */
    static boolean isSafeRelativeName(String file) {
        if (file.isEmpty() || file.startsWith("/") || file.indexOf('\\') >= 0 || file.indexOf('\0') >= 0
                || (file.length() > 1 && file.charAt(1) == ':')) {
            return false;
        }
        for (String part : file.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                return false;
            }
        }
        return true;
    }
}
