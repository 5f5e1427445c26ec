package io.jknife.formats.gguf;

import io.jknife.formats.GgmlType;

import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * What {@link GgufReader#read} found in a GGUF file: header, metadata and tensor infos.
 *
 * @param path       the file read
 * @param version    GGUF version (2 or 3)
 * @param fileSize   bytes in the file
 * @param alignment  data alignment ({@code general.alignment}, default 32)
 * @param dataOffset absolute offset of the tensor data section
 * @param metadata   key/value pairs in file order; values are the plain Java types listed on
 *                   {@link GgufValueType}
 * @param types      the GGUF type of each metadata value (ARRAY for arrays)
 * @param tensors    tensor infos in file order
 */
public record GgufFile(Path path, int version, long fileSize, long alignment, long dataOffset,
                       Map<String, Object> metadata, Map<String, GgufValueType> types,
                       List<GgufTensorInfo> tensors) {

    public static final String KEY_ARCHITECTURE = "general.architecture";
    public static final String KEY_NAME = "general.name";
    public static final String KEY_FILE_TYPE = "general.file_type";
    public static final String KEY_ALIGNMENT = "general.alignment";
    public static final String KEY_CHAT_TEMPLATE = "tokenizer.chat_template";
    public static final String KEY_SPLIT_NO = "split.no";
    public static final String KEY_SPLIT_COUNT = "split.count";
    public static final String KEY_SPLIT_TENSORS_COUNT = "split.tensors.count";

    public GgufFile {
        Objects.requireNonNull(metadata, "metadata");
        Objects.requireNonNull(types, "types");
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        types = Collections.unmodifiableMap(new LinkedHashMap<>(types));
        tensors = List.copyOf(tensors);
    }

    public Optional<Object> value(String key) {
        return Optional.ofNullable(metadata.get(key));
    }

    public Optional<String> string(String key) {
        return metadata.get(key) instanceof String s ? Optional.of(s) : Optional.empty();
    }

    /** A value of any GGUF integer type. */
    public OptionalLong integer(String key) {
        Object v = metadata.get(key);
        return v instanceof Integer || v instanceof Long
                ? OptionalLong.of(((Number) v).longValue()) : OptionalLong.empty();
    }

    /** A value of any numeric type, integer or float. */
    public OptionalDouble number(String key) {
        return metadata.get(key) instanceof Number n ? OptionalDouble.of(n.doubleValue()) : OptionalDouble.empty();
    }

    public Optional<Boolean> bool(String key) {
        return metadata.get(key) instanceof Boolean b ? Optional.of(b) : Optional.empty();
    }

    public Optional<GgufArray> array(String key) {
        return metadata.get(key) instanceof GgufArray a ? Optional.of(a) : Optional.empty();
    }

    /** {@code general.architecture}, or null when absent. */
    public String architecture() {
        return string(KEY_ARCHITECTURE).orElse(null);
    }

    /** An architecture-scoped integer such as {@code context_length} for {@code llama.context_length}. */
    public OptionalLong archInteger(String suffix) {
        String arch = architecture();
        return arch == null ? OptionalLong.empty() : integer(arch + "." + suffix);
    }

    /** An architecture-scoped number such as {@code rope.freq_base}. */
    public OptionalDouble archNumber(String suffix) {
        String arch = architecture();
        return arch == null ? OptionalDouble.empty() : number(arch + "." + suffix);
    }

    public Optional<String> chatTemplate() {
        return string(KEY_CHAT_TEMPLATE);
    }

    /** Sum of the element counts of all tensors in this file (of this part, for a split model). */
    public long parameterCount() {
        long n = 0;
        for (GgufTensorInfo t : tensors) {
            n += t.elementCount();
        }
        return n;
    }

    /** Sum of the tensor data sizes, without padding. */
    public long tensorDataSize() {
        long n = 0;
        for (GgufTensorInfo t : tensors) {
            n += t.byteSize();
        }
        return n;
    }

    public Optional<GgufTensorInfo> tensor(String name) {
        for (GgufTensorInfo t : tensors) {
            if (t.name().equals(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** {@code general.file_type}. */
    public OptionalInt fileType() {
        OptionalLong v = integer(KEY_FILE_TYPE);
        if (v.isEmpty() || v.getAsLong() < Integer.MIN_VALUE || v.getAsLong() > Integer.MAX_VALUE) {
            return OptionalInt.empty();
        }
        return OptionalInt.of((int) v.getAsLong());
    }

    /**
     * The quantization as users name it ({@code Q4_K_M}, {@code F16}, {@code Q8_0}): from
     * {@code general.file_type} when it names a known recipe, otherwise the most common type
     * among the 2-D weight tensors. Null when neither tells (no file type and no tensors).
     */
    public String quantizationName() {
        OptionalInt ft = fileType();
        if (ft.isPresent()) {
            Optional<GgufFileType> known = GgufFileType.fromId(ft.getAsInt());
            if (known.isPresent()) {
                return known.get().label();
            }
        }
        GgmlType common = dominantWeightType();
        return common == null ? null : common.name();
    }

    /** The most common type among 2-D {@code *.weight} tensors (any tensor of rank 2+ if none), by count. */
    public GgmlType dominantWeightType() {
        Map<GgmlType, Long> counts = new EnumMap<>(GgmlType.class);
        for (GgufTensorInfo t : tensors) {
            if (t.rank() == 2 && t.name().endsWith(".weight")) {
                counts.merge(t.type(), 1L, Long::sum);
            }
        }
        if (counts.isEmpty()) {
            for (GgufTensorInfo t : tensors) {
                if (t.rank() >= 2) {
                    counts.merge(t.type(), 1L, Long::sum);
                }
            }
        }
        if (counts.isEmpty()) {
            for (GgufTensorInfo t : tensors) {
                counts.merge(t.type(), 1L, Long::sum);
            }
        }
        GgmlType best = null;
        long bestCount = 0;
        for (Map.Entry<GgmlType, Long> e : counts.entrySet()) {
            if (e.getValue() > bestCount) {
                best = e.getKey();
                bestCount = e.getValue();
            }
        }
        return best;
    }

    /** {@code split.count}: how many parts a split model has (absent for a single file). */
    public OptionalInt splitCount() {
        return smallInt(KEY_SPLIT_COUNT);
    }

    /** {@code split.no}: this part's zero-based index. */
    public OptionalInt splitIndex() {
        return smallInt(KEY_SPLIT_NO);
    }

    /** {@code split.tensors.count}: tensors over all parts. */
    public OptionalInt splitTensorsCount() {
        return smallInt(KEY_SPLIT_TENSORS_COUNT);
    }

    private OptionalInt smallInt(String key) {
        OptionalLong v = integer(key);
        if (v.isEmpty() || v.getAsLong() < 0 || v.getAsLong() > Integer.MAX_VALUE) {
            return OptionalInt.empty();
        }
        return OptionalInt.of((int) v.getAsLong());
    }
}
