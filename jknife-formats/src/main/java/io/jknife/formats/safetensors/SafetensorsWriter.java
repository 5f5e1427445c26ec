package io.jknife.formats.safetensors;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.jknife.formats.AtomicWrite;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds a {@code .safetensors} file from in-memory tensors.
 *
 * <p>Like the reference implementation, tensors are laid out by descending dtype (so wider types
 * come first and every tensor is aligned to its element size) and then by name, the header is
 * compact JSON with {@code __metadata__} first, padded with spaces to a multiple of 8 bytes.
 * {@link #preserveOrder()} keeps insertion order instead. Files are written atomically.
 *
 * <pre>{@code
 * new SafetensorsWriter()
 *     .metadata("format", "pt")
 *     .tensor("w", SafetensorsDType.BF16, new long[]{2, 3}, new float[]{1, 2, 3, 4, 5, 6})
 *     .write(dir.resolve("model.safetensors"));
 * }</pre>
 */
public final class SafetensorsWriter {
    private static final JsonFactory JSON = new JsonFactory();

    private record Pending(String name, SafetensorsDType dtype, long[] shape, byte[] data) {
    }

    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final List<Pending> tensors = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private boolean preserveOrder;

    public SafetensorsWriter() {
    }

    /** Adds a {@code __metadata__} entry (e.g. {@code "format" -> "pt"} or {@code "mlx"}). */
    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    public SafetensorsWriter metadata(Map<String, String> entries) {
        metadata.putAll(entries);
        return this;
    }

    /** Keeps tensors in the order added instead of the reference's dtype-then-name order. */
    public SafetensorsWriter preserveOrder() {
        preserveOrder = true;
        return this;
    }

    /** Adds a tensor from raw little-endian bytes, which must match the shape and dtype exactly. */
    public SafetensorsWriter tensor(String name, SafetensorsDType dtype, long[] shape, byte[] data) {
        if (name == null || name.isEmpty() || name.equals("__metadata__")) {
            throw new IllegalArgumentException("invalid tensor name: " + name);
        }
        if (names.contains(name)) {
            throw new IllegalArgumentException("duplicate tensor name: " + name);
        }
        long elements = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape) + " for " + name);
            }
            elements = Math.multiplyExact(elements, d);
        }
        long bytes = dtype.byteSize(elements);
        if (bytes != data.length) {
            throw new IllegalArgumentException(name + ": " + dtype + Arrays.toString(shape) + " needs " + bytes
                    + " bytes, got " + data.length);
        }
        names.add(name);
        tensors.add(new Pending(name, dtype, shape.clone(), data));
        return this;
    }

    /** Adds a float tensor stored as {@code dtype}: F32, F16 or BF16 (rounded to nearest-even). */
    public SafetensorsWriter tensor(String name, SafetensorsDType dtype, long[] shape, float[] values) {
        return tensor(name, dtype, shape, FloatEncoding.encode(values, dtype));
    }

    /** Adds a U32 tensor (e.g. MLX packed weights), little-endian. */
    public SafetensorsWriter tensor(String name, long[] shape, int[] u32) {
        ByteBuffer buf = ByteBuffer.allocate(Math.multiplyExact(u32.length, 4)).order(ByteOrder.LITTLE_ENDIAN);
        buf.asIntBuffer().put(u32);
        return tensor(name, SafetensorsDType.U32, shape, buf.array());
    }

    /** Number of tensors added so far. */
    public int size() {
        return tensors.size();
    }

    /** Sum of the tensors' data sizes (what an index's {@code metadata.total_size} counts). */
    public long dataSize() {
        long n = 0;
        for (Pending p : tensors) {
            n += p.data.length;
        }
        return n;
    }

    /** Writes the file atomically (temporary sibling, then rename). */
    public void write(Path file) throws IOException {
        List<Pending> ordered = ordered();
        byte[] header = header(ordered);
        AtomicWrite.write(file, out -> writeTo(out, header, ordered));
    }

    /** The whole file as bytes. */
    public byte[] toByteArray() {
        List<Pending> ordered = ordered();
        byte[] header = header(ordered);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            writeTo(out, header, ordered);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The padded header JSON that {@link #write} will store. */
    public byte[] headerBytes() {
        return header(ordered());
    }

    private static void writeTo(OutputStream out, byte[] header, List<Pending> ordered) throws IOException {
        byte[] len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array();
        out.write(len);
        out.write(header);
        for (Pending p : ordered) {
            out.write(p.data);
        }
    }

    private List<Pending> ordered() {
        List<Pending> ordered = new ArrayList<>(tensors);
        if (!preserveOrder) {
            // Reference order: descending dtype, then name compared as UTF-8 bytes (Rust's str order).
            ordered.sort(Comparator.comparing((Pending p) -> p.dtype).reversed()
                    .thenComparing((a, b) -> Arrays.compareUnsigned(
                            a.name.getBytes(StandardCharsets.UTF_8), b.name.getBytes(StandardCharsets.UTF_8))));
        }
        return ordered;
    }

    private byte[] header(List<Pending> ordered) {
        return header(ordered.stream().map(p -> new HeaderEntry(p.name, p.dtype, p.shape, p.data.length)).toList(), metadata);
    }

    /** One tensor's entry in a safetensors header: its data follows the previous entry's. */
    public record HeaderEntry(String name, SafetensorsDType dtype, long[] shape, long bytes) {
    }

    /**
     * The header of a safetensors file (JSON with {@code __metadata__} first, data offsets in the given
     * order), padded with spaces to a multiple of 8 bytes as the reference writer does.
     */
    public static byte[] header(List<HeaderEntry> ordered, Map<String, String> metadata) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(buf)) {
            g.writeStartObject();
            if (!metadata.isEmpty()) {
                g.writeObjectFieldStart("__metadata__");
                for (var e : metadata.entrySet()) {
                    g.writeStringField(e.getKey(), e.getValue());
                }
                g.writeEndObject();
            }
            long offset = 0;
            for (HeaderEntry t : ordered) {
                g.writeObjectFieldStart(t.name());
                g.writeStringField("dtype", t.dtype().jsonName());
                g.writeArrayFieldStart("shape");
                for (long d : t.shape()) {
                    g.writeNumber(d);
                }
                g.writeEndArray();
                g.writeArrayFieldStart("data_offsets");
                g.writeNumber(offset);
                g.writeNumber(offset + t.bytes());
                g.writeEndArray();
                g.writeEndObject();
                offset += t.bytes();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int pad = (8 - buf.size() % 8) % 8;
        for (int i = 0; i < pad; i++) {
            buf.write(' ');
        }
        return buf.toByteArray();
    }
}
