package io.jknife.formats.gguf;

import java.util.Optional;

/**
 * The GGUF metadata value types and the plain Java type each is read as:
 * <ul>
 *   <li>UINT8, INT8, UINT16, INT16, INT32 as {@link Integer} (unsigned ones zero-extended)</li>
 *   <li>UINT32, INT64, UINT64 as {@link Long} (UINT64 keeps its 64 bits: values past
 *       {@code Long.MAX_VALUE} come out negative, read them with {@link Long#toUnsignedString})</li>
 *   <li>FLOAT32 as {@link Float}, FLOAT64 as {@link Double}, BOOL as {@link Boolean},
 *       STRING as {@link String}, ARRAY as {@link GgufArray}</li>
 * </ul>
 */
public enum GgufValueType {
    UINT8(0, 1),
    INT8(1, 1),
    UINT16(2, 2),
    INT16(3, 2),
    UINT32(4, 4),
    INT32(5, 4),
    FLOAT32(6, 4),
    BOOL(7, 1),
    STRING(8, 0),
    ARRAY(9, 0),
    UINT64(10, 8),
    INT64(11, 8),
    FLOAT64(12, 8);

    private static final GgufValueType[] BY_ID = values();

    private final int id;
    private final int size;

    GgufValueType(int id, int size) {
        this.id = id;
        this.size = size;
    }

    public int id() {
        return id;
    }

    /** Bytes of one value, 0 for STRING and ARRAY whose size depends on the content. */
    public int fixedSize() {
        return size;
    }

    public boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }

    public static Optional<GgufValueType> fromId(long id) {
        // ids are dense 0..12 and the constants are declared in id order
        if (id < 0 || id >= BY_ID.length) {
            return Optional.empty();
        }
        return Optional.of(BY_ID[(int) id]);
    }
}
