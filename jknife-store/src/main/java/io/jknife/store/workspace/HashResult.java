package io.jknife.store.workspace;

import io.jknife.store.json.PyJson;
import com.fasterxml.jackson.databind.node.ArrayNode;

import java.util.List;
import java.util.Objects;

/**
 * A computed v2 content hash: the aggregate {@code "sha256:" + 64 hex}, the per-entry index sorted
 * by path (Unicode code point order) and the exclude list it was computed with.
 */
public record HashResult(String contentHash, List<IndexEntry> fileIndex, List<String> excludePatterns) {

    public HashResult {
        Objects.requireNonNull(contentHash, "contentHash");
        fileIndex = List.copyOf(fileIndex);
        excludePatterns = List.copyOf(excludePatterns);
    }

    /** The index as the sentinel's {@code file_index} array. */
    public ArrayNode fileIndexJson() {
        ArrayNode a = PyJson.MAPPER.createArrayNode();
        fileIndex.forEach(e -> a.add(e.toJson()));
        return a;
    }
}
