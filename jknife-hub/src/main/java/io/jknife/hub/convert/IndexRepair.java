package io.jknife.hub.convert;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jknife.formats.AtomicWrite;
import io.jknife.formats.safetensors.SafetensorsHeader;
import io.jknife.formats.safetensors.SafetensorsReader;
import io.jknife.hub.copy.FileCopier;
import io.jknife.store.json.PyJson;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code convert --repair-index}: a copy of a workspace whose {@code model.safetensors.index.json}
 * is rebuilt from the shards' own headers (spec cli.md §6.8 step 5). {@code total_size} is the sum
 * of the tensors' byte sizes, as transformers writes it (the original summed file sizes).
 */
public final class IndexRepair {
    public static final String INDEX = "model.safetensors.index.json";

    /** What the repair did. */
    public record Result(String message, int shards, int tensors, boolean indexWritten) {
    }

    private IndexRepair() {
    }

    public static Result repair(Path src, Path dst) throws IOException {
        FileCopier copier = new FileCopier(false);
        WorkspaceFiles.copy(src, dst, rel -> rel.equals(INDEX), copier);
        return rebuild(dst);
    }

    /** Rebuilds {@code dir}'s index from its top-level {@code *.safetensors} files. */
    public static Result rebuild(Path dir) throws IOException {
        List<Path> shards = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.safetensors")) {
            for (Path p : ds) {
                if (Files.isRegularFile(p)) {
                    shards.add(p);
                }
            }
        }
        shards.sort(null);
        if (shards.size() <= 1) {
            return new Result("No index to rebuild (single-file model or no safetensors found)", shards.size(), 0, false);
        }
        Map<String, String> weightMap = new TreeMap<>();
        long total = 0;
        for (Path shard : shards) {
            String name = shard.getFileName().toString();
            SafetensorsHeader h;
            try {
                h = SafetensorsReader.read(shard);
            } catch (IOException e) {
                throw new ConvertException("ConversionFailed", "Failed to read shard " + name + ": " + e.getMessage());
            }
            for (var t : h.tensors().values()) {
                String prev = weightMap.putIfAbsent(t.name(), name);
                if (prev != null) {
                    throw new ConvertException("ConversionFailed", "Duplicate tensor key '" + t.name()
                            + "' found in multiple shards: " + prev + " and " + name);
                }
                total += t.byteSize();
            }
        }
        if (weightMap.isEmpty()) {
            throw new ConvertException("ConversionFailed", "No tensors found in shards - corrupted model?");
        }
        writeIndex(dir.resolve(INDEX), total, weightMap);
        return new Result("Index rebuilt successfully", shards.size(), weightMap.size(), true);
    }

    static void writeIndex(Path file, long totalSize, Map<String, String> weightMap) throws IOException {
        ObjectNode root = PyJson.MAPPER.createObjectNode();
        root.putObject("metadata").put("total_size", totalSize);
        ObjectNode wm = root.putObject("weight_map");
        new TreeMap<>(weightMap).forEach(wm::put);
        byte[] text = (PyJson.dumps(root) + "\n").getBytes(StandardCharsets.UTF_8);
        AtomicWrite.write(file, out -> out.write(text));
    }
}
