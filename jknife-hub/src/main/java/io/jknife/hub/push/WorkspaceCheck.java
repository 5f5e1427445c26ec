package io.jknife.hub.push;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code push --check-only}: what would be uploaded, judged locally before anything leaves the
 * machine: the config, the weights (formats, the shard index, complete shard patterns) and the
 * anomalies that make a published model unusable (Git LFS pointers instead of data, empty weights,
 * missing shards, leftovers of interrupted downloads).
 */
public final class WorkspaceCheck {
    /** The weight files a model repository is judged by. */
    private static final Pattern SHARD = Pattern.compile("(.*)-(\\d{5})-of-(\\d{5})\\.(safetensors|gguf|bin)");
    private static final Set<String> PARTIAL_SUFFIXES = Set.of(".incomplete", ".part", ".partial", ".download", ".tmp");
    private static final byte[] LFS_POINTER = "version https://git-lfs.github.com/spec/v1".getBytes(StandardCharsets.US_ASCII);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One finding; {@code path} or {@code missing} say where. */
    public record Anomaly(String severity, String code, String message, String path, List<String> missing) {
        static Anomaly error(String code, String message) {
            return new Anomaly("error", code, message, null, null);
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("severity", severity);
            m.put("code", code);
            m.put("message", message);
            if (path != null) {
                m.put("path", path);
            }
            if (missing != null) {
                m.put("missing", missing);
            }
            return m;
        }
    }

    private WorkspaceCheck() {
    }

    /** The {@code workspace_health} object of push's JSON output for the files push would upload. */
    public static Map<String, Object> check(Path dir, LocalFiles files) throws IOException {
        List<Anomaly> anomalies = new ArrayList<>();
        Map<String, Object> config = config(dir, anomalies);
        List<LocalFile> weights = files.uploads().stream().filter(f -> isWeight(f.path())).toList();
        boolean usableWeight = false;
        TreeSet<String> formats = new TreeSet<>();
        for (LocalFile w : weights) {
            formats.add(suffix(w.path()));
            if (w.size() == 0) {
                anomalies.add(new Anomaly("error", "empty_weight_file", "Weight file is empty: " + w.path(), w.path(), null));
            } else if (isLfsPointer(w)) {
                anomalies.add(new Anomaly("error", "lfs_pointer_detected",
                        "Git LFS pointer instead of the weights (run 'git lfs pull'): " + w.path(), w.path(), null));
            } else {
                usableWeight = true;
            }
        }
        if (weights.isEmpty()) {
            anomalies.add(Anomaly.error("no_weights_found", "No weight files (*.safetensors, *.gguf, pytorch_model.bin) found"));
        }
        for (LocalFile f : files.uploads()) {
            if (PARTIAL_SUFFIXES.contains(suffix(f.path()))) {
                anomalies.add(new Anomaly("warn", "partial_marker", "Leftover of an interrupted download: " + f.path(), f.path(), null));
            }
        }
        Map<String, Object> weightInfo = new LinkedHashMap<>();
        weightInfo.put("count", weights.size());
        weightInfo.put("formats", List.copyOf(formats));
        weightInfo.put("index", index(dir, files, anomalies));
        weightInfo.put("pattern_complete", patternComplete(weights));

        Map<String, Object> health = new LinkedHashMap<>();
        health.put("files_count", files.uploads().size());
        health.put("total_bytes", files.totalBytes());
        health.put("config", config);
        health.put("weights", weightInfo);
        health.put("anomalies", anomalies.stream().map(Anomaly::toMap).toList());
        health.put("healthy", Boolean.TRUE.equals(config.get("valid_json")) && usableWeight
                && anomalies.stream().noneMatch(a -> a.severity().equals("error")));
        return health;
    }

    private static Map<String, Object> config(Path dir, List<Anomaly> anomalies) {
        Path file = dir.resolve("config.json");
        Map<String, Object> m = new LinkedHashMap<>();
        boolean exists = Files.isRegularFile(file);
        boolean valid = false;
        if (!exists) {
            anomalies.add(Anomaly.error("config_missing", "config.json is missing"));
        } else {
            try {
                valid = JSON.readTree(file.toFile()) instanceof com.fasterxml.jackson.databind.node.ObjectNode;
            } catch (IOException e) {
                valid = false;
            }
            if (!valid) {
                anomalies.add(new Anomaly("error", "config_invalid_json", "config.json is not a valid JSON object", "config.json", null));
            }
        }
        m.put("exists", exists);
        m.put("valid_json", valid);
        m.put("path", file.toString());
        return m;
    }

    /** The safetensors shard index: present, parseable, and naming only files that are there. */
    private static Map<String, Object> index(Path dir, LocalFiles files, List<Anomaly> anomalies) {
        Map<String, Object> m = new LinkedHashMap<>();
        String name = files.uploads().stream().map(LocalFile::path)
                .filter(p -> p.endsWith(".safetensors.index.json") || p.endsWith(".bin.index.json")).findFirst().orElse(null);
        m.put("has_index", name != null);
        List<String> missing = new ArrayList<>();
        if (name != null) {
            try {
                JsonNode map = JSON.readTree(dir.resolve(name).toFile()).path("weight_map");
                if (!map.isObject()) {
                    throw new IOException("no weight_map object");
                }
                Set<String> present = new TreeSet<>(files.uploads().stream().map(LocalFile::path).toList());
                String base = name.contains("/") ? name.substring(0, name.lastIndexOf('/') + 1) : "";
                TreeSet<String> shards = new TreeSet<>();
                for (Iterator<JsonNode> it = map.elements(); it.hasNext(); ) {
                    shards.add(it.next().asText());
                }
                for (String shard : shards) {
                    if (!present.contains(base + shard)) {
                        missing.add(shard);
                    }
                }
                if (!missing.isEmpty()) {
                    anomalies.add(new Anomaly("error", "index_missing_shard", "The index names shards that are missing: "
                            + String.join(", ", missing), null, List.copyOf(missing)));
                }
            } catch (IOException e) {
                m.put("parse_error", e.getMessage());
                anomalies.add(new Anomaly("error", "index_parse_error", "Cannot read " + name + ": " + e.getMessage(), name, null));
            }
        }
        m.put("missing", missing);
        return m;
    }

    /** True when every {@code name-0000i-of-0000N} series has all its N parts. */
    private static boolean patternComplete(List<LocalFile> weights) {
        Map<String, Set<Integer>> seen = new LinkedHashMap<>();
        Map<String, Integer> totals = new LinkedHashMap<>();
        for (LocalFile w : weights) {
            Matcher m = SHARD.matcher(w.path());
            if (m.matches()) {
                String series = m.group(1) + "|" + m.group(3) + "|" + m.group(4);
                seen.computeIfAbsent(series, k -> new TreeSet<>()).add(Integer.parseInt(m.group(2)));
                totals.put(series, Integer.parseInt(m.group(3)));
            }
        }
        return seen.entrySet().stream().allMatch(e -> e.getValue().size() == totals.get(e.getKey()));
    }

    private static boolean isWeight(String path) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        return name.endsWith(".gguf") || name.endsWith(".safetensors") || name.equals("pytorch_model.bin");
    }

    private static String suffix(String path) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        int dot = name.lastIndexOf('.');
        return dot <= 0 ? "" : name.substring(dot);
    }

    private static boolean isLfsPointer(LocalFile f) throws IOException {
        if (f.size() > 1024) {
            return false;
        }
        try (InputStream in = Files.newInputStream(f.file())) {
            byte[] head = in.readNBytes(LFS_POINTER.length);
            return java.util.Arrays.equals(head, LFS_POINTER);
        }
    }
}
