package io.jknife.formats.gguf;

import io.jknife.formats.AtomicWrite;
import io.jknife.formats.GgmlType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Builds a GGUF v3 file: metadata of every value type, and tensors given as float32 values
 * (stored as F32, F16, BF16, Q8_0 or Q4_0), as raw bytes of any type, or copied from a region of
 * another file. Tensor data is laid out as llama.cpp does: the data section and every tensor start
 * on the alignment ({@code general.alignment}, default 32), each tensor padded with zeros.
 * {@link #write} goes through a temporary file in the target directory and a rename, so readers
 * never see a half-written file.
 *
 * <pre>{@code
 * GgufWriter.create()
 *     .putString("general.architecture", "llama")
 *     .putUint32("llama.block_count", 2)
 *     .putStrings("tokenizer.ggml.tokens", tokens)
 *     .tensor("token_embd.weight", new long[]{64, vocab}, values, GgmlType.Q8_0)
 *     .write(path);
 * }</pre>
 */
public final class GgufWriter {
    /** llama.cpp's GGML_MAX_NAME: tensor names must be shorter than this many bytes. */
    public static final int MAX_TENSOR_NAME_BYTES = 64;

    private record Value(GgufValueType type, Object value) {
    }

    private sealed interface Data permits FloatData, LazyFloats, RawData, FileRegion {
    }

    private record FloatData(float[] values) implements Data {
    }

    private record LazyFloats(Supplier<float[]> values) implements Data {
    }

    private record RawData(byte[] bytes) implements Data {
    }

    private record FileRegion(Path file, long offset) implements Data {
    }

    private record Tensor(String name, long[] dims, GgmlType type, long byteSize, Data data) {
    }

    private final Map<String, Value> metadata = new LinkedHashMap<>();
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    private GgufWriter() {
    }

    public static GgufWriter create() {
        return new GgufWriter();
    }

    // ---- metadata ------------------------------------------------------------------------

    /**
     * Puts a value whose GGUF type follows from its Java type: String, Boolean, Byte (INT8), Short
     * (INT16), Integer (INT32), Long (INT64), Float (FLOAT32), Double (FLOAT64), a {@link GgufArray},
     * a List (element type from its first element), or an array of String, int, long, float,
     * double or boolean. Re-putting a key keeps its position.
     */
    public GgufWriter put(String key, Object value) {
        Objects.requireNonNull(value, "value");
        return switch (value) {
            case String s -> put(key, GgufValueType.STRING, s);
            case Boolean b -> put(key, GgufValueType.BOOL, b);
            case Byte b -> put(key, GgufValueType.INT8, b);
            case Short s -> put(key, GgufValueType.INT16, s);
            case Integer i -> put(key, GgufValueType.INT32, i);
            case Long l -> put(key, GgufValueType.INT64, l);
            case Float f -> put(key, GgufValueType.FLOAT32, f);
            case Double d -> put(key, GgufValueType.FLOAT64, d);
            case GgufArray a -> put(key, GgufValueType.ARRAY, a);
            case List<?> list -> {
                if (list.isEmpty()) {
                    throw new IllegalArgumentException("cannot infer the element type of empty list '" + key
                            + "'; use putArray");
                }
                yield putArray(key, inferType(list.getFirst()), list);
            }
            case String[] a -> putArray(key, GgufValueType.STRING, Arrays.asList(a));
            case int[] a -> putArray(key, GgufValueType.INT32, Arrays.stream(a).boxed().toList());
            case long[] a -> putArray(key, GgufValueType.INT64, Arrays.stream(a).boxed().toList());
            case double[] a -> putArray(key, GgufValueType.FLOAT64, Arrays.stream(a).boxed().toList());
            case float[] a -> putFloat32s(key, a);
            case boolean[] a -> {
                List<Object> l = new ArrayList<>(a.length);
                for (boolean b : a) {
                    l.add(b);
                }
                yield putArray(key, GgufValueType.BOOL, l);
            }
            default -> throw new IllegalArgumentException("no GGUF type for " + value.getClass().getName()
                    + " (key '" + key + "')");
        };
    }

    private static GgufValueType inferType(Object v) {
        return switch (v) {
            case String s -> GgufValueType.STRING;
            case Boolean b -> GgufValueType.BOOL;
            case Byte b -> GgufValueType.INT8;
            case Short s -> GgufValueType.INT16;
            case Integer i -> GgufValueType.INT32;
            case Long l -> GgufValueType.INT64;
            case Float f -> GgufValueType.FLOAT32;
            case Double d -> GgufValueType.FLOAT64;
            default -> throw new IllegalArgumentException("no GGUF type for " + v.getClass().getName());
        };
    }

    /**
     * Puts a value with an explicit type: a Number for numeric types (range-checked), Boolean,
     * String, or a loaded {@link GgufArray} for ARRAY. This is how a read file's metadata is written
     * back unchanged ({@code put(key, file.types().get(key), file.metadata().get(key))}).
     */
    public GgufWriter put(String key, GgufValueType type, Object value) {
        Objects.requireNonNull(key, "key");
        if (key.isEmpty()) {
            throw new IllegalArgumentException("empty metadata key");
        }
        Objects.requireNonNull(type, "type");
        if (type == GgufValueType.ARRAY) {
            if (!(value instanceof GgufArray a)) {
                throw new IllegalArgumentException("ARRAY value of '" + key + "' must be a GgufArray");
            }
            if (!a.isLoaded()) {
                throw new IllegalArgumentException("array '" + key + "' is not loaded; use GgufReader.readArray first");
            }
            for (Object element : a.values()) {
                checkScalar(key, a.elementType(), element);
            }
        } else {
            checkScalar(key, type, value);
        }
        if (key.equals(GgufFile.KEY_ALIGNMENT)) {
            if (type != GgufValueType.UINT32) {
                throw new IllegalArgumentException("general.alignment must be UINT32");
            }
            long a = ((Number) value).longValue();
            if (a == 0 || (a & (a - 1)) != 0) {
                throw new IllegalArgumentException("general.alignment " + a + " is not a power of two");
            }
        }
        metadata.put(key, new Value(type, value));
        return this;
    }

    private static void checkScalar(String key, GgufValueType type, Object v) {
        boolean ok = switch (type) {
            case STRING -> v instanceof String;
            case BOOL -> v instanceof Boolean;
            case FLOAT32, FLOAT64 -> v instanceof Number;
            case UINT8 -> inRange(v, 0, 0xFF);
            case INT8 -> inRange(v, Byte.MIN_VALUE, Byte.MAX_VALUE);
            case UINT16 -> inRange(v, 0, 0xFFFF);
            case INT16 -> inRange(v, Short.MIN_VALUE, Short.MAX_VALUE);
            case UINT32 -> inRange(v, 0, 0xFFFF_FFFFL);
            case INT32 -> inRange(v, Integer.MIN_VALUE, Integer.MAX_VALUE);
            // UINT64 takes any long: values past Long.MAX_VALUE are given as their negative bit pattern
            case UINT64, INT64 -> v instanceof Byte || v instanceof Short || v instanceof Integer || v instanceof Long;
            case ARRAY -> false;
        };
        if (!ok) {
            throw new IllegalArgumentException("metadata '" + key + "': " + v
                    + (v == null ? "" : " (" + v.getClass().getSimpleName() + ")") + " is not a valid " + type);
        }
    }

    private static boolean inRange(Object v, long min, long max) {
        if (!(v instanceof Byte || v instanceof Short || v instanceof Integer || v instanceof Long)) {
            return false;
        }
        long l = ((Number) v).longValue();
        return l >= min && l <= max;
    }

    public GgufWriter putString(String key, String value) {
        return put(key, GgufValueType.STRING, value);
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, GgufValueType.BOOL, value);
    }

    public GgufWriter putUint8(String key, int value) {
        return put(key, GgufValueType.UINT8, value);
    }

    public GgufWriter putInt8(String key, int value) {
        return put(key, GgufValueType.INT8, value);
    }

    public GgufWriter putUint16(String key, int value) {
        return put(key, GgufValueType.UINT16, value);
    }

    public GgufWriter putInt16(String key, int value) {
        return put(key, GgufValueType.INT16, value);
    }

    public GgufWriter putUint32(String key, long value) {
        return put(key, GgufValueType.UINT32, value);
    }

    public GgufWriter putInt32(String key, int value) {
        return put(key, GgufValueType.INT32, value);
    }

    public GgufWriter putUint64(String key, long value) {
        return put(key, GgufValueType.UINT64, value);
    }

    public GgufWriter putInt64(String key, long value) {
        return put(key, GgufValueType.INT64, value);
    }

    public GgufWriter putFloat32(String key, float value) {
        return put(key, GgufValueType.FLOAT32, value);
    }

    public GgufWriter putFloat64(String key, double value) {
        return put(key, GgufValueType.FLOAT64, value);
    }

    public GgufWriter putArray(String key, GgufValueType elementType, List<?> values) {
        return put(key, GgufValueType.ARRAY, GgufArray.of(elementType, values));
    }

    public GgufWriter putStrings(String key, List<String> values) {
        return putArray(key, GgufValueType.STRING, values);
    }

    public GgufWriter putInt32s(String key, int[] values) {
        return putArray(key, GgufValueType.INT32, Arrays.stream(values).boxed().toList());
    }

    public GgufWriter putFloat32s(String key, float[] values) {
        List<Object> l = new ArrayList<>(values.length);
        for (float f : values) {
            l.add(f);
        }
        return putArray(key, GgufValueType.FLOAT32, l);
    }

    /** Sets {@code general.alignment} (a power of two; 32 when never set). */
    public GgufWriter alignment(int alignment) {
        return putUint32(GgufFile.KEY_ALIGNMENT, alignment);
    }

    public GgufWriter remove(String key) {
        metadata.remove(key);
        return this;
    }

    public boolean hasKey(String key) {
        return metadata.containsKey(key);
    }

    /** Copies every metadata entry of a read file with its type, loading long arrays from its path. */
    public GgufWriter putAll(GgufFile file) throws IOException {
        for (Map.Entry<String, Object> e : file.metadata().entrySet()) {
            Object v = e.getValue();
            if (v instanceof GgufArray a && !a.isLoaded()) {
                v = GgufReader.readArray(file.path(), a);
            }
            put(e.getKey(), file.types().get(e.getKey()), v);
        }
        return this;
    }

    // ---- tensors -------------------------------------------------------------------------

    /**
     * Adds a tensor from float values, stored as {@code storeAs} (F32, F16, BF16, Q8_0 or Q4_0).
     *
     * @param dims shape in ggml order (ne[0], the row length, first); 1 to 4 dims
     */
    public GgufWriter tensor(String name, long[] dims, float[] values, GgmlType storeAs) {
        if (!GgmlQuant.canEncode(storeAs)) {
            throw new IllegalArgumentException("cannot store floats as " + storeAs + " (supported: "
                    + GgmlQuant.supported() + ")");
        }
        long elements = checkShape(name, dims, storeAs);
        if (values.length != elements) {
            throw new IllegalArgumentException("tensor '" + name + "' shape " + Arrays.toString(dims) + " has "
                    + elements + " elements but " + values.length + " values were given");
        }
        return add(new Tensor(name, dims.clone(), storeAs, storeAs.byteSize(elements), new FloatData(values)));
    }

    /**
     * Adds a tensor whose float values are produced only while the file is written, one tensor at
     * a time, so large generated models need not be held in memory.
     */
    public GgufWriter tensor(String name, long[] dims, Supplier<float[]> values, GgmlType storeAs) {
        if (!GgmlQuant.canEncode(storeAs)) {
            throw new IllegalArgumentException("cannot store floats as " + storeAs + " (supported: "
                    + GgmlQuant.supported() + ")");
        }
        long elements = checkShape(name, dims, storeAs);
        Objects.requireNonNull(values, "values");
        return add(new Tensor(name, dims.clone(), storeAs, storeAs.byteSize(elements), new LazyFloats(values)));
    }

    /** Adds a tensor whose data is already encoded as {@code type}. */
    public GgufWriter tensor(String name, long[] dims, GgmlType type, byte[] raw) {
        long elements = checkShape(name, dims, type);
        long size = type.byteSize(elements);
        if (raw.length != size) {
            throw new IllegalArgumentException("tensor '" + name + "' of type " + type + " and shape "
                    + Arrays.toString(dims) + " needs " + size + " bytes, got " + raw.length);
        }
        return add(new Tensor(name, dims.clone(), type, size, new RawData(raw)));
    }

    /** Adds a tensor whose data is copied, at write time, from {@code file} starting at {@code offset}. */
    public GgufWriter tensorFromFile(String name, long[] dims, GgmlType type, Path file, long offset) {
        long elements = checkShape(name, dims, type);
        if (offset < 0) {
            throw new IllegalArgumentException("negative offset");
        }
        return add(new Tensor(name, dims.clone(), type, type.byteSize(elements), new FileRegion(file, offset)));
    }

    /** Adds a tensor of a read GGUF file, copying its data from that file at write time. */
    public GgufWriter tensor(GgufTensorInfo info, Path sourceFile) {
        return tensorFromFile(info.name(), info.dims(), info.type(), sourceFile, info.absoluteOffset());
    }

    public int tensorCount() {
        return tensors.size();
    }

    private GgufWriter add(Tensor t) {
        if (tensors.containsKey(t.name())) {
            throw new IllegalArgumentException("duplicate tensor '" + t.name() + "'");
        }
        tensors.put(t.name(), t);
        return this;
    }

    private static long checkShape(String name, long[] dims, GgmlType type) {
        Objects.requireNonNull(name, "name");
        int nameBytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (nameBytes == 0 || nameBytes >= MAX_TENSOR_NAME_BYTES) {
            throw new IllegalArgumentException("tensor name '" + name + "' must be 1 to "
                    + (MAX_TENSOR_NAME_BYTES - 1) + " bytes");
        }
        if (dims.length < 1 || dims.length > GgufReader.MAX_DIMS) {
            throw new IllegalArgumentException("tensor '" + name + "' must have 1 to 4 dims, not " + dims.length);
        }
        long elements = 1;
        for (long d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "' has a negative dim " + Arrays.toString(dims));
            }
            elements = Math.multiplyExact(elements, d);
        }
        if (dims[0] % type.blockSize() != 0) {
            throw new IllegalArgumentException("tensor '" + name + "' rows of " + dims[0] + " elements are not a "
                    + "multiple of the " + type + " block size " + type.blockSize());
        }
        return elements;
    }

    // ---- output --------------------------------------------------------------------------

    /** Writes the file atomically: into a temporary file beside {@code target}, then renamed over it. */
    public void write(Path target) throws IOException {
        AtomicWrite.writeChannel(target, this::writeTo);
    }

    private long alignment() {
        Value v = metadata.get(GgufFile.KEY_ALIGNMENT);
        return v == null ? GgufReader.DEFAULT_ALIGNMENT : ((Number) v.value()).longValue();
    }

    private void writeTo(FileChannel ch) throws IOException {
        long alignment = alignment();
        Out out = new Out(ch);
        out.bytes(new byte[]{'G', 'G', 'U', 'F'});
        out.i32(3);
        out.i64(tensors.size());
        out.i64(metadata.size());
        for (Map.Entry<String, Value> e : metadata.entrySet()) {
            out.string(e.getKey());
            Value v = e.getValue();
            out.i32(v.type().id());
            if (v.type() == GgufValueType.ARRAY) {
                GgufArray a = (GgufArray) v.value();
                out.i32(a.elementType().id());
                out.i64(a.length());
                for (Object element : a.values()) {
                    scalar(out, a.elementType(), element);
                }
            } else {
                scalar(out, v.type(), v.value());
            }
        }
        long offset = 0;
        for (Tensor t : tensors.values()) {
            out.string(t.name());
            out.i32(t.dims().length);
            for (long d : t.dims()) {
                out.i64(d);
            }
            out.i32(t.type().id());
            out.i64(offset);
            offset = Math.addExact(offset, GgufReader.alignUp(t.byteSize(), alignment));
        }
        if (!tensors.isEmpty()) {
            out.pad(alignment);
        }
        for (Tensor t : tensors.values()) {
            switch (t.data()) {
                case FloatData f -> out.bytes(GgmlQuant.encode(f.values(), t.type()));
                case LazyFloats f -> {
                    float[] v = f.values().get();
                    long expected = 1;
                    for (long d : t.dims()) {
                        expected *= d;
                    }
                    if (v.length != expected) {
                        throw new IllegalStateException("tensor '" + t.name() + "' supplier gave " + v.length
                                + " values for shape " + Arrays.toString(t.dims()));
                    }
                    out.bytes(GgmlQuant.encode(v, t.type()));
                }
                case RawData r -> out.bytes(r.bytes());
                case FileRegion r -> out.copy(r.file(), r.offset(), t.byteSize());
            }
            out.pad(alignment);
        }
        out.flush();
    }

    private static void scalar(Out out, GgufValueType type, Object v) throws IOException {
        switch (type) {
            case UINT8, INT8 -> out.u8(((Number) v).intValue());
            case UINT16, INT16 -> out.i16(((Number) v).intValue());
            case UINT32, INT32 -> out.i32((int) ((Number) v).longValue());
            case UINT64, INT64 -> out.i64(((Number) v).longValue());
            case FLOAT32 -> out.f32(((Number) v).floatValue());
            case FLOAT64 -> out.f64(((Number) v).doubleValue());
            case BOOL -> out.u8((Boolean) v ? 1 : 0);
            case STRING -> out.string((String) v);
            case ARRAY -> throw new IllegalArgumentException("nested array");
        }
    }

    /** Sequential little-endian output to a channel through a buffer. */
    private static final class Out {
        private final FileChannel ch;
        private final ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        private long written;

        Out(FileChannel ch) {
            this.ch = ch;
        }

        private void room(int n) throws IOException {
            if (buf.remaining() < n) {
                flush();
            }
        }

        void flush() throws IOException {
            buf.flip();
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            buf.clear();
        }

        void u8(int v) throws IOException {
            room(1);
            buf.put((byte) v);
            written += 1;
        }

        void i16(int v) throws IOException {
            room(2);
            buf.putShort((short) v);
            written += 2;
        }

        void i32(int v) throws IOException {
            room(4);
            buf.putInt(v);
            written += 4;
        }

        void i64(long v) throws IOException {
            room(8);
            buf.putLong(v);
            written += 8;
        }

        void f32(float v) throws IOException {
            room(4);
            buf.putFloat(v);
            written += 4;
        }

        void f64(double v) throws IOException {
            room(8);
            buf.putDouble(v);
            written += 8;
        }

        void string(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i64(b.length);
            bytes(b);
        }

        void bytes(byte[] b) throws IOException {
            if (b.length <= buf.remaining()) {
                buf.put(b);
            } else {
                flush();
                ByteBuffer w = ByteBuffer.wrap(b);
                while (w.hasRemaining()) {
                    ch.write(w);
                }
            }
            written += b.length;
        }

        void pad(long alignment) throws IOException {
            long rem = written % alignment;
            if (rem != 0) {
                bytes(new byte[(int) (alignment - rem)]);
            }
        }

        void copy(Path file, long offset, long length) throws IOException {
            flush();
            try (FileChannel src = FileChannel.open(file, StandardOpenOption.READ)) {
                if (offset > src.size() || length > src.size() - offset) {
                    throw new IOException("cannot copy " + length + " bytes at offset " + offset + " from " + file
                            + " (size " + src.size() + ")");
                }
                long done = 0;
                while (done < length) {
                    long n = src.transferTo(offset + done, length - done, ch);
                    if (n <= 0) {
                        throw new IOException("short copy from " + file);
                    }
                    done += n;
                }
            }
            written += length;
        }
    }
}
