package io.jknife.formats.gguf;

import io.jknife.formats.GgmlType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GgufRoundTripTest {
    @TempDir
    Path dir;

    @Test
    void everyScalarTypeRoundTrips() throws IOException {
        Path file = dir.resolve("scalars.gguf");
        GgufWriter.create()
                .putUint8("u8", 255)
                .putInt8("i8", -128)
                .putUint16("u16", 65535)
                .putInt16("i16", -32768)
                .putUint32("u32", 0xFFFF_FFFFL)
                .putInt32("i32", Integer.MIN_VALUE)
                .putUint64("u64", -1L) // 2^64 - 1
                .putInt64("i64", Long.MIN_VALUE)
                .putFloat32("f32", 1.5f)
                .putFloat64("f64", Math.PI)
                .putBool("yes", true)
                .putBool("no", false)
                .putString("str", "héllo ✓ 🦙")
                .putString("empty", "")
                .write(file);

        GgufFile g = GgufReader.read(file);
        assertEquals(3, g.version());
        assertEquals(255, g.metadata().get("u8"));
        assertEquals(-128, g.metadata().get("i8"));
        assertEquals(65535, g.metadata().get("u16"));
        assertEquals(-32768, g.metadata().get("i16"));
        assertEquals(0xFFFF_FFFFL, g.metadata().get("u32"));
        assertEquals(Integer.MIN_VALUE, g.metadata().get("i32"));
        assertEquals(-1L, g.metadata().get("u64"));
        assertEquals(Long.MIN_VALUE, g.metadata().get("i64"));
        assertEquals(1.5f, g.metadata().get("f32"));
        assertEquals(Math.PI, g.metadata().get("f64"));
        assertEquals(true, g.metadata().get("yes"));
        assertEquals(false, g.metadata().get("no"));
        assertEquals("héllo ✓ 🦙", g.metadata().get("str"));
        assertEquals("", g.metadata().get("empty"));

        assertEquals(GgufValueType.UINT8, g.types().get("u8"));
        assertEquals(GgufValueType.UINT64, g.types().get("u64"));
        assertEquals(GgufValueType.FLOAT64, g.types().get("f64"));
        assertEquals(List.of("u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64", "f32", "f64", "yes", "no",
                "str", "empty"), new ArrayList<>(g.metadata().keySet()), "insertion order is kept");

        assertEquals(0xFFFF_FFFFL, g.integer("u32").orElseThrow());
        assertEquals(255, g.integer("u8").orElseThrow());
        assertEquals(1.5, g.number("f32").orElseThrow());
        assertEquals(255.0, g.number("u8").orElseThrow());
        assertTrue(g.integer("f32").isEmpty());
        assertTrue(g.string("u8").isEmpty());
        assertEquals("", g.string("empty").orElseThrow());
        assertTrue(g.bool("yes").orElseThrow());
        assertTrue(g.tensors().isEmpty());
        assertNull(g.architecture());
        assertNull(g.quantizationName());
    }

    @Test
    void everyArrayTypeRoundTrips() throws IOException {
        Path file = dir.resolve("arrays.gguf");
        GgufWriter w = GgufWriter.create()
                .putArray("a.u8", GgufValueType.UINT8, List.of(0, 7, 255))
                .putArray("a.i8", GgufValueType.INT8, List.of(-128, 0, 127))
                .putArray("a.u16", GgufValueType.UINT16, List.of(0, 65535))
                .putArray("a.i16", GgufValueType.INT16, List.of(-32768, 32767))
                .putArray("a.u32", GgufValueType.UINT32, List.of(0L, 0xFFFF_FFFFL))
                .putInt32s("a.i32", new int[]{-1, 2, 3})
                .putArray("a.u64", GgufValueType.UINT64, List.of(1L, -1L))
                .putArray("a.i64", GgufValueType.INT64, List.of(Long.MIN_VALUE, Long.MAX_VALUE))
                .putFloat32s("a.f32", new float[]{0.5f, -2f})
                .putArray("a.f64", GgufValueType.FLOAT64, List.of(1e300, -0.0))
                .putArray("a.bool", GgufValueType.BOOL, List.of(true, false, true))
                .putStrings("a.str", List.of("a", "", "ü", "<|eot_id|>"))
                .putArray("a.empty", GgufValueType.INT32, List.of())
                .put("inferred.strs", List.of("x", "y"))
                .put("inferred.longs", new long[]{5, 6});
        w.write(file);

        GgufFile g = GgufReader.read(file);
        assertEquals(List.of(0, 7, 255), g.array("a.u8").orElseThrow().values());
        assertEquals(List.of(-128, 0, 127), g.array("a.i8").orElseThrow().values());
        assertEquals(List.of(0, 65535), g.array("a.u16").orElseThrow().values());
        assertEquals(List.of(-32768, 32767), g.array("a.i16").orElseThrow().values());
        assertEquals(List.of(0L, 0xFFFF_FFFFL), g.array("a.u32").orElseThrow().values());
        assertArrayEquals(new long[]{-1, 2, 3}, g.array("a.i32").orElseThrow().longs());
        assertEquals(List.of(1L, -1L), g.array("a.u64").orElseThrow().values());
        assertEquals(List.of(Long.MIN_VALUE, Long.MAX_VALUE), g.array("a.i64").orElseThrow().values());
        assertArrayEquals(new double[]{0.5, -2}, g.array("a.f32").orElseThrow().doubles());
        assertEquals(List.of(1e300, -0.0), g.array("a.f64").orElseThrow().values());
        assertEquals(List.of(true, false, true), g.array("a.bool").orElseThrow().values());
        assertEquals(List.of("a", "", "ü", "<|eot_id|>"), g.array("a.str").orElseThrow().strings());
        assertEquals(0, g.array("a.empty").orElseThrow().length());
        assertEquals(GgufValueType.INT32, g.array("a.empty").orElseThrow().elementType());
        assertEquals(List.of("x", "y"), g.array("inferred.strs").orElseThrow().strings());
        assertEquals(GgufValueType.INT64, g.array("inferred.longs").orElseThrow().elementType());
        assertEquals(GgufValueType.ARRAY, g.types().get("a.str"));

        // writing a read file's metadata back gives the same metadata
        Path copy = dir.resolve("copy.gguf");
        GgufWriter.create().putAll(g).write(copy);
        GgufFile g2 = GgufReader.read(copy);
        assertEquals(g.metadata(), g2.metadata().entrySet().stream()
                .collect(java.util.stream.Collectors.toMap(e -> e.getKey(), e -> e.getValue(), (a, b) -> a,
                        java.util.LinkedHashMap::new)));
        assertEquals(g.types(), g2.types());
        assertEquals(Files.size(file), Files.size(copy));
    }

    @Test
    void tensorsRoundTripInEveryWritableType() throws IOException {
        Random rnd = new Random(42);
        float[] values = new float[64 * 3];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) rnd.nextGaussian();
        }
        Path file = dir.resolve("tensors.gguf");
        GgufWriter w = GgufWriter.create().putString("general.architecture", "test");
        for (GgmlType t : List.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0)) {
            w.tensor("t." + t.name().toLowerCase(), new long[]{64, 3}, values, t);
        }
        byte[] raw = new byte[(int) GgmlType.Q4_K.byteSize(256)];
        rnd.nextBytes(raw);
        w.tensor("raw.q4k", new long[]{256}, GgmlType.Q4_K, raw);
        w.write(file);

        GgufFile g = GgufReader.read(file);
        assertEquals(6, g.tensors().size());
        for (GgufTensorInfo t : g.tensors()) {
            assertEquals(0, t.absoluteOffset() % 32, t.name() + " is aligned");
            assertEquals(0, t.relativeOffset() % 32);
            assertEquals(g.dataOffset() + t.relativeOffset(), t.absoluteOffset());
            assertEquals(t.type().byteSize(t.elementCount()), t.byteSize());
        }
        assertEquals(values.length * 5L + 256, g.parameterCount());
        double[] tolerance = {0, 1e-3, 1e-2, 3e-2, 0.3};
        int i = 0;
        for (GgmlType type : List.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0)) {
            GgufTensorInfo t = g.tensor("t." + type.name().toLowerCase()).orElseThrow();
            assertEquals(type, t.type());
            assertArrayEquals(new long[]{64, 3}, t.dims());
            float[] back = GgmlQuant.decode(GgufReader.readTensorData(file, t), type, values.length);
            for (int k = 0; k < values.length; k++) {
                assertEquals(values[k], back[k], tolerance[i] * Math.max(1, Math.abs(values[k])) + 1e-6,
                        type + " element " + k);
            }
            i++;
        }
        assertArrayEquals(raw, GgufReader.readTensorData(file, g.tensor("raw.q4k").orElseThrow()));
        // the last tensor is padded like every other, as llama.cpp writes it
        assertEquals(0, g.fileSize() % 32);
    }

    @Test
    void customAlignmentIsUsedForTheDataSection() throws IOException {
        Path file = dir.resolve("align.gguf");
        GgufWriter.create().alignment(256)
                .tensor("a", new long[]{3}, new float[]{1, 2, 3}, GgmlType.F32)
                .tensor("b", new long[]{5}, new float[]{1, 2, 3, 4, 5}, GgmlType.F32)
                .write(file);
        GgufFile g = GgufReader.read(file);
        assertEquals(256, g.alignment());
        assertEquals(0, g.dataOffset() % 256);
        assertEquals(256, g.tensors().get(1).relativeOffset());
        float[] b = GgmlQuant.decode(GgufReader.readTensorData(file, g.tensors().get(1)), GgmlType.F32, 5);
        assertArrayEquals(new float[]{1, 2, 3, 4, 5}, b);
    }

    @Test
    void tensorsCanBeCopiedFromAnotherFile() throws IOException {
        Path src = dir.resolve("src.gguf");
        float[] v = new float[64];
        for (int i = 0; i < v.length; i++) {
            v[i] = i;
        }
        GgufWriter.create().putString("k", "v")
                .tensor("x", new long[]{32, 2}, v, GgmlType.F16)
                .tensor("y", new long[]{64}, v, GgmlType.Q8_0)
                .write(src);
        GgufFile s = GgufReader.read(src);
        Path dst = dir.resolve("dst.gguf");
        GgufWriter w = GgufWriter.create().putAll(s);
        for (GgufTensorInfo t : s.tensors()) {
            w.tensor(t, src);
        }
        w.write(dst);
        assertArrayEquals(Files.readAllBytes(src), Files.readAllBytes(dst));
    }

    @Test
    void helpersReportFileTypeQuantizationAndSplits() throws IOException {
        Path file = dir.resolve("q.gguf");
        float[] v = new float[64 * 2];
        GgufWriter.create()
                .putString("general.architecture", "llama")
                .putUint32("llama.context_length", 4096)
                .putUint32("general.file_type", GgufFileType.MOSTLY_Q4_K_M.id())
                .putUint16("split.no", 1)
                .putUint16("split.count", 3)
                .putInt32("split.tensors.count", 10)
                .tensor("blk.0.attn_q.weight", new long[]{64, 2}, v, GgmlType.Q8_0)
                .write(file);
        GgufFile g = GgufReader.read(file);
        assertEquals("llama", g.architecture());
        assertEquals(4096, g.archInteger("context_length").orElseThrow());
        assertEquals(15, g.fileType().orElseThrow());
        assertEquals("Q4_K_M", g.quantizationName(), "file_type wins over tensor types");
        assertEquals(1, g.splitIndex().orElseThrow());
        assertEquals(3, g.splitCount().orElseThrow());
        assertEquals(10, g.splitTensorsCount().orElseThrow());

        Path inferred = dir.resolve("inferred.gguf");
        GgufWriter.create()
                .tensor("output_norm.weight", new long[]{64}, new float[64], GgmlType.F32)
                .tensor("blk.0.ffn_up.weight", new long[]{64, 2}, v, GgmlType.Q8_0)
                .tensor("blk.0.ffn_down.weight", new long[]{64, 2}, v, GgmlType.Q8_0)
                .tensor("blk.0.attn_v.weight", new long[]{64, 2}, v, GgmlType.F16)
                .write(inferred);
        GgufFile g2 = GgufReader.read(inferred);
        assertTrue(g2.fileType().isEmpty());
        assertTrue(g2.splitCount().isEmpty());
        assertEquals("Q8_0", g2.quantizationName());
        assertEquals(64 + 3 * 128, g2.parameterCount());
    }

    @Test
    void longArraysAreLocatedNotLoaded() throws IOException {
        Path file = dir.resolve("vocab.gguf");
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 150_000; i++) {
            tokens.add("tok" + i);
        }
        float[] scores = new float[150_000];
        scores[149_999] = 7f;
        GgufWriter.create()
                .putString("tokenizer.ggml.model", "gpt2")
                .putStrings("tokenizer.ggml.tokens", tokens)
                .putFloat32s("tokenizer.ggml.scores", scores)
                .putString("after", "still read")
                .write(file);

        GgufFile g = GgufReader.read(file);
        GgufArray arr = g.array("tokenizer.ggml.tokens").orElseThrow();
        assertFalse(arr.isLoaded());
        assertEquals(150_000, arr.length());
        assertEquals(GgufValueType.STRING, arr.elementType());
        assertEquals("still read", g.string("after").orElseThrow());
        assertThrows(IllegalStateException.class, arr::strings);

        GgufArray loaded = GgufReader.readArray(file, arr);
        assertEquals(tokens, loaded.strings());
        GgufArray s = GgufReader.readArray(file, g.array("tokenizer.ggml.scores").orElseThrow());
        assertEquals(7.0, s.doubles()[149_999]);

        // a higher threshold loads it at once
        GgufFile all = GgufReader.read(file, GgufReader.Options.defaults().withArrayThreshold(200_000));
        assertTrue(all.array("tokenizer.ggml.tokens").orElseThrow().isLoaded());
    }

    @Test
    void writeIsAtomicAndLeavesNoTemporaryFiles() throws IOException {
        Path file = dir.resolve("sub/model.gguf");
        GgufWriter.create().putString("general.name", "first").write(file);
        GgufWriter.create().putString("general.name", "second").write(file);
        assertEquals("second", GgufReader.read(file).string("general.name").orElseThrow());
        try (Stream<Path> s = Files.list(file.getParent())) {
            assertEquals(List.of(file), s.toList());
        }
        // a failing write leaves the old file and no temporary one
        GgufWriter bad = GgufWriter.create().tensorFromFile("x", new long[]{4}, GgmlType.F32,
                dir.resolve("missing.bin"), 0);
        assertThrows(IOException.class, () -> bad.write(file));
        assertEquals("second", GgufReader.read(file).string("general.name").orElseThrow());
        try (Stream<Path> s = Files.list(file.getParent())) {
            assertEquals(1, s.count());
        }
    }

    @Test
    void writerRejectsBadInput() {
        GgufWriter w = GgufWriter.create();
        assertThrows(IllegalArgumentException.class, () -> w.putUint8("k", 256));
        assertThrows(IllegalArgumentException.class, () -> w.putUint32("k", -1));
        assertThrows(IllegalArgumentException.class, () -> w.put("k", GgufValueType.STRING, 5));
        assertThrows(IllegalArgumentException.class, () -> w.alignment(48));
        assertThrows(IllegalArgumentException.class, () -> w.putInt32("general.alignment", 32));
        assertThrows(IllegalArgumentException.class, () -> w.put("", "x"));
        assertThrows(IllegalArgumentException.class, () -> w.put("k", new Object()));
        assertThrows(IllegalArgumentException.class,
                () -> w.tensor("q", new long[]{33}, new float[33], GgmlType.Q8_0), "not whole blocks");
        assertThrows(IllegalArgumentException.class,
                () -> w.tensor("q", new long[]{4}, new float[3], GgmlType.F32), "wrong value count");
        assertThrows(IllegalArgumentException.class,
                () -> w.tensor("q", new long[]{1, 1, 1, 1, 1}, new float[1], GgmlType.F32), "5 dims");
        assertThrows(IllegalArgumentException.class,
                () -> w.tensor("q", new long[]{256}, new float[256], GgmlType.Q2_K), "no Q2_K encoder");
        assertThrows(IllegalArgumentException.class,
                () -> w.tensor("x".repeat(64), new long[]{1}, new float[1], GgmlType.F32), "name too long");
        w.tensor("ok", new long[]{1}, new float[1], GgmlType.F32);
        assertThrows(IllegalArgumentException.class,
                () -> w.tensor("ok", new long[]{1}, new float[1], GgmlType.F32), "duplicate");
    }
}
