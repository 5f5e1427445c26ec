package io.jknife.formats.mlx;

import io.jknife.formats.safetensors.SafetensorsDType;
import io.jknife.formats.safetensors.SafetensorsHeader;
import io.jknife.formats.safetensors.SafetensorsReader;
import io.jknife.formats.safetensors.SafetensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MlxQuantizerTest {
    @TempDir
    Path dir;

    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) (r.nextGaussian() * 0.05);
        }
        return w;
    }

    @Test
    void dequantizeIsWithinOneStepOfTheOriginal() {
        int rows = 8;
        int cols = 256;
        float[] w = random(rows * cols, 1);
        for (int bits : new int[]{2, 3, 4, 5, 6, 8}) {
            for (int group : new int[]{32, 64, 128}) {
                MlxQuantized q = MlxQuantizer.quantize(w, rows, cols, bits, group);
                assertArrayEquals(new long[]{rows, (long) cols * bits / 32}, q.weightShape());
                assertArrayEquals(new long[]{rows, cols / group}, q.scalesShape());
                float[] d = MlxQuantizer.dequantize(q);
                double sumErr = 0;
                double sumStep = 0;
                for (int i = 0; i < w.length; i++) {
                    int g = (i / cols) * (cols / group) + (i % cols) / group;
                    float step = Math.abs(q.scales()[g]);
                    float err = Math.abs(w[i] - d[i]);
                    // MLX nudges the scale so the larger edge is exact; the other edge may then be
                    // clipped by up to one step, everything else is within half a step.
                    assertTrue(err <= step * 1.0001f + 1e-7f, bits + "/" + group + " error " + err + " > step " + step);
                    sumErr += err;
                    sumStep += step;
                }
                assertTrue(sumErr / sumStep < 0.3, bits + "/" + group + " mean error " + sumErr / sumStep + " steps");
            }
        }
    }

    @Test
    void errorShrinksWithMoreBits() {
        float[] w = random(4 * 128, 2);
        double previous = Double.MAX_VALUE;
        for (int bits : new int[]{2, 3, 4, 5, 6, 8}) {
            float[] d = MlxQuantizer.dequantize(MlxQuantizer.quantize(w, 4, 128, bits, 64));
            double err = 0;
            for (int i = 0; i < w.length; i++) {
                err += Math.abs(w[i] - d[i]);
            }
            assertTrue(err < previous, "bits " + bits);
            previous = err;
        }
    }

    @Test
    void knownAnswerForALinearRamp() {
        // 0.0, 0.1, ..., 3.1: max is the larger edge, so MLX picks a negative scale with bias = max.
        float[] w = new float[32];
        for (int i = 0; i < 32; i++) {
            w[i] = i * 0.1f;
        }
        MlxQuantized q = MlxQuantizer.quantize(w, 1, 32, 4, 32);
        assertEquals(3.1f, q.biases()[0], 1e-6f);
        assertEquals(-3.1f / 15, q.scales()[0], 1e-6f);
        assertEquals(15, MlxQuantizer.valueAt(q, 0, 0));
        assertEquals(0, MlxQuantizer.valueAt(q, 0, 31));
        // Values are packed from the low bits: element 0 in bits 0..3 of the first word.
        assertEquals(15, q.weight()[0] & 0xF);
        assertEquals(MlxQuantizer.valueAt(q, 0, 1), (q.weight()[0] >>> 4) & 0xF);
        assertEquals(MlxQuantizer.valueAt(q, 0, 8), q.weight()[1] & 0xF);
    }

    @Test
    void symmetricAndZeroGroups() {
        float[] zeros = new float[64];
        MlxQuantized z = MlxQuantizer.quantize(zeros, 1, 64, 4, 64);
        assertArrayEquals(zeros, MlxQuantizer.dequantize(z));
        assertEquals(0f, z.biases()[0]);

        // The larger-magnitude edge is exactly representable: it becomes the bias.
        float[] ramp = new float[64];
        for (int i = 0; i < 64; i++) {
            ramp[i] = -1f + 1.5f * i / 63;
        }
        MlxQuantized q = MlxQuantizer.quantize(ramp, 1, 64, 8, 64);
        assertEquals(-1f, q.biases()[0]);
        assertEquals(-1f, MlxQuantizer.dequantize(q)[0]);
    }

    @Test
    void eightBitPackingIsOneBytePerValue() {
        float[] w = random(2 * 64, 3);
        MlxQuantized q = MlxQuantizer.quantize(w, 2, 64, 8, 64);
        ByteBuffer b = ByteBuffer.allocate(q.weight().length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(q.weight());
        for (int c = 0; c < 64; c++) {
            assertEquals(MlxQuantizer.valueAt(q, 1, c), b.get(64 + c) & 0xFF);
        }
    }

    @Test
    void scalesRoundedToStorageType() {
        float[] w = random(64, 4);
        MlxQuantized q = MlxQuantizer.quantize(w, 1, 64, 4, 64, SafetensorsDType.BF16);
        float s = q.scales()[0];
        assertEquals(s, io.jknife.formats.safetensors.FloatEncoding.round(s, SafetensorsDType.BF16));
    }

    @Test
    void rejectsUnsupportedParameters() {
        float[] w = new float[64];
        assertThrows(IllegalArgumentException.class, () -> MlxQuantizer.quantize(w, 1, 64, 7, 64));
        assertThrows(IllegalArgumentException.class, () -> MlxQuantizer.quantize(w, 1, 64, 4, 16));
        assertThrows(IllegalArgumentException.class, () -> MlxQuantizer.quantize(w, 2, 48, 4, 32));
        assertThrows(IllegalArgumentException.class, () -> MlxQuantizer.quantize(w, 2, 64, 4, 64));
    }

    @Test
    void writesMlxLayerTensors() throws IOException {
        float[] w = random(16 * 64, 5);
        MlxQuantized q = MlxQuantizer.quantize(w, 16, 64, 4, 64, SafetensorsDType.F16);
        SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "mlx");
        MlxQuantizer.addTo(writer, "model.layers.0.mlp.up_proj", q, SafetensorsDType.F16);
        Path f = dir.resolve("model.safetensors");
        writer.write(f);
        SafetensorsHeader h = SafetensorsReader.read(f);
        var weight = h.tensor("model.layers.0.mlp.up_proj.weight").orElseThrow();
        assertEquals(SafetensorsDType.U32, weight.dtype());
        assertArrayEquals(new long[]{16, 8}, weight.shape());
        assertArrayEquals(new long[]{16, 1}, h.tensor("model.layers.0.mlp.up_proj.scales").orElseThrow().shape());
        float[] scales = SafetensorsReader.readFloats(f, h.tensor("model.layers.0.mlp.up_proj.scales").orElseThrow());
        float[] biases = SafetensorsReader.readFloats(f, h.tensor("model.layers.0.mlp.up_proj.biases").orElseThrow());
        int[] packed = new int[16 * 8];
        ByteBuffer.wrap(SafetensorsReader.readData(f, weight)).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(packed);
        MlxQuantized back = new MlxQuantized(16, 64, 4, 64, packed, scales, biases);
        assertEquals(q, back);
        assertEquals(List.of("format"), List.copyOf(h.metadata().keySet()));
    }
}
