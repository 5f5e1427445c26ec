package io.jknife.formats.gguf;

import io.jknife.formats.GgmlType;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The K-quant encoders: ggml's block sizes, values within the quantization step, layout details. */
class GgmlKQuantTest {

    @Test
    void roundTripsWithinTheQuantizationStep() {
        Random rnd = new Random(7);
        float[] v = new float[3 * 256];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextGaussian() * (i < 256 ? 1 : 0.01f);
        }
        // worst case: half a step, the step being at most (max - min) / 15 (Q4_K), / 31 (Q5_K),
        // or max|v| / 31 (Q6_K) plus one unit of the 6- or 8-bit scale; relative to the block's max|v|
        double[] bound = {0.07, 0.035, 0.02};
        GgmlType[] types = {GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K};
        for (int k = 0; k < types.length; k++) {
            GgmlType t = types[k];
            assertTrue(GgmlQuant.canEncode(t));
            byte[] bytes = GgmlQuant.encode(v, t);
            assertEquals(3 * t.typeSize(), bytes.length, t + " block size");
            float[] back = GgmlQuant.decode(bytes, t, v.length);
            for (int b = 0; b < 3; b++) {
                double amax = 0;
                for (int i = 0; i < 256; i++) {
                    amax = Math.max(amax, Math.abs(v[256 * b + i]));
                }
                for (int i = 0; i < 256; i++) {
                    int e = 256 * b + i;
                    assertEquals(v[e], back[e], bound[k] * amax, t + " value " + e);
                }
            }
        }
    }

    @Test
    void q6kKeepsOrderAndSignOfAllSixteenGroups() {
        float[] v = new float[256];
        for (int i = 0; i < 256; i++) {
            v[i] = (i % 16 == 0 ? -1 : 1) * (i / 16 + 1) * 0.25f; // a distinct scale per group
        }
        float[] back = GgmlQuant.decode(GgmlQuant.encode(v, GgmlType.Q6_K), GgmlType.Q6_K, 256);
        for (int i = 0; i < 256; i++) {
            assertEquals(v[i], back[i], 0.02 * (i / 16 + 1), "value " + i);
        }
    }

    @Test
    void q4kStoresScalesAndMinimumsInGgmlsPacking() {
        // sub-block s holds the constant s + 1: every value is its own sub-block's maximum
        float[] v = new float[256];
        for (int i = 0; i < 256; i++) {
            v[i] = i / 32 + 1;
        }
        byte[] b = GgmlQuant.encode(v, GgmlType.Q4_K);
        float[] back = GgmlQuant.decode(b, GgmlType.Q4_K, 256);
        for (int i = 0; i < 256; i++) {
            assertEquals(v[i], back[i], v[i] / 30 + 0.01, "value " + i + " within half a step");
        }
        // no negative values: the minimums are all 0, so dmin is 0
        assertEquals(0, b[2] | b[3]);
        // sub-block 0's 6-bit scale is in the low bits of byte 4 (after d and dmin), sub-block 7's
        // top two bits in the high bits of byte 4 + 3
        int sc0 = b[4] & 63;
        int sc7 = (b[4 + 11] & 0xF) | (((b[4 + 3] & 0xFF) >>> 6) << 4);
        assertEquals(8.0, (double) sc7 / sc0, 0.5);
    }

    @Test
    void kQuantsNeedWholeSuperBlocks() {
        assertThrows(IllegalArgumentException.class, () -> GgmlQuant.encode(new float[64], GgmlType.Q4_K));
    }
}
