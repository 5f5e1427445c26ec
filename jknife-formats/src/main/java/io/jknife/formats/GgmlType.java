package io.jknife.formats;

import java.util.Locale;
import java.util.Optional;

/**
 * The ggml tensor element types, as GGUF files and whisper.cpp's GGML files store them, with the
 * ids, block sizes and block byte sizes of ggml's type table.
 *
 * <p>Ids that ggml dropped entirely (4, 5: Q4_2, Q4_3; 36-38: the interleaved IQ4_NL layouts)
 * have no constant. The interleaved Q4_0 layouts (31-33) were removed from ggml too, but older
 * ggml releases such as the one in whisper.cpp 1.7.x still write and load them, so they have a
 * constant that {@link #isRemoved()}; {@link #fromId}, {@link #of} and {@link #fromName} know
 * only current ggml's types, which is what GGUF files may hold, and {@link #fromAnyId} also
 * finds the removed ones.
 */
public enum GgmlType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 18),
    Q4_1(3, 32, 20),
    Q5_0(6, 32, 22),
    Q5_1(7, 32, 24),
    Q8_0(8, 32, 34),
    Q8_1(9, 32, 36),
    Q2_K(10, 256, 84),
    Q3_K(11, 256, 110),
    Q4_K(12, 256, 144),
    Q5_K(13, 256, 176),
    Q6_K(14, 256, 210),
    Q8_K(15, 256, 292),
    IQ2_XXS(16, 256, 66),
    IQ2_XS(17, 256, 74),
    IQ3_XXS(18, 256, 98),
    IQ1_S(19, 256, 50),
    IQ4_NL(20, 32, 18),
    IQ3_S(21, 256, 110),
    IQ2_S(22, 256, 82),
    IQ4_XS(23, 256, 136),
    I8(24, 1, 1),
    I16(25, 1, 2),
    I32(26, 1, 4),
    I64(27, 1, 8),
    F64(28, 1, 8),
    IQ1_M(29, 256, 56),
    BF16(30, 1, 2),
    /** Q4_0 interleaved 4x4; removed from ggml (see {@link #isRemoved()}). */
    Q4_0_4_4(31, 32, 18, "q4_0_4x4"),
    /** Q4_0 interleaved 4x8; removed from ggml (see {@link #isRemoved()}). */
    Q4_0_4_8(32, 32, 18, "q4_0_4x8"),
    /** Q4_0 interleaved 8x8; removed from ggml (see {@link #isRemoved()}). */
    Q4_0_8_8(33, 32, 18, "q4_0_8x8"),
    TQ1_0(34, 256, 54),
    TQ2_0(35, 256, 66),
    MXFP4(39, 32, 17),
    NVFP4(40, 64, 36),
    Q1_0(41, 128, 18);

    private static final GgmlType[] BY_ID = new GgmlType[64];

    static {
        for (GgmlType t : values()) {
            BY_ID[t.id] = t;
        }
    }

    private final int id;
    private final int blockSize;
    private final int typeSize;
    /** ggml's name of a removed type; null for current types, whose name follows from the constant's. */
    private final String removedName;

    GgmlType(int id, int blockSize, int typeSize) {
        this(id, blockSize, typeSize, null);
    }

    GgmlType(int id, int blockSize, int typeSize, String removedName) {
        this.id = id;
        this.blockSize = blockSize;
        this.typeSize = typeSize;
        this.removedName = removedName;
    }

    /** The numeric id stored in a GGUF tensor info or a whisper.cpp tensor header. */
    public int id() {
        return id;
    }

    /** Elements per block (1 for plain types such as F32). */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes per block. */
    public int typeSize() {
        return typeSize;
    }

    /** True for block-quantized types (everything that is not a plain float or integer). */
    public boolean isQuantized() {
        return blockSize > 1;
    }

    /**
     * True for the interleaved Q4_0 layouts (ids 31-33) that current ggml no longer knows: GGUF
     * readers reject them, whisper.cpp 1.7.x still loads them.
     */
    public boolean isRemoved() {
        return removedName != null;
    }

    /** The name ggml prints, e.g. {@code q4_K}, {@code f16}, {@code bf16}, {@code q4_0_4x4}. */
    public String ggmlName() {
        return removedName != null ? removedName : name().toLowerCase(Locale.ROOT).replace("_k", "_K");
    }

    /**
     * Bytes taken by {@code elements} elements of this type.
     *
     * @throws IllegalArgumentException when the count is negative or not a whole number of blocks
     * @throws ArithmeticException when the size does not fit a long
     */
    public long byteSize(long elements) {
        if (elements < 0) {
            throw new IllegalArgumentException("negative element count " + elements);
        }
        if (elements % blockSize != 0) {
            throw new IllegalArgumentException(
                    elements + " elements is not a whole number of " + name() + " blocks of " + blockSize);
        }
        return Math.multiplyExact(elements / blockSize, (long) typeSize);
    }

    /** The current ggml type with this id; empty for unknown ids and for the removed types. */
    public static Optional<GgmlType> fromId(long id) {
        return fromAnyId(id).filter(t -> !t.isRemoved());
    }

    /** The type with this id, the removed types included; empty for unknown ids. */
    public static Optional<GgmlType> fromAnyId(long id) {
        if (id < 0 || id >= BY_ID.length) {
            return Optional.empty();
        }
        return Optional.ofNullable(BY_ID[(int) id]);
    }

    /**
     * The current ggml type with this id.
     *
     * @throws IllegalArgumentException for unknown ids and the removed types
     */
    public static GgmlType of(long id) {
        return fromId(id).orElseThrow(() -> new IllegalArgumentException("unknown ggml type id " + id));
    }

    /** Looks a current ggml type up by enum name or ggml name, case-insensitively. */
    public static Optional<GgmlType> fromName(String name) {
        for (GgmlType t : values()) {
            if (!t.isRemoved() && t.name().equalsIgnoreCase(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
