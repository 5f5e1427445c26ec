package io.jknife.formats.ggml;

import java.util.Optional;

/**
 * ggml tensor types with their on-disk ids, block sizes (values per block) and block byte sizes,
 * as defined by ggml at the whisper.cpp 1.7.x releases. Ids 4 and 5 (Q4_2, Q4_3) were removed
 * from ggml and are not accepted.
 */
public enum GgmlType {
    F32(0, "f32", 1, 4),
    F16(1, "f16", 1, 2),
    Q4_0(2, "q4_0", 32, 18),
    Q4_1(3, "q4_1", 32, 20),
    Q5_0(6, "q5_0", 32, 22),
    Q5_1(7, "q5_1", 32, 24),
    Q8_0(8, "q8_0", 32, 34),
    Q8_1(9, "q8_1", 32, 36),
    Q2_K(10, "q2_K", 256, 84),
    Q3_K(11, "q3_K", 256, 110),
    Q4_K(12, "q4_K", 256, 144),
    Q5_K(13, "q5_K", 256, 176),
    Q6_K(14, "q6_K", 256, 210),
    Q8_K(15, "q8_K", 256, 292),
    IQ2_XXS(16, "iq2_xxs", 256, 66),
    IQ2_XS(17, "iq2_xs", 256, 74),
    IQ3_XXS(18, "iq3_xxs", 256, 98),
    IQ1_S(19, "iq1_s", 256, 50),
    IQ4_NL(20, "iq4_nl", 32, 18),
    IQ3_S(21, "iq3_s", 256, 110),
    IQ2_S(22, "iq2_s", 256, 82),
    IQ4_XS(23, "iq4_xs", 256, 136),
    I8(24, "i8", 1, 1),
    I16(25, "i16", 1, 2),
    I32(26, "i32", 1, 4),
    I64(27, "i64", 1, 8),
    F64(28, "f64", 1, 8),
    IQ1_M(29, "iq1_m", 256, 56),
    BF16(30, "bf16", 1, 2),
    Q4_0_4_4(31, "q4_0_4x4", 32, 18),
    Q4_0_4_8(32, "q4_0_4x8", 32, 18),
    Q4_0_8_8(33, "q4_0_8x8", 32, 18),
    TQ1_0(34, "tq1_0", 256, 54),
    TQ2_0(35, "tq2_0", 256, 66);

    private static final GgmlType[] BY_ID = new GgmlType[36];

    static {
        for (GgmlType t : values()) {
            BY_ID[t.id] = t;
        }
    }

    private final int id;
    private final String ggmlName;
    private final int blockSize;
    private final int typeSize;

    GgmlType(int id, String ggmlName, int blockSize, int typeSize) {
        this.id = id;
        this.ggmlName = ggmlName;
        this.blockSize = blockSize;
        this.typeSize = typeSize;
    }

    /** The numeric id stored in files. */
    public int id() {
        return id;
    }

    /** ggml's own name, e.g. {@code "f16"}, {@code "q5_0"}. */
    public String ggmlName() {
        return ggmlName;
    }

    /** Values per block (1 for plain types). */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes per block. */
    public int typeSize() {
        return typeSize;
    }

    public boolean isQuantized() {
        return blockSize > 1;
    }

    /**
     * Bytes taken by a tensor whose innermost dimension is {@code ne0} and which holds
     * {@code elements} values; -1 when {@code ne0} is not a whole number of blocks or on overflow.
     */
    public long byteSize(long ne0, long elements) {
        if (ne0 < 0 || elements < 0 || ne0 % blockSize != 0) {
            return -1;
        }
        long blocks = elements / blockSize;
        return blocks > Long.MAX_VALUE / typeSize ? -1 : blocks * typeSize;
    }

    public static Optional<GgmlType> byId(int id) {
        return id >= 0 && id < BY_ID.length ? Optional.ofNullable(BY_ID[id]) : Optional.empty();
    }

    /**
     * The weight type of a ggml file-level {@code ftype} ({@code ggml_ftype_to_ggml_type}), after
     * the quantization-version factor (1000) is removed; empty for values ggml rejects (4, 5, 6,
     * unknown), on which ggml aborts.
     */
    public static Optional<GgmlType> forFtype(int ftype) {
        return Optional.ofNullable(switch (ftype) {
            case 0 -> F32;
            case 1 -> F16;
            case 2 -> Q4_0;
            case 3 -> Q4_1;
            case 7 -> Q8_0;
            case 8 -> Q5_0;
            case 9 -> Q5_1;
            case 10 -> Q2_K;
            case 11 -> Q3_K;
            case 12 -> Q4_K;
            case 13 -> Q5_K;
            case 14 -> Q6_K;
            case 15 -> IQ2_XXS;
            case 16 -> IQ2_XS;
            case 17 -> IQ3_XXS;
            case 18 -> IQ1_S;
            case 19 -> IQ4_NL;
            case 20 -> IQ3_S;
            case 21 -> IQ2_S;
            case 22 -> IQ4_XS;
            case 23 -> IQ1_M;
            case 24 -> BF16;
            case 25 -> Q4_0_4_4;
            case 26 -> Q4_0_4_8;
            case 27 -> Q4_0_8_8;
            default -> null;
        });
    }
}
