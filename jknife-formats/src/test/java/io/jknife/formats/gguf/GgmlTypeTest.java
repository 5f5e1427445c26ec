package io.jknife.formats.gguf;

import io.jknife.formats.GgmlType;
import io.jknife.formats.HalfFloats;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GgmlTypeTest {
    @Test
    void idsAreUniqueAndLookupRoundTrips() {
        Set<Integer> ids = new HashSet<>();
        for (GgmlType t : GgmlType.values()) {
            assertTrue(ids.add(t.id()), "duplicate id " + t.id());
            assertEquals(t, GgmlType.fromAnyId(t.id()).orElseThrow());
            if (t.isRemoved()) {
                continue; // ids 31-33: whisper.cpp 1.7.x only, GGUF lookups reject them (see the next test)
            }
            assertEquals(t, GgmlType.fromId(t.id()).orElseThrow());
            assertEquals(t, GgmlType.fromName(t.ggmlName()).orElseThrow());
        }
    }

    @Test
    void removedAndUnknownIdsAreRejected() {
        for (long id : new long[]{4, 5, 31, 32, 33, 36, 37, 38, 42, 63, 64, 1 << 20, -1, Long.MAX_VALUE}) {
            assertTrue(GgmlType.fromId(id).isEmpty(), "id " + id);
        }
    }

    @Test
    void blockGeometryMatchesGgml() {
        assertEquals(4, GgmlType.F32.byteSize(1));
        assertEquals(34, GgmlType.Q8_0.byteSize(32));
        assertEquals(18, GgmlType.Q4_0.byteSize(32));
        assertEquals(144, GgmlType.Q4_K.byteSize(256));
        assertEquals(210, GgmlType.Q6_K.byteSize(256));
        assertEquals(292, GgmlType.Q8_K.byteSize(256));
        assertEquals(136, GgmlType.IQ4_XS.byteSize(256));
        assertEquals(17, GgmlType.MXFP4.byteSize(32));
        assertEquals(2 * 4096 * 4096L, GgmlType.BF16.byteSize(4096 * 4096L));
        assertEquals("q4_K", GgmlType.Q4_K.ggmlName());
        assertEquals("iq2_xxs", GgmlType.IQ2_XXS.ggmlName());
        assertEquals("bf16", GgmlType.BF16.ggmlName());
        assertThrows(IllegalArgumentException.class, () -> GgmlType.Q4_K.byteSize(100));
        assertThrows(ArithmeticException.class, () -> GgmlType.F32.byteSize(Long.MAX_VALUE));
    }

    @Test
    void fileTypeLabels() {
        assertEquals("Q4_K_M", GgufFileType.MOSTLY_Q4_K_M.label());
        assertEquals("F32", GgufFileType.ALL_F32.label());
        assertEquals("BF16", GgufFileType.fromId(32).orElseThrow().label());
        assertEquals("Q8_0", GgufFileType.fromId(7).orElseThrow().label());
        assertTrue(GgufFileType.fromId(5).isEmpty());
        assertEquals(GgufFileType.MOSTLY_Q8_0, GgufFileType.forTensorType(GgmlType.Q8_0).orElseThrow());
    }

    @Test
    void halfAndBfloatConversions() {
        assertEquals(1.0f, HalfFloats.halfToFloat(HalfFloats.floatToHalf(1.0f)));
        assertEquals((short) 0x3C00, HalfFloats.floatToHalf(1.0f));
        assertEquals((short) 0x7C00, HalfFloats.floatToHalf(1e10f), "overflow to infinity");
        assertEquals((short) 0x3F80, HalfFloats.floatToBf16(1.0f));
        assertEquals(1.0f, HalfFloats.bf16ToFloat((short) 0x3F80));
        assertTrue(Float.isNaN(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(Float.NaN))));
        // round to nearest even: 1 + 2^-8 is halfway between two bf16 values and goes to the even one
        assertEquals(1.0f, HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(1.0f + 0x1p-8f)));
    }

    @Test
    void quantizedZerosAndExtremes() {
        float[] zeros = new float[32];
        assertEquals(0f, GgmlQuant.decode(GgmlQuant.encode(zeros, GgmlType.Q8_0), GgmlType.Q8_0, 32)[5]);
        assertEquals(0f, GgmlQuant.decode(GgmlQuant.encode(zeros, GgmlType.Q4_0), GgmlType.Q4_0, 32)[5], 1e-9);
        float[] ramp = new float[32];
        for (int i = 0; i < 32; i++) {
            ramp[i] = i - 16;
        }
        float[] q8 = GgmlQuant.decode(GgmlQuant.encode(ramp, GgmlType.Q8_0), GgmlType.Q8_0, 32);
        float[] q4 = GgmlQuant.decode(GgmlQuant.encode(ramp, GgmlType.Q4_0), GgmlType.Q4_0, 32);
        for (int i = 0; i < 32; i++) {
            assertEquals(ramp[i], q8[i], 0.07, "q8_0 " + i);
            assertEquals(ramp[i], q4[i], 1.01, "q4_0 " + i);
        }
        assertEquals(-16f, q4[0], 1e-3, "the extreme value is exact in Q4_0");
    }
}
