package io.jknife.formats.ggml;

import io.jknife.formats.GgmlType;

import java.util.Optional;

/**
 * The ggml types as whisper.cpp 1.7.x's ggml knows them: which tensor type ids a whisper GGML
 * file may hold, the weight type of a file-level {@code ftype}, and the byte size of a tensor.
 */
public final class WhisperGgmlTypes {
    /**
     * The highest tensor type id of ggml at whisper.cpp 1.7.x ({@link GgmlType#TQ2_0}); its table
     * still has the interleaved Q4_0 types (31-33) that later ggml removed, and none of the later ids.
     */
    public static final int MAX_TYPE_ID = 35;

    private WhisperGgmlTypes() {
    }

    /** The tensor type with this id; empty for ids whisper.cpp 1.7.x's ggml does not know. */
    public static Optional<GgmlType> byId(int id) {
        return id <= MAX_TYPE_ID ? GgmlType.fromAnyId(id) : Optional.empty();
    }

    /**
     * The weight type of a ggml file-level {@code ftype} ({@code ggml_ftype_to_ggml_type}), after
     * the quantization-version factor (1000) is removed; empty for values ggml rejects (4, 5, 6,
     * unknown), on which ggml aborts.
     */
    public static Optional<GgmlType> forFtype(int ftype) {
        return Optional.ofNullable(switch (ftype) {
            case 0 -> GgmlType.F32;
            case 1 -> GgmlType.F16;
            case 2 -> GgmlType.Q4_0;
            case 3 -> GgmlType.Q4_1;
            case 7 -> GgmlType.Q8_0;
            case 8 -> GgmlType.Q5_0;
            case 9 -> GgmlType.Q5_1;
            case 10 -> GgmlType.Q2_K;
            case 11 -> GgmlType.Q3_K;
            case 12 -> GgmlType.Q4_K;
            case 13 -> GgmlType.Q5_K;
            case 14 -> GgmlType.Q6_K;
            case 15 -> GgmlType.IQ2_XXS;
            case 16 -> GgmlType.IQ2_XS;
            case 17 -> GgmlType.IQ3_XXS;
            case 18 -> GgmlType.IQ1_S;
            case 19 -> GgmlType.IQ4_NL;
            case 20 -> GgmlType.IQ3_S;
            case 21 -> GgmlType.IQ2_S;
            case 22 -> GgmlType.IQ4_XS;
            case 23 -> GgmlType.IQ1_M;
            case 24 -> GgmlType.BF16;
            case 25 -> GgmlType.Q4_0_4_4;
            case 26 -> GgmlType.Q4_0_4_8;
            case 27 -> GgmlType.Q4_0_8_8;
            default -> null;
        });
    }

    /**
     * Bytes taken by a tensor of {@code type} whose innermost dimension is {@code ne0} and which
     * holds {@code elements} values; -1 when {@code ne0} is not a whole number of blocks or on
     * overflow.
     */
    public static long byteSize(GgmlType type, long ne0, long elements) {
        int blockSize = type.blockSize();
        if (ne0 < 0 || elements < 0 || ne0 % blockSize != 0) {
            return -1;
        }
        long blocks = elements / blockSize;
        return blocks > Long.MAX_VALUE / type.typeSize() ? -1 : blocks * type.typeSize();
    }
}
