package io.jknife.formats.safetensors;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The validated header of a safetensors file.
 *
 * @param path         the file read
 * @param fileSize     its size in bytes
 * @param headerLength length of the JSON header (the 8-byte little-endian prefix's value)
 * @param dataStart    absolute offset of the data region ({@code 8 + headerLength})
 * @param tensors      tensors by name, in file order (ascending data offset, as the bytes lie on disk;
 *                     JSON key order differs between writers, MLX for one sorts keys by name)
 * @param metadata     the {@code __metadata__} string map, empty when absent
 */
public record SafetensorsHeader(Path path, long fileSize, long headerLength, long dataStart,
                                Map<String, SafetensorsTensor> tensors, Map<String, String> metadata) {

    public SafetensorsHeader {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    public Optional<SafetensorsTensor> tensor(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    /** Bytes of the data region, {@code fileSize - dataStart}. */
    public long dataSize() {
        return fileSize - dataStart;
    }

    /** Sum of all tensors' element counts. */
    public long totalElementCount() {
        long n = 0;
        for (SafetensorsTensor t : tensors.values()) {
            n += t.elementCount();
        }
        return n;
    }
}
