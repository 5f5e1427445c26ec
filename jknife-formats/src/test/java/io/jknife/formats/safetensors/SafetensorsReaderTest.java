package io.jknife.formats.safetensors;

import io.jknife.formats.FormatException;
import io.jknife.formats.HalfFloats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class SafetensorsReaderTest {
    @TempDir
    Path dir;

    private static SafetensorsWriter sample() {
        return new SafetensorsWriter()
                .metadata("format", "pt")
                .tensor("b.f16", SafetensorsDType.F16, new long[]{2, 2}, new float[]{1, -2, 0.5f, 65504})
                .tensor("a.f32", SafetensorsDType.F32, new long[]{3}, new float[]{1.5f, -0.25f, 3e-8f})
                .tensor("c.bf16", SafetensorsDType.BF16, new long[]{1, 3}, new float[]{1.0f / 3, 100, -7})
                .tensor("d.u8", SafetensorsDType.U8, new long[]{5}, new byte[]{1, 2, 3, 4, 5})
                .tensor("e.i64", SafetensorsDType.I64, new long[]{}, new byte[8])
                .tensor("f.empty", SafetensorsDType.F32, new long[]{0, 4}, new byte[0]);
    }

    @Test
    void roundTrip() throws IOException {
        Path f = dir.resolve("model.safetensors");
        SafetensorsWriter w = sample();
        w.write(f);
        SafetensorsHeader h = SafetensorsReader.read(f);

        assertEquals(Map.of("format", "pt"), h.metadata());
        assertEquals(Files.size(f), h.fileSize());
        assertEquals(0, h.headerLength() % 8, "header padded to 8 bytes");
        assertEquals(8 + h.headerLength(), h.dataStart());
        // Reference layout: descending dtype, then name.
        assertEquals(List.of("e.i64", "a.f32", "c.bf16", "b.f16", "d.u8", "f.empty").stream().sorted().toList(),
                h.tensors().keySet().stream().sorted().toList());
        assertEquals(List.of("e.i64", "a.f32", "f.empty", "c.bf16", "b.f16", "d.u8"), List.copyOf(h.tensors().keySet()));

        SafetensorsTensor a = h.tensor("a.f32").orElseThrow();
        assertEquals(SafetensorsDType.F32, a.dtype());
        assertArrayEquals(new long[]{3}, a.shape());
        assertEquals(3, a.elementCount());
        assertEquals(12, a.byteSize());
        assertTrue(a.begin() >= h.dataStart() && a.end() <= h.fileSize(), "absolute offsets");
        assertArrayEquals(new float[]{1.5f, -0.25f, 3e-8f}, SafetensorsReader.readFloats(f, a));
        assertArrayEquals(new float[]{1, -2, 0.5f, 65504}, SafetensorsReader.readFloats(f, h.tensor("b.f16").orElseThrow()));
        float[] bf = SafetensorsReader.readFloats(f, h.tensor("c.bf16").orElseThrow());
        assertEquals(FloatEncoding.round(1.0f / 3, SafetensorsDType.BF16), bf[0]);
        assertEquals(100f, bf[1]);
        assertArrayEquals(new byte[]{1, 2, 3, 4, 5}, SafetensorsReader.readData(f, h.tensor("d.u8").orElseThrow()));
        assertEquals(1, h.tensor("e.i64").orElseThrow().elementCount());
        assertEquals(0, h.tensor("f.empty").orElseThrow().byteSize());

        byte[] raw = SafetensorsReader.rawHeader(f);
        assertArrayEquals(w.headerBytes(), raw);
        String json = new String(raw, StandardCharsets.UTF_8);
        assertTrue(json.startsWith("{\"__metadata__\":{\"format\":\"pt\"},\"e.i64\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]}"), json);
        assertArrayEquals(Files.readAllBytes(f), w.toByteArray());
    }

    @Test
    void preserveOrderKeepsInsertionOrder() throws IOException {
        Path f = dir.resolve("o.safetensors");
        new SafetensorsWriter().preserveOrder()
                .tensor("z", SafetensorsDType.U8, new long[]{1}, new byte[]{1})
                .tensor("a", SafetensorsDType.F32, new long[]{1}, new float[]{1})
                .write(f);
        assertEquals(List.of("z", "a"), List.copyOf(SafetensorsReader.read(f).tensors().keySet()));
    }

    @Test
    void noMetadataAndNoTensors() throws IOException {
        Path f = dir.resolve("empty.safetensors");
        new SafetensorsWriter().write(f);
        SafetensorsHeader h = SafetensorsReader.read(f);
        assertTrue(h.tensors().isEmpty());
        assertTrue(h.metadata().isEmpty());
    }

    @Test
    void writerRejectsBadInput() {
        SafetensorsWriter w = new SafetensorsWriter();
        assertThrows(IllegalArgumentException.class, () -> w.tensor("x", SafetensorsDType.F32, new long[]{2}, new byte[4]));
        assertThrows(IllegalArgumentException.class, () -> w.tensor("x", SafetensorsDType.F32, new long[]{-1}, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> w.tensor("__metadata__", SafetensorsDType.U8, new long[]{1}, new byte[1]));
        w.tensor("x", SafetensorsDType.U8, new long[]{1}, new byte[1]);
        assertThrows(IllegalArgumentException.class, () -> w.tensor("x", SafetensorsDType.U8, new long[]{1}, new byte[1]));
        assertThrows(IllegalArgumentException.class, () -> w.tensor("y", SafetensorsDType.I32, new long[]{1}, new float[]{1}));
    }

    @Test
    void atomicWriteLeavesNoTemporaryFiles() throws IOException {
        Path f = dir.resolve("sub/dir/m.safetensors");
        sample().write(f);
        sample().write(f); // overwrite
        try (var s = Files.list(f.getParent())) {
            assertEquals(List.of(f.getFileName().toString()), s.map(p -> p.getFileName().toString()).toList());
        }
    }

    // ---- hostile headers ----

    private Path file(long declaredLength, byte[] header, int dataBytes) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredLength).put(header);
        Path f = Files.createTempFile(dir, "h", ".safetensors");
        Files.write(f, b.array());
        return f;
    }

    private Path json(String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return file(h.length, h, dataBytes);
    }

    private static String reason(Path f) {
        FormatException e = assertThrows(FormatException.class, () -> SafetensorsReader.read(f));
        assertFalse(e.getMessage().contains("\n"), "one-line reason: " + e.getMessage());
        return e.getMessage();
    }

    private static void assertReason(Path f, String fragment) {
        String m = reason(f);
        assertTrue(m.contains(fragment), "expected '" + fragment + "' in: " + m);
    }

    @Test
    void lengthPrefixChecks() throws IOException {
        Path tiny = dir.resolve("tiny");
        Files.write(tiny, new byte[]{1, 2, 3});
        assertReason(tiny, "too short");
        assertThrows(FormatException.class, () -> SafetensorsReader.rawHeader(tiny));
        assertReason(file(0, new byte[8], 0), "header length is 0");
        assertReason(file(9_999_999_999L, new byte[4088], 0), "header length 9999999999 exceeds the 104857600-byte limit");
        assertReason(file(-1L, new byte[16], 0), "header length 18446744073709551615 exceeds");
        assertReason(file(5000, "{}".getBytes(StandardCharsets.UTF_8), 0), "header length 5000 exceeds file size 10");
        assertThrows(FormatException.class, () -> SafetensorsReader.rawHeader(file(5000, new byte[2], 0)));
    }

    @Test
    void malformedJson() throws IOException {
        assertReason(json("[]      ", 0), "not a JSON object");
        assertReason(json("{\"a\":{\"dtype\"", 0), "not valid JSON");
        assertReason(json("{\"a\":1}", 0), "not a JSON object");
        reason(json("{} x", 0));
        assertReason(json("{}{}", 0), "after the JSON object");
        assertReason(json("nothing", 0), "not a JSON object");
        byte[] badUtf8 = "{\"\u00e9\":1}".getBytes(StandardCharsets.ISO_8859_1);
        assertReason(file(badUtf8.length, badUtf8, 0), "not valid JSON");
        assertReason(json("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
                + "\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1), "Duplicate");
        String deep = "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1],\"x\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}}";
        assertReason(json(deep, 1), "not valid JSON");
    }

    @Test
    void badTensorEntries() throws IOException {
        String ok = "\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]";
        assertReason(json("{\"t\":{" + ok.replace("U8", "Q4") + "}}", 2), "unknown dtype 'Q4'");
        assertReason(json("{\"t\":{" + ok.replace("\"U8\"", "8") + "}}", 2), "dtype is not a string");
        assertReason(json("{\"t\":{" + ok.replace("[2]", "[-2]") + "}}", 2), "out of range");
        assertReason(json("{\"t\":{" + ok.replace("[2]", "[2.0]") + "}}", 2), "non-integer");
        assertReason(json("{\"t\":{" + ok.replace("[2]", "[99999999999999999999999]") + "}}", 2), "out of range");
        assertReason(json("{\"t\":{" + ok.replace("[2]", "2") + "}}", 2), "shape is not an array");
        assertReason(json("{\"t\":{" + ok.replace("[2]", "[4294967296,4294967296,4294967296]") + "}}", 2), "overflows");
        assertReason(json("{\"t\":{" + ok.replace("[2]", "[" + "1,".repeat(64) + "2]") + "}}", 2), "more than 64");
        assertReason(json("{\"t\":{" + ok.replace("[0,2]", "[0,1,2]") + "}}", 2), "more than 2");
        assertReason(json("{\"t\":{" + ok.replace("[0,2]", "[2]") + "}}", 2), "must hold 2 numbers");
        assertReason(json("{\"t\":{" + ok.replace("[0,2]", "[2,0]") + "}}", 2), "reversed");
        assertReason(json("{\"t\":{" + ok.replace("[0,2]", "[0,3]") + "}}", 2), "exceed the data region of 2 bytes");
        assertReason(json("{\"t\":{" + ok.replace("[0,2]", "[0,1]") + "}}", 2), "= 2 bytes but data_offsets span 1");
        assertReason(json("{\"t\":{\"dtype\":\"F4\",\"shape\":[3],\"data_offsets\":[0,2]}}", 2), "not a whole number of bytes");
        assertReason(json("{\"t\":{\"shape\":[2],\"data_offsets\":[0,2]}}", 2), "lacks dtype");
        assertReason(json("{\"t\":{\"dtype\":\"U8\",\"data_offsets\":[0,2]}}", 2), "lacks shape");
        assertReason(json("{\"t\":{\"dtype\":\"U8\",\"shape\":[2]}}", 2), "lacks data_offsets");
        assertReason(json("{\"t\":[1,2]}", 2), "not a JSON object");
        assertReason(json("{\"__metadata__\":[1]}", 0), "__metadata__ is not a JSON object");
        assertReason(json("{\"__metadata__\":{\"k\":1}}", 0), "not a string");
    }

    @Test
    void layoutMustTileTheDataRegion() throws IOException {
        String u8 = "{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":";
        assertReason(json("{\"a\":" + u8 + "[0,2]},\"b\":" + u8 + "[1,3]}}", 4), "overlap");
        assertReason(json("{\"a\":" + u8 + "[0,2]},\"b\":" + u8 + "[3,5]}}", 5), "gap of 1 bytes");
        assertReason(json("{\"a\":" + u8 + "[1,3]}}", 3), "gap of 1 bytes");
        assertReason(json("{\"a\":" + u8 + "[0,2]}}", 7), "5 bytes after the last tensor");
        assertReason(json("{}", 1), "1 bytes after the last tensor");
        // Unknown fields are ignored, a null __metadata__ is allowed, and F4 packs two values per byte.
        SafetensorsHeader h = SafetensorsReader.read(json("{\"__metadata__\":null,\"a\":{\"dtype\":\"F4\",\"shape\":[4],"
                + "\"data_offsets\":[0,2],\"extra\":{\"x\":[1]}}}", 2));
        assertEquals(2, h.tensor("a").orElseThrow().byteSize());
    }

    @Test
    void everyTruncationIsReported() throws IOException {
        byte[] full = sample().toByteArray();
        for (int len = 0; len < full.length; len++) {
            Path f = dir.resolve("t" + len);
            Files.write(f, Arrays.copyOf(full, len));
            try {
                SafetensorsReader.read(f);
                fail("truncation to " + len + " of " + full.length + " bytes was accepted");
            } catch (FormatException expected) {
                // good
            }
            Files.delete(f);
        }
    }

    private static final String PUNCT = "{}[]\",:0123456789-e ";

    @Test
    void randomCorruptionOnlyEverGivesFormatException() throws IOException {
        byte[] full = sample().toByteArray();
        Random rnd = new Random(7);
        Path f = dir.resolve("fuzz");
        int accepted = 0;
        for (int i = 0; i < 3000; i++) {
            byte[] b = full.clone();
            int flips = 1 + rnd.nextInt(4);
            for (int k = 0; k < flips; k++) {
                int pos = rnd.nextInt(Math.min(b.length, 8 + 200));
                b[pos] = (byte) (rnd.nextBoolean() ? rnd.nextInt(256) : PUNCT.charAt(rnd.nextInt(PUNCT.length())));
            }
            Files.write(f, b);
            try {
                SafetensorsReader.read(f);
                accepted++;
            } catch (FormatException expected) {
                // the only failure allowed
            } catch (IOException | RuntimeException | OutOfMemoryError e) {
                throw new AssertionError("iteration " + i + " threw " + e, e);
            }
        }
        assertTrue(accepted < 3000);
    }

    @Test
    void parseWorksOnBytesFromARangeRequest() throws IOException {
        byte[] full = sample().toByteArray();
        long n = ByteBuffer.wrap(full, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        byte[] header = Arrays.copyOfRange(full, 8, 8 + (int) n);
        SafetensorsHeader h = SafetensorsReader.parse(null, full.length, header);
        assertEquals(6, h.tensors().size());
        assertThrows(FormatException.class, () -> SafetensorsReader.parse(null, full.length - 1, header));
    }

    @Test
    void floatEncodingRoundsToNearestEven() {
        assertEquals((short) 0x3F80, HalfFloats.floatToBf16(1.0f));
        // 1 + 2^-8 lies exactly between two bf16 values: ties go to the even one (1.0).
        assertEquals((short) 0x3F80, HalfFloats.floatToBf16(Float.intBitsToFloat(0x3F808000)));
        assertEquals((short) 0x3F82, HalfFloats.floatToBf16(Float.intBitsToFloat(0x3F818000)));
        assertTrue(Float.isNaN(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(Float.NaN))));
        List<Float> values = new ArrayList<>(List.of(0f, -0f, 1e-3f, 123.456f, Float.MAX_VALUE, Float.MIN_VALUE));
        for (float v : values) {
            for (SafetensorsDType t : List.of(SafetensorsDType.F32, SafetensorsDType.F16, SafetensorsDType.BF16)) {
                float[] back = FloatEncoding.decode(FloatEncoding.encode(new float[]{v}, t), t);
                assertEquals(FloatEncoding.round(v, t), back[0]);
            }
        }
    }
}
