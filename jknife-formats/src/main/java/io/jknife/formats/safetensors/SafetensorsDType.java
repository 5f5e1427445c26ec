package io.jknife.formats.safetensors;

import java.util.Optional;

/**
 * Element types of the safetensors format. Declared in the reference implementation's order
 * (increasing alignment), which its writer sorts by; {@link SafetensorsWriter} does the same so
 * files come out laid out like those of the Python/Rust library.
 */
public enum SafetensorsDType {
    BOOL(8),
    /** MXFP4: two 4-bit values per byte. */
    F4(4),
    F6_E2M3(6),
    F6_E3M2(6),
    U8(8),
    I8(8),
    F8_E5M2(8),
    F8_E4M3(8),
    F8_E8M0(8),
    F8_E4M3FNUZ(8),
    F8_E5M2FNUZ(8),
    I16(16),
    U16(16),
    F16(16),
    BF16(16),
    I32(32),
    U32(32),
    F32(32),
    C64(64),
    F64(64),
    I64(64),
    U64(64);

    private final int bits;

    SafetensorsDType(int bits) {
        this.bits = bits;
    }

    /** Bits per element (sub-byte types pack several elements into a byte). */
    public int bits() {
        return bits;
    }

    /** The name as written in a header's {@code dtype} field, e.g. {@code "BF16"}. */
    public String jsonName() {
        return name();
    }

    /** Whether the type holds floating-point values that {@link FloatEncoding} can convert. */
    public boolean isFloatConvertible() {
        return this == F32 || this == F16 || this == BF16;
    }

    /**
     * Bytes taken by {@code elements} values, or -1 when that overflows or is not a whole number
     * of bytes (an odd count of 4-bit values).
     */
    public long byteSize(long elements) {
        if (elements < 0) {
            return -1;
        }
        long nbits;
        try {
            nbits = Math.multiplyExact(elements, (long) bits);
        } catch (ArithmeticException e) {
            return -1;
        }
        return nbits % 8 == 0 ? nbits / 8 : -1;
    }

    /** The type for a header's {@code dtype} string; exact, case-sensitive match as in the reference. */
    public static Optional<SafetensorsDType> parse(String name) {
        if (name == null) {
            return Optional.empty();
        }
        for (SafetensorsDType t : values()) {
            if (t.name().equals(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
