package io.jknife.formats.gguf;

import io.jknife.formats.FormatException;
import io.jknife.formats.GgmlType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Reads the header, metadata and tensor infos of a GGUF file (v2 or v3, little-endian), never the
 * tensor data. Built for hostile input: every count, length and offset is checked against the
 * bytes left in the file before anything is allocated, so a bad file gives a
 * {@link FormatException} with a one-line reason, never an OutOfMemoryError or a runtime exception.
 * Works for files of any size: it reads through a small window by absolute position.
 */
public final class GgufReader {

    /** Arrays with more elements than this are located but not loaded by default. */
    public static final int DEFAULT_ARRAY_THRESHOLD = 4096;

    /** ggml's GGML_MAX_DIMS. */
    public static final int MAX_DIMS = 4;

    /** GGUF's default data alignment when {@code general.alignment} is absent. */
    public static final int DEFAULT_ALIGNMENT = 32;

    private static final byte[] MAGIC = {'G', 'G', 'U', 'F'};
    private static final int MAX_KEY_BYTES = 64 * 1024;
    private static final int MAX_TENSOR_NAME_BYTES = 64 * 1024;
    // smallest possible entries: key length + 1 key byte + type + 1 value byte; name length +
    // n_dims + type + offset
    private static final int MIN_KV_BYTES = 8 + 1 + 4 + 1;
    private static final int MIN_TENSOR_INFO_BYTES = 8 + 4 + 4 + 8;
    // rough heap cost of what is kept per entry, counted against maxMetadataBytes so that a file of
    // millions of tiny entries is refused instead of exhausting the heap
    private static final long ENTRY_COST = 64;
    private static final long TENSOR_COST = 192;
    private static final long ELEMENT_COST = 24;

    /**
     * Limits of one read.
     *
     * @param arrayThreshold   arrays longer than this are not loaded (see {@link GgufArray})
     * @param maxStringBytes   longest single string value accepted
     * @param maxMetadataBytes most bytes of strings and array elements loaded in all
     */
    public record Options(int arrayThreshold, int maxStringBytes, long maxMetadataBytes) {
        public Options {
            if (arrayThreshold < 0 || maxStringBytes < 0 || maxMetadataBytes < 0) {
                throw new IllegalArgumentException("negative limit");
            }
        }

        public static Options defaults() {
            return new Options(DEFAULT_ARRAY_THRESHOLD, 64 * 1024 * 1024, 256L * 1024 * 1024);
        }

        public Options withArrayThreshold(int n) {
            return new Options(n, maxStringBytes, maxMetadataBytes);
        }
    }

    private GgufReader() {
    }

    /** True when the file starts with the GGUF magic. */
    public static boolean isGguf(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(4);
            while (b.hasRemaining() && ch.read(b, b.position()) > 0) {
                // keep reading: a short read is legal
            }
            return !b.hasRemaining() && Arrays.equals(b.array(), MAGIC);
        }
    }

    public static GgufFile read(Path path) throws IOException {
        return read(path, Options.defaults());
    }

    public static GgufFile read(Path path, Options options) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            GgufSource src = new GgufSource(ch, ch.size(), 0);
            try {
                return new Parser(path, src, options).parse();
            } catch (ArithmeticException | IndexOutOfBoundsException | IllegalArgumentException
                     | IllegalStateException | ClassCastException e) {
                // every check above should have caught a bad file first; never let one escape as a crash
                throw new FormatException("GGUF unreadable (internal: " + e + ") at " + src.context, e);
            }
        }
    }

    /**
     * Reads all parts of a split model (see {@link GgufSplitName}) given any one of them, in part
     * order; a file that is not split gives a one-element list. The first part holds the model's
     * metadata. A missing part, parts that disagree on {@code split.*}, duplicate tensors or a
     * tensor total that differs from {@code split.tensors.count} give a {@link FormatException}.
     */
    public static List<GgufFile> readSplit(Path anyPart) throws IOException {
        GgufFile given = read(anyPart);
        OptionalInt count = given.splitCount();
        if (count.isEmpty()) {
            return List.of(given);
        }
        int n = count.getAsInt();
        GgufSplitName name = GgufSplitName.parse(anyPart).orElseThrow(() -> new FormatException(
                "split GGUF: " + anyPart.getFileName() + " says split.count " + n
                        + " but is not named like NAME-00001-of-" + String.format("%05d", n) + ".gguf"));
        if (name.count() != n) {
            throw new FormatException("split GGUF: " + anyPart.getFileName() + " says split.count " + n
                    + " but its name says " + name.count() + " parts");
        }
        List<GgufFile> parts = new ArrayList<>(n);
        Set<String> tensorNames = new HashSet<>();
        for (Path p : name.siblings(anyPart)) {
            int index = parts.size();
            if (!Files.isRegularFile(p)) {
                throw new FormatException("split GGUF: part " + (index + 1) + " of " + n + " is missing ("
                        + p.getFileName() + ")");
            }
            GgufFile part = p.equals(anyPart.toAbsolutePath()) ? given : read(p);
            if (part.splitIndex().orElse(-1) != index || part.splitCount().orElse(-1) != n) {
                throw new FormatException("split GGUF: " + p.getFileName() + " says it is part "
                        + part.splitIndex().orElse(-1) + " (0-based) of " + part.splitCount().orElse(-1)
                        + ", expected " + index + " of " + n);
            }
            for (GgufTensorInfo t : part.tensors()) {
                if (!tensorNames.add(t.name())) {
                    throw new FormatException("split GGUF: tensor '" + t.name() + "' appears in more than one part");
                }
            }
            parts.add(part);
        }
        OptionalInt expected = parts.getFirst().splitTensorsCount();
        if (expected.isPresent() && expected.getAsInt() != tensorNames.size()) {
            throw new FormatException("split GGUF: parts hold " + tensorNames.size()
                    + " tensors but split.tensors.count says " + expected.getAsInt());
        }
        return List.copyOf(parts);
    }

    /**
     * Loads the values of an array that {@link #read} only located. Returns the array itself
     * when it is already loaded.
     */
    public static GgufArray readArray(Path path, GgufArray array) throws IOException {
        if (array.isLoaded()) {
            return array;
        }
        if (array.offset() < 0) {
            throw new IllegalArgumentException("array has neither values nor a file offset");
        }
        if (array.length() > Integer.MAX_VALUE - 8) {
            throw new FormatException("GGUF array of " + array.length() + " elements is too large to load");
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            GgufSource src = new GgufSource(ch, ch.size(), 0);
            src.context = "array at offset " + array.offset();
            src.seek(array.offset());
            Options opts = Options.defaults();
            // an explicit request may load more than read() does by default, but still not without bound
            Parser p = new Parser(path, src, new Options(Integer.MAX_VALUE, opts.maxStringBytes(),
                    4 * opts.maxMetadataBytes()));
            try {
                checkArrayFits(src, array.elementType(), array.length());
                return p.loadArray(array.elementType(), array.length(), array.offset());
            } catch (ArithmeticException | IndexOutOfBoundsException | IllegalArgumentException e) {
                throw new FormatException("GGUF unreadable (internal: " + e + ") at " + src.context, e);
            }
        }
    }

    /** Reads one tensor's raw data bytes (for tests and small tensors: at most 2 GB). */
    public static byte[] readTensorData(Path path, GgufTensorInfo tensor) throws IOException {
        if (tensor.byteSize() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor " + tensor.name() + " is too large for a byte array");
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            GgufSource src = new GgufSource(ch, ch.size(), 0);
            src.context = "tensor '" + tensor.name() + "' data";
            src.seek(tensor.absoluteOffset());
            return src.bytes((int) tensor.byteSize());
        }
    }

    /** {@code v} rounded up to a multiple of {@code alignment}. */
    static long alignUp(long v, long alignment) {
        long rem = v % alignment;
        return rem == 0 ? v : v + (alignment - rem);
    }

    private static void checkArrayFits(GgufSource src, GgufValueType type, long length) throws FormatException {
        long minBytesEach = type == GgufValueType.STRING ? 8 : type.fixedSize();
        if (length < 0 || length > src.remaining() / minBytesEach) {
            throw new FormatException("GGUF truncated: " + src.context + " at offset " + src.position()
                    + " claims " + Long.toUnsignedString(length) + " " + type + " elements, more than the "
                    + src.remaining() + " bytes left can hold (file size " + src.size() + ")");
        }
    }

    private static final class Parser {
        private final Path path;
        private final GgufSource src;
        private final Options options;
        private long budget;

        Parser(Path path, GgufSource src, Options options) {
            this.path = path;
            this.src = src;
            this.options = options;
            this.budget = options.maxMetadataBytes();
        }

        GgufFile parse() throws IOException {
            long size = src.size();
            if (size < 4) {
                throw new FormatException(size == 0 ? "not a GGUF file (empty)"
                        : "not a GGUF file (only " + size + " bytes)");
            }
            src.context = "magic";
            byte[] magic = src.bytes(4);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new FormatException("not a GGUF file (magic " + describeMagic(magic) + ")");
            }
            src.context = "version";
            long version = src.u32();
            if (version == 0) {
                throw new FormatException("unsupported GGUF version 0");
            }
            if ((version & 0xFFFF) == 0) {
                // a v2/v3 file written big-endian reads as 0x02000000/0x03000000 here
                throw new FormatException(String.format(
                        "big-endian GGUF file (version field 0x%08X) is not supported", version));
            }
            if (version == 1) {
                throw new FormatException("GGUF version 1 is not supported (obsolete format; reconvert the model)");
            }
            if (version > 3) {
                throw new FormatException("unsupported GGUF version " + version + " (supported: 2 and 3)");
            }
            src.context = "header";
            long nTensors = src.i64();
            long nKv = src.i64();
            if (nTensors < 0 || nTensors > src.remaining() / MIN_TENSOR_INFO_BYTES) {
                throw new FormatException("GGUF corrupt: header claims " + Long.toUnsignedString(nTensors)
                        + " tensors but only " + src.remaining() + " bytes follow (file size " + size + ")");
            }
            if (nKv < 0 || nKv > src.remaining() / MIN_KV_BYTES) {
                throw new FormatException("GGUF corrupt: header claims " + Long.toUnsignedString(nKv)
                        + " metadata entries but only " + src.remaining() + " bytes follow (file size " + size + ")");
            }

            Map<String, Object> metadata = new LinkedHashMap<>();
            Map<String, GgufValueType> types = new LinkedHashMap<>();
            for (long i = 0; i < nKv; i++) {
                src.context = "metadata key " + i;
                String key = src.string(MAX_KEY_BYTES);
                if (key.isEmpty()) {
                    throw new FormatException("GGUF corrupt: metadata key " + i + " is empty");
                }
                if (metadata.containsKey(key)) {
                    throw new FormatException("GGUF corrupt: duplicate metadata key '" + key + "'");
                }
                spend(ENTRY_COST + 2L * key.length());
                src.context = "metadata '" + key + "'";
                int typeId = src.i32();
                GgufValueType type = GgufValueType.fromId(typeId).orElseThrow(() -> new FormatException(
                        "GGUF corrupt: metadata '" + key + "' has unknown value type " + typeId));
                Object value;
                if (type == GgufValueType.ARRAY) {
                    int elemId = src.i32();
                    GgufValueType elem = GgufValueType.fromId(elemId).orElseThrow(() -> new FormatException(
                            "GGUF corrupt: array '" + key + "' has unknown element type " + elemId));
                    if (elem == GgufValueType.ARRAY) {
                        throw new FormatException("GGUF unsupported: array '" + key + "' holds nested arrays");
                    }
                    long length = src.i64();
                    checkArrayFits(src, elem, length);
                    long offset = src.position();
                    if (length <= options.arrayThreshold()) {
                        value = loadArray(elem, length, offset);
                    } else {
                        skipArray(elem, length);
                        value = new GgufArray(elem, length, offset, null);
                    }
                } else {
                    value = scalar(type);
                }
                metadata.put(key, value);
                types.put(key, type);
            }

            long alignment = DEFAULT_ALIGNMENT;
            if (metadata.containsKey(GgufFile.KEY_ALIGNMENT)) {
                if (types.get(GgufFile.KEY_ALIGNMENT) != GgufValueType.UINT32) {
                    throw new FormatException("GGUF corrupt: general.alignment must be UINT32, not "
                            + types.get(GgufFile.KEY_ALIGNMENT));
                }
                alignment = (Long) metadata.get(GgufFile.KEY_ALIGNMENT);
                if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
                    throw new FormatException("GGUF corrupt: general.alignment " + alignment + " is not a power of two");
                }
            }

            if (nTensors > src.remaining() / MIN_TENSOR_INFO_BYTES) {
                throw new FormatException("GGUF truncated: " + nTensors + " tensor infos cannot fit in the "
                        + src.remaining() + " bytes left (file size " + size + ")");
            }
            List<String> names = new ArrayList<>();
            List<long[]> shapes = new ArrayList<>();
            List<GgmlType> tensorTypes = new ArrayList<>();
            List<long[]> sizes = new ArrayList<>(); // {relative offset, byte size, element count}
            Set<String> seen = new HashSet<>();
            for (long i = 0; i < nTensors; i++) {
                src.context = "tensor info " + i;
                String name = src.string(MAX_TENSOR_NAME_BYTES);
                src.context = "tensor info " + i + " ('" + name + "')";
                if (!seen.add(name)) {
                    throw new FormatException("GGUF corrupt: duplicate tensor name '" + name + "'");
                }
                spend(TENSOR_COST + 2L * name.length());
                long nDims = src.u32();
                if (nDims > MAX_DIMS) {
                    throw new FormatException("GGUF corrupt: tensor '" + name + "' has " + nDims
                            + " dimensions (at most " + MAX_DIMS + ")");
                }
                long[] dims = new long[(int) nDims];
                long elements = 1;
                for (int d = 0; d < nDims; d++) {
                    dims[d] = src.i64();
                    if (dims[d] < 0) {
                        throw new FormatException("GGUF corrupt: tensor '" + name + "' dimension " + d
                                + " is negative (" + dims[d] + ")");
                    }
                }
                for (long d : dims) {
                    try {
                        elements = Math.multiplyExact(elements, d);
                    } catch (ArithmeticException e) {
                        throw new FormatException("GGUF corrupt: tensor '" + name + "' shape "
                                + Arrays.toString(dims) + " has more elements than a long can count");
                    }
                }
                int typeId = src.i32();
                GgmlType type = GgmlType.fromId(typeId).orElseThrow(() -> new FormatException(
                        "GGUF corrupt: tensor '" + name + "' has unknown ggml type " + typeId));
                long rowLength = nDims == 0 ? 1 : dims[0];
                if (rowLength % type.blockSize() != 0) {
                    throw new FormatException("GGUF corrupt: tensor '" + name + "' of type " + type + " has rows of "
                            + rowLength + " elements, not a multiple of the block size " + type.blockSize());
                }
                long byteSize;
                try {
                    byteSize = type.byteSize(elements);
                } catch (ArithmeticException e) {
                    throw new FormatException("GGUF corrupt: tensor '" + name + "' shape "
                            + Arrays.toString(dims) + " of type " + type + " has a byte size past 2^63");
                }
                long offset = src.i64();
                if (offset < 0) {
                    throw new FormatException("GGUF corrupt: tensor '" + name + "' has data offset "
                            + Long.toUnsignedString(offset) + ", past any file");
                }
                if (offset % alignment != 0) {
                    throw new FormatException("GGUF corrupt: tensor '" + name + "' data offset " + offset
                            + " is not a multiple of the alignment " + alignment);
                }
                names.add(name);
                shapes.add(dims);
                tensorTypes.add(type);
                sizes.add(new long[]{offset, byteSize, elements});
            }

            long dataOffset = src.position();
            if (nTensors > 0) {
                dataOffset = alignUp(dataOffset, alignment);
                if (dataOffset > size) {
                    throw new FormatException("GGUF truncated: tensor data section would start at offset " + dataOffset
                            + ", past the end of the file (size " + size + ")");
                }
            }
            List<GgufTensorInfo> tensors = new ArrayList<>(names.size());
            for (int i = 0; i < names.size(); i++) {
                long[] s = sizes.get(i);
                long start = dataOffset + s[0]; // both < 2^63 and dataOffset <= size: no overflow
                if (start > size || s[1] > size - start) {
                    throw new FormatException("GGUF truncated: tensor '" + names.get(i) + "' data [" + start + ", "
                            + (start + Math.min(s[1], Long.MAX_VALUE - start)) + ") extends past the end of the file (size "
                            + size + ")");
                }
                tensors.add(new GgufTensorInfo(names.get(i), shapes.get(i), tensorTypes.get(i), s[0], start, s[1], s[2]));
            }
            return new GgufFile(path, (int) version, size, alignment, dataOffset, metadata, types, tensors);
        }

        private void spend(long bytes) throws FormatException {
            budget -= bytes;
            if (budget < 0) {
                throw new FormatException("GGUF metadata larger than the " + options.maxMetadataBytes()
                        + " bytes this reader loads (at " + src.context + ")");
            }
        }

        Object scalar(GgufValueType type) throws IOException {
            return switch (type) {
                case UINT8 -> src.u8();
                case INT8 -> (int) src.i8();
                case UINT16 -> src.i16() & 0xFFFF;
                case INT16 -> (int) src.i16();
                case UINT32 -> src.u32();
                case INT32 -> src.i32();
                case FLOAT32 -> src.f32();
                case BOOL -> src.i8() != 0;
                case STRING -> {
                    String s = src.string(options.maxStringBytes());
                    spend(ENTRY_COST + 2L * s.length());
                    yield s;
                }
                case UINT64, INT64 -> src.i64();
                case FLOAT64 -> src.f64();
                case ARRAY -> throw new FormatException("GGUF unsupported: nested array at " + src.context);
            };
        }

        GgufArray loadArray(GgufValueType elem, long length, long offset) throws IOException {
            // length was checked against the bytes left, so this allocation is bounded by the file
            spend(length * (ELEMENT_COST + elem.fixedSize()));
            List<Object> values = new ArrayList<>((int) Math.min(length, 1 << 16));
            for (long i = 0; i < length; i++) {
                values.add(scalar(elem));
            }
            return new GgufArray(elem, length, offset, values);
        }

        private void skipArray(GgufValueType elem, long length) throws IOException {
            if (elem != GgufValueType.STRING) {
                src.skip(length * elem.fixedSize()); // checked by checkArrayFits: no overflow
                return;
            }
            for (long i = 0; i < length; i++) {
                src.skipString();
            }
        }
    }

    private static String describeMagic(byte[] m) {
        StringBuilder hex = new StringBuilder("0x");
        StringBuilder text = new StringBuilder();
        for (byte b : m) {
            hex.append(String.format("%02X", b & 0xFF));
            text.append(b >= 0x20 && b < 0x7F ? (char) b : '.');
        }
        return hex + " \"" + text + "\"";
    }
}
