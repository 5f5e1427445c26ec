package io.jknife.formats.gguf;

import io.jknife.formats.GgmlType;

import java.util.Optional;

/**
 * llama.cpp's {@code llama_ftype}: the value of {@code general.file_type}, naming the quantization
 * recipe of the whole file. Constants carry llama.cpp's names without the {@code LLAMA_FTYPE_}
 * prefix; {@link #label()} gives the short name users know ({@code Q4_K_M}, {@code F16}).
 */
public enum GgufFileType {
    ALL_F32(0, null),
    MOSTLY_F16(1, GgmlType.F16),
    MOSTLY_Q4_0(2, GgmlType.Q4_0),
    MOSTLY_Q4_1(3, GgmlType.Q4_1),
    MOSTLY_Q4_1_SOME_F16(4, GgmlType.Q4_1),
    MOSTLY_Q8_0(7, GgmlType.Q8_0),
    MOSTLY_Q5_0(8, GgmlType.Q5_0),
    MOSTLY_Q5_1(9, GgmlType.Q5_1),
    MOSTLY_Q2_K(10, GgmlType.Q2_K),
    MOSTLY_Q3_K_S(11, GgmlType.Q3_K),
    MOSTLY_Q3_K_M(12, GgmlType.Q3_K),
    MOSTLY_Q3_K_L(13, GgmlType.Q3_K),
    MOSTLY_Q4_K_S(14, GgmlType.Q4_K),
    MOSTLY_Q4_K_M(15, GgmlType.Q4_K),
    MOSTLY_Q5_K_S(16, GgmlType.Q5_K),
    MOSTLY_Q5_K_M(17, GgmlType.Q5_K),
    MOSTLY_Q6_K(18, GgmlType.Q6_K),
    MOSTLY_IQ2_XXS(19, GgmlType.IQ2_XXS),
    MOSTLY_IQ2_XS(20, GgmlType.IQ2_XS),
    MOSTLY_Q2_K_S(21, GgmlType.Q2_K),
    MOSTLY_IQ3_XS(22, GgmlType.IQ3_S),
    MOSTLY_IQ3_XXS(23, GgmlType.IQ3_XXS),
    MOSTLY_IQ1_S(24, GgmlType.IQ1_S),
    MOSTLY_IQ4_NL(25, GgmlType.IQ4_NL),
    MOSTLY_IQ3_S(26, GgmlType.IQ3_S),
    MOSTLY_IQ3_M(27, GgmlType.IQ3_S),
    MOSTLY_IQ2_S(28, GgmlType.IQ2_S),
    MOSTLY_IQ2_M(29, GgmlType.IQ2_S),
    MOSTLY_IQ4_XS(30, GgmlType.IQ4_XS),
    MOSTLY_IQ1_M(31, GgmlType.IQ1_M),
    MOSTLY_BF16(32, GgmlType.BF16),
    // 33-35 were the Q4_0_4_4/4_8/8_8 repacks, removed from llama.cpp but still named in old files
    MOSTLY_Q4_0_4_4(33, GgmlType.Q4_0),
    MOSTLY_Q4_0_4_8(34, GgmlType.Q4_0),
    MOSTLY_Q4_0_8_8(35, GgmlType.Q4_0),
    MOSTLY_TQ1_0(36, GgmlType.TQ1_0),
    MOSTLY_TQ2_0(37, GgmlType.TQ2_0),
    MOSTLY_MXFP4_MOE(38, GgmlType.MXFP4),
    MOSTLY_NVFP4(39, GgmlType.NVFP4),
    MOSTLY_Q1_0(40, GgmlType.Q1_0);

    private final int id;
    private final GgmlType mainType;

    GgufFileType(int id, GgmlType mainType) {
        this.id = id;
        this.mainType = mainType;
    }

    public int id() {
        return id;
    }

    /** The short name: {@code MOSTLY_Q4_K_M} gives {@code Q4_K_M}, {@code ALL_F32} gives {@code F32}. */
    public String label() {
        String n = name();
        if (n.startsWith("MOSTLY_")) {
            return n.substring("MOSTLY_".length());
        }
        return n.substring("ALL_".length());
    }

    /** The tensor type most 2-D weights have under this recipe. */
    public GgmlType mainType() {
        return mainType == null ? GgmlType.F32 : mainType;
    }

    public static Optional<GgufFileType> fromId(long id) {
        for (GgufFileType t : values()) {
            if (t.id == id) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** The plain "mostly X" recipe for a tensor type, e.g. Q8_0 gives MOSTLY_Q8_0. */
    public static Optional<GgufFileType> forTensorType(GgmlType type) {
        return switch (type) {
            case F32 -> Optional.of(ALL_F32);
            case F16 -> Optional.of(MOSTLY_F16);
            case BF16 -> Optional.of(MOSTLY_BF16);
            case Q4_0 -> Optional.of(MOSTLY_Q4_0);
            case Q4_1 -> Optional.of(MOSTLY_Q4_1);
            case Q5_0 -> Optional.of(MOSTLY_Q5_0);
            case Q5_1 -> Optional.of(MOSTLY_Q5_1);
            case Q8_0 -> Optional.of(MOSTLY_Q8_0);
            case Q2_K -> Optional.of(MOSTLY_Q2_K);
            case Q3_K -> Optional.of(MOSTLY_Q3_K_M);
            case Q4_K -> Optional.of(MOSTLY_Q4_K_M);
            case Q5_K -> Optional.of(MOSTLY_Q5_K_M);
            case Q6_K -> Optional.of(MOSTLY_Q6_K);
            case IQ2_XXS -> Optional.of(MOSTLY_IQ2_XXS);
            case IQ2_XS -> Optional.of(MOSTLY_IQ2_XS);
            case IQ3_XXS -> Optional.of(MOSTLY_IQ3_XXS);
            case IQ1_S -> Optional.of(MOSTLY_IQ1_S);
            case IQ4_NL -> Optional.of(MOSTLY_IQ4_NL);
            case IQ3_S -> Optional.of(MOSTLY_IQ3_S);
            case IQ2_S -> Optional.of(MOSTLY_IQ2_S);
            case IQ4_XS -> Optional.of(MOSTLY_IQ4_XS);
            case IQ1_M -> Optional.of(MOSTLY_IQ1_M);
            case TQ1_0 -> Optional.of(MOSTLY_TQ1_0);
            case TQ2_0 -> Optional.of(MOSTLY_TQ2_0);
            case MXFP4 -> Optional.of(MOSTLY_MXFP4_MOE);
            case NVFP4 -> Optional.of(MOSTLY_NVFP4);
            case Q1_0 -> Optional.of(MOSTLY_Q1_0);
            default -> Optional.empty();
        };
    }
}
