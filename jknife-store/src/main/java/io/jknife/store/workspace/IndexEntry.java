package io.jknife.store.workspace;

import io.jknife.store.json.PyJson;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Objects;

/**
 * One {@code file_index} entry of a v2 sentinel: the NFC, {@code /}-joined path relative to the
 * workspace, the size and {@code mtime_ns} seen when it was hashed (both 0 for symbolic links) and
 * its {@code "sha256:" + hex} fingerprint.
 */
public record IndexEntry(String path, long size, long mtimeNs, String sha) {

    public IndexEntry {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(sha, "sha");
    }

    /** {@code {"path", "size", "mtime_ns", "sha"}} in that order. */
    public ObjectNode toJson() {
        ObjectNode o = PyJson.MAPPER.createObjectNode();
        o.put("path", path);
        o.put("size", size);
        o.put("mtime_ns", mtimeNs);
        o.put("sha", sha);
        return o;
    }
}
