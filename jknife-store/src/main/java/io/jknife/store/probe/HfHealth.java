package io.jknife.store.probe;

import io.jknife.store.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import io.jknife.formats.FormatException;
import io.jknife.formats.safetensors.SafetensorsIndex;
import io.jknife.formats.safetensors.SafetensorsReader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Integrity of a Hugging Face model directory (config.json + safetensors or .bin weights), in the
 * original's rule order so the first failing rule gives the reason (reference cli.md §4.4), plus
 * what the original missed: broken symlinks and safetensors headers that point past the end of
 * their file (truncated downloads).
 */
final class HfHealth {
    private static final Pattern SHARD = Pattern.compile("model-(\\d{5})-of-(\\d{5})\\.safetensors");

    private HfHealth() {
    }

    static HealthResult check(ModelFiles files, JsonNode config, boolean vision) {
        Path dir = files.dir();
        if (!Files.isDirectory(dir)) {
            return HealthResult.bad("Model path does not exist");
        }
        if (!files.brokenLinks().isEmpty()) {
            return HealthResult.bad("Broken symlinks (blob missing): " + FileChecks.joinRelative(dir, files.brokenLinks()));
        }
        Path configFile = dir.resolve("config.json");
        if (!Files.exists(configFile)) {
            return HealthResult.bad("config.json missing");
        }
        JsonNode parsed = Json.read(configFile).orElse(null);
        if (parsed == null) {
            return HealthResult.bad("config.json contains invalid JSON");
        }
        if (!parsed.isObject() || parsed.isEmpty()) {
            return HealthResult.bad("config.json is empty or invalid");
        }
        Path stIndex = dir.resolve("model.safetensors.index.json");
        Path binIndex = dir.resolve("pytorch_model.bin.index.json");
        if (Files.exists(stIndex) && !files.safetensors().isEmpty()) {
            return indexBranch(files, stIndex, vision);
        }
        if (Files.exists(binIndex) && !files.pytorchBins().isEmpty()) {
            return indexBranch(files, binIndex, vision);
        }
        return noIndexBranch(files, vision);
    }

    private static HealthResult indexBranch(ModelFiles files, Path indexFile, boolean vision) {
        Path dir = files.dir();
        List<String> referenced;
        try {
            referenced = SafetensorsIndex.read(indexFile).shardFiles();
        } catch (FormatException e) {
            return HealthResult.bad(e.getMessage().toLowerCase(Locale.ROOT).contains("weight_map")
                    ? "Empty or invalid weight_map in index" : "Invalid index file");
        } catch (IOException e) {
            return HealthResult.bad("Invalid index file");
        }
        if (referenced.isEmpty()) {
            return HealthResult.bad("Empty or invalid weight_map in index");
        }
        List<String> missing = new ArrayList<>();
        List<String> empty = new ArrayList<>();
        List<String> pointers = new ArrayList<>();
        for (String name : referenced) {
            Path f = dir.resolve(name);
            if (!Files.isRegularFile(f)) {
                missing.add(name);
            } else if (FileChecks.size(f) == 0) {
                empty.add(name);
            } else if (FileChecks.isLfsPointer(f)) {
                pointers.add(name);
            }
        }
        if (!missing.isEmpty()) {
            boolean topLevelShards = files.safetensors().stream().anyMatch(p -> p.getParent().equals(dir));
            if (topLevelShards) {
                Set<String> actual = new TreeSet<>();
                files.safetensors().forEach(p -> actual.add(p.getFileName().toString()));
                return HealthResult.bad("Index/shard mismatch (mlx-vlm #624). Index references " + referenced.size()
                        + " shards but found " + actual.size() + " different files. Missing: " + String.join(", ", missing)
                        + ". Fix: jknife convert <model> <output> --repair-index");
            }
            return HealthResult.bad("Missing weight shards: " + String.join(", ", missing));
        }
        if (!empty.isEmpty()) {
            return HealthResult.bad("Empty weight shards: " + String.join(", ", empty));
        }
        if (!pointers.isEmpty()) {
            return HealthResult.bad("LFS pointers instead of files: " + String.join(", ", pointers));
        }
        HealthResult headers = safetensorsHeaders(files);
        if (!headers.healthy()) {
            return headers;
        }
        HealthResult aux = auxiliary(dir, vision);
        return aux != null ? aux : HealthResult.ok("Multi-file model complete");
    }

    private static HealthResult noIndexBranch(ModelFiles files, boolean vision) {
        Path dir = files.dir();
        List<Path> weights = new ArrayList<>();
        for (Path p : files.allFiles()) {
            String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
            if (p.getParent().equals(dir) && (n.endsWith(".safetensors") || n.endsWith(".bin") || n.endsWith(".gguf"))) {
                weights.add(p);
            }
        }
        if (weights.isEmpty()) {
            for (Path p : files.allFiles()) {
                String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                if (n.endsWith(".safetensors") || n.endsWith(".bin") || n.endsWith(".gguf")) {
                    weights.add(p);
                }
            }
        }
        // Sharded-by-name safetensors: one shared total, every index present, none empty.
        Set<Integer> totals = new TreeSet<>();
        Set<Integer> present = new TreeSet<>();
        List<String> emptyShards = new ArrayList<>();
        for (Path p : weights) {
            Matcher m = SHARD.matcher(p.getFileName().toString());
            if (m.matches()) {
                totals.add(Integer.parseInt(m.group(2)));
                present.add(Integer.parseInt(m.group(1)));
                if (FileChecks.size(p) == 0) {
                    emptyShards.add(p.getFileName().toString());
                }
            }
        }
        if (totals.size() > 1) {
            return HealthResult.bad("Inconsistent shard totals detected");
        }
        if (totals.size() == 1) {
            int total = totals.iterator().next();
            long inRange = present.stream().filter(i -> i >= 1 && i <= total).count();
            if (inRange != total) {
                return HealthResult.bad("Missing shards by pattern: " + inRange + "/" + total + " present");
            }
            if (!emptyShards.isEmpty()) {
                return HealthResult.bad("Empty shards: " + String.join(", ", emptyShards));
            }
        }
        if (weights.isEmpty()) {
            return HealthResult.bad("No model weights found");
        }
        for (Path p : files.allFiles()) {
            String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
            if (n.endsWith(".partial") || n.endsWith(".tmp") || n.contains("partial")) {
                return HealthResult.bad("Partial download marker detected");
            }
        }
        List<Path> empty = weights.stream().filter(p -> FileChecks.size(p) == 0).toList();
        if (!empty.isEmpty()) {
            return HealthResult.bad("Empty weight files: " + FileChecks.joinRelative(dir, empty));
        }
        if (totals.size() == 1) {
            return HealthResult.bad("Safetensors index missing for sharded model");
        }
        List<Path> pointers = files.allFiles().stream().filter(FileChecks::isLfsPointer).toList();
        if (!pointers.isEmpty()) {
            return HealthResult.bad("LFS pointers instead of files: " + FileChecks.joinRelative(dir, pointers));
        }
        HealthResult headers = safetensorsHeaders(files);
        if (!headers.healthy()) {
            return headers;
        }
        HealthResult aux = auxiliary(dir, vision);
        return aux != null ? aux : HealthResult.ok("Model is healthy");
    }

    /** Every safetensors header parses and its tensors lie inside the file: catches truncated downloads. */
    private static HealthResult safetensorsHeaders(ModelFiles files) {
        for (Path p : files.safetensors()) {
            try {
                SafetensorsReader.read(p);
            } catch (IOException e) {
                return HealthResult.bad("Corrupt safetensors file " + FileChecks.relative(files.dir(), p) + ": " + e.getMessage());
            }
        }
        return HealthResult.ok("");
    }

    /** Auxiliary assets: a vision model's processor config, a tokenizer config's tokenizer. */
    private static HealthResult auxiliary(Path dir, boolean vision) {
        if (vision) {
            Path pre = dir.resolve("preprocessor_config.json");
            Path proc = dir.resolve("processor_config.json");
            Path chosen = Files.exists(pre) ? pre : Files.exists(proc) ? proc : null;
            if (chosen == null) {
                return HealthResult.bad("Vision model missing preprocessor_config.json or processor_config.json");
            }
            JsonNode node = Json.read(chosen).orElse(null);
            if (node == null) {
                return HealthResult.bad(chosen.getFileName() + " invalid JSON");
            }
            if (!node.isObject()) {
                return HealthResult.bad(chosen.getFileName() + " invalid");
            }
        }
        Path tokConfig = dir.resolve("tokenizer_config.json");
        if (Files.exists(tokConfig)) {
            JsonNode node = Json.read(tokConfig).orElse(null);
            if (node == null) {
                return HealthResult.bad("tokenizer_config.json contains invalid JSON");
            }
            if (!node.isObject()) {
                return HealthResult.bad("tokenizer_config.json exists but invalid");
            }
            if (!Files.exists(dir.resolve("tokenizer.json")) && !hasSentencePieceModel(dir)) {
                return HealthResult.bad("tokenizer_config.json present but tokenizer.json missing");
            }
        }
        return null;
    }

    /** Older models ship only a SentencePiece {@code tokenizer.model}; that is a tokenizer too. */
    private static boolean hasSentencePieceModel(Path dir) {
        return Files.exists(dir.resolve("tokenizer.model"));
    }
}
