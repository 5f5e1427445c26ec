package io.jknife.hub.convert;

import io.jknife.formats.safetensors.SafetensorsDType;
import io.jknife.formats.safetensors.SafetensorsWriter;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file written without holding its tensors in memory: the header is computed from
 * the declared names, dtypes and shapes, then each tensor's bytes are written at their offset, in
 * any order and in pieces. Layout as the reference writer: descending dtype size then name (every
 * tensor aligned to its element size), header padded with spaces to a multiple of 8.
 */
final class ShardWriter {
    /** One tensor to be written. */
    record Spec(String name, SafetensorsDType dtype, long[] shape) {
        long bytes() {
            long n = 1;
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            return dtype.byteSize(n);
        }
    }

    private final Map<String, Long> offsets = new LinkedHashMap<>();
    private final Map<String, Long> sizes = new LinkedHashMap<>();
    private final byte[] header;
    private final long dataStart;
    private final long dataSize;

    ShardWriter(List<Spec> specs, Map<String, String> metadata) {
        List<Spec> ordered = new ArrayList<>(specs);
        ordered.sort(Comparator.comparing(Spec::dtype).reversed()
                .thenComparing((a, b) -> Arrays.compareUnsigned(a.name().getBytes(StandardCharsets.UTF_8),
                        b.name().getBytes(StandardCharsets.UTF_8))));
        long off = 0;
        for (Spec s : ordered) {
            offsets.put(s.name(), off);
            sizes.put(s.name(), s.bytes());
            off += s.bytes();
        }
        dataSize = off;
        header = header(ordered, metadata);
        dataStart = 8L + header.length;
    }

    /** Data bytes of all tensors (what an index's {@code total_size} sums). */
    long dataSize() {
        return dataSize;
    }

    /** Writes the length prefix and the header. */
    void writeHeader(FileChannel ch) throws IOException {
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
        writeFully(ch, len, 0);
        writeFully(ch, ByteBuffer.wrap(header), 8);
    }

    /** Writes {@code data} into tensor {@code name} starting {@code at} bytes into its data. */
    void write(FileChannel ch, String name, long at, byte[] data) throws IOException {
        Long base = offsets.get(name);
        if (base == null) {
            throw new IllegalArgumentException("no tensor " + name + " in this shard");
        }
        if (at < 0 || at + data.length > sizes.get(name)) {
            throw new IllegalArgumentException(name + ": bytes [" + at + ", " + (at + data.length) + ") outside its "
                    + sizes.get(name) + " bytes");
        }
        writeFully(ch, ByteBuffer.wrap(data), dataStart + base + at);
    }

    private static void writeFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        long p = pos;
        while (b.hasRemaining()) {
            p += ch.write(b, p);
        }
    }

    private static byte[] header(List<Spec> ordered, Map<String, String> metadata) {
        return SafetensorsWriter.header(ordered.stream()
                .map(t -> new SafetensorsWriter.HeaderEntry(t.name(), t.dtype(), t.shape(), t.bytes())).toList(), metadata);
    }
}
