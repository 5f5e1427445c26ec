package io.jknife.tensor;

import io.jknife.formats.FormatException;
import io.jknife.formats.GgmlType;
import io.jknife.formats.gguf.GgmlQuant;
import io.jknife.formats.gguf.GgufFile;
import io.jknife.formats.gguf.GgufReader;
import io.jknife.formats.gguf.GgufTensorInfo;
import io.jknife.testkit.TinyGguf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MappedGgufTest {
    @TempDir
    Path dir;

    /** Every tensor of the file, read through the mapping, equals the bytes GgufReader reads and GgmlQuant decodes. */
    private static void assertSameTensors(MappedGguf m, Path file) throws IOException {
        GgufFile g = GgufReader.read(file);
        for (GgufTensorInfo t : g.tensors()) {
            assertTrue(m.has(t.name()), t.name());
            float[] want = GgmlQuant.decode(GgufReader.readTensorData(file, t), t.type(), (int) t.elementCount());
            assertArrayEquals(want, m.floats(t.name()), t.name());
            if (t.rank() == 2) {
                WeightTensor w = m.weight(t.name());
                assertEquals(t.type().name(), w.typeName());
                assertEquals(t.dim(0), w.cols());
                assertEquals(t.dim(1), w.rows());
                float[] row = new float[w.cols()];
                int last = w.rows() - 1;
                w.rowTo(last, row, 0);
                float[] wantRow = new float[w.cols()];
                System.arraycopy(want, last * w.cols(), wantRow, 0, w.cols());
                assertArrayEquals(wantRow, row, t.name() + " last row");
            }
        }
    }

    @Test
    void mapsEveryTensorOfATinyModel() throws IOException {
        for (GgmlType type : List.of(GgmlType.F32, GgmlType.F16, GgmlType.Q8_0, GgmlType.Q4_0)) {
            Path file = TinyGguf.llama(dir.resolve(type + ".gguf"), TinyGguf.Options.defaults().withWeightType(type));
            try (MappedGguf m = MappedGguf.open(file)) {
                assertEquals("llama", m.file().architecture());
                assertEquals(1, m.parts().size());
                assertSameTensors(m, file);
                assertEquals(GgufReader.read(file).tensors().size(), m.tensorNames().size());
            }
        }
    }

    @Test
    void mapsKQuantModels() throws IOException {
        for (GgmlType type : List.of(GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K)) {
            Path file = TinyGguf.llama(dir.resolve(type + ".gguf"), TinyGguf.Options.defaults()
                    .withDims(256, 1, 4, 2, 512).withWeightType(type));
            try (MappedGguf m = MappedGguf.open(file)) {
                assertSameTensors(m, file);
                WeightTensor q = m.weight("blk.0.attn_q.weight");
                assertEquals(type.name(), q.typeName());
                float[] x = new float[256];
                x[3] = 1;
                float[] out = new float[256];
                try (WorkerTeam team = new WorkerTeam(2)) {
                    MatMul.multiply(team, q, Activations.of(x, 1, 256), out);
                }
                float[] row = new float[256];
                q.rowTo(7, row, 0);
                assertEquals(row[3], out[7], 1e-6 + Math.abs(row[3]) * 1e-5, "a unit vector picks column 3");
            }
        }
    }

    @Test
    void mapsAllPartsOfASplitModel() throws IOException {
        Path file = TinyGguf.llama(dir.resolve("whole.gguf"), TinyGguf.Options.defaults().withWeightType(GgmlType.Q8_0));
        Path parts = Files.createDirectories(dir.resolve("parts"));
        List<Path> split = TinyGguf.split(file, parts, 3);
        try (MappedGguf whole = MappedGguf.open(file); MappedGguf m = MappedGguf.open(split.getFirst())) {
            assertEquals(3, m.parts().size());
            assertEquals(whole.tensorNames().size(), m.tensorNames().size());
            for (String name : whole.tensorNames()) {
                assertArrayEquals(whole.floats(name), m.floats(name), name);
            }
            assertEquals("llama", m.file().architecture());
        }
        Files.delete(split.get(2));
        var e = assertThrows(FormatException.class, () -> MappedGguf.open(split.getFirst()));
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void aTruncatedFileIsAClearError() throws IOException {
        Path file = TinyGguf.llama(dir.resolve("t.gguf"), TinyGguf.Options.defaults().withWeightType(GgmlType.Q4_0));
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(f.length() - 100);
        }
        var e = assertThrows(FormatException.class, () -> MappedGguf.open(file));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void unknownNamesAndShapesAreClearErrors() throws IOException {
        Path file = TinyGguf.llama(dir.resolve("n.gguf"));
        try (MappedGguf m = MappedGguf.open(file)) {
            assertFalse(m.has("nope"));
            var e = assertThrows(IllegalArgumentException.class, () -> m.weight("nope"));
            assertTrue(e.getMessage().contains("nope"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> m.floats("nope"));
            WeightTensor norm = m.weight("blk.0.attn_norm.weight");
            assertEquals(1, norm.rows(), "a 1-D tensor is one row");
        }
    }

    @Test
    void closeUnmaps() throws IOException {
        Path file = TinyGguf.llama(dir.resolve("c.gguf"));
        MappedGguf m = MappedGguf.open(file);
        WeightTensor w = m.weight("blk.0.attn_q.weight");
        m.close();
        m.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> w.rowTo(0, new float[w.cols()], 0));
    }
}
