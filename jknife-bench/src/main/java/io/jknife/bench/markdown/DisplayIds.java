package io.jknife.bench.markdown;

import com.fasterxml.jackson.databind.JsonNode;
import io.jknife.bench.json.Jsonl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How a model id is shown: Hugging Face ids as they are; an absolute workspace path as the
 * repository it was cloned from (sentinel {@code operation: clone} with {@code source_repo}), else its
 * directory name. Cached per id.
 */
final class DisplayIds {
    private static final List<String> SENTINELS = List.of(".jknife_workspace.json", ".mlxk_workspace.json");
    private final Map<String, String> cache = new HashMap<>();

    String of(String id) {
        if (id == null) {
            return null;
        }
        return cache.computeIfAbsent(id, DisplayIds::resolve);
    }

    /** The display id without its {@code org/} prefix. */
    String shortOf(String id) {
        String d = of(id);
        return d == null ? null : d.substring(d.indexOf('/') + 1);
    }

    private static String resolve(String id) {
        if (!id.startsWith("/")) {
            return id;
        }
        Path dir = Path.of(id);
        for (String s : SENTINELS) {
            Path f = dir.resolve(s);
            if (!Files.isRegularFile(f)) {
                continue;
            }
            try {
                JsonNode n = Jsonl.LENIENT.readTree(f.toFile());
                if ("clone".equals(n.path("operation").asText()) && n.path("source_repo").isTextual()) {
                    return n.path("source_repo").asText();
                }
            } catch (IOException e) {
                // fall through to the directory name
            }
            break;
        }
        Path name = dir.getFileName();
        return name == null ? id : name.toString();
    }
}
