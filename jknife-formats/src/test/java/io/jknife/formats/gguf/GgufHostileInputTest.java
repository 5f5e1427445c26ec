package io.jknife.formats.gguf;

import io.jknife.formats.FormatException;
import io.jknife.formats.GgmlType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Broken and malicious GGUF files: each must give a FormatException with a clear reason. */
class GgufHostileInputTest {
    private static final int F32 = GgmlType.F32.id();

    @TempDir
    Path dir;

    private FormatException rejects(RawBytes bytes, String expectedFragment) {
        Path file = bytes.write(dir.resolve("bad-" + System.nanoTime() + ".gguf"));
        return rejects(file, expectedFragment);
    }

    private static FormatException rejects(Path file, String expectedFragment) {
        FormatException e = assertTimeoutPreemptively(java.time.Duration.ofSeconds(10),
                () -> assertThrows(FormatException.class, () -> GgufReader.read(file)));
        assertTrue(e.getMessage().contains(expectedFragment),
                "message '" + e.getMessage() + "' should contain '" + expectedFragment + "'");
        assertTrue(!e.getMessage().contains("internal"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e;
    }

    @Test
    void wrongMagicSaysWhatItFound() {
        FormatException e = rejects(new RawBytes().raw(0x7F, 'E', 'L', 'F').zeros(60), "not a GGUF file");
        assertTrue(e.getMessage().contains("0x7F454C46"), e.getMessage());
        assertTrue(e.getMessage().contains(".ELF"), e.getMessage());
        rejects(new RawBytes().raw('g', 'g', 'u', 'f').zeros(20), "0x67677566");
        rejects(new RawBytes().raw('{', '"'), "only 2 bytes");
        rejects(new RawBytes(), "empty");
    }

    @Test
    void unsupportedVersions() {
        rejects(RawBytes.gguf(1, 0, 0), "version 1 is not supported");
        rejects(RawBytes.gguf(4, 0, 0), "unsupported GGUF version 4");
        rejects(RawBytes.gguf(0, 0, 0), "unsupported GGUF version 0");
        rejects(RawBytes.gguf(0x7FFF_FFFF, 0, 0), "unsupported GGUF version");
    }

    @Test
    void bigEndianFilesAreRecognised() {
        // a big-endian v3 file: the version bytes are 00 00 00 03
        RawBytes be = new RawBytes().raw('G', 'G', 'U', 'F').raw(0, 0, 0, 3).zeros(16);
        rejects(be, "big-endian");
        rejects(new RawBytes().raw('G', 'G', 'U', 'F').raw(0, 0, 0, 2).zeros(16), "big-endian");
    }

    @Test
    void truncatedHeader() {
        rejects(new RawBytes().raw('G', 'G', 'U', 'F').raw(3, 0), "GGUF truncated");
        rejects(new RawBytes().raw('G', 'G', 'U', 'F').u32(3).i64(0), "GGUF truncated");
    }

    @Test
    void absurdCountsInTheHeader() {
        rejects(RawBytes.gguf(3, 1L << 40, 0), "tensors");
        rejects(RawBytes.gguf(3, 0, 1L << 40), "metadata entries");
        rejects(RawBytes.gguf(3, -1, 0), "tensors");
        rejects(RawBytes.gguf(3, 0, Long.MIN_VALUE), "metadata entries");
        // plausible-looking counts that still cannot fit the bytes that follow
        rejects(RawBytes.gguf(3, 0, 10).kvU32("a", 1), "metadata entries");
    }

    @Test
    void hugeStringLengths() {
        rejects(RawBytes.gguf(3, 0, 1).i64(1L << 62).zeros(32), "string of 4611686018427387904 bytes");
        rejects(RawBytes.gguf(3, 0, 1).i64(-1).zeros(32), "string of 18446744073709551615 bytes");
        rejects(RawBytes.gguf(3, 0, 1).str("k").u32(GgufValueType.STRING.id()).i64(1L << 62).zeros(32),
                "metadata 'k'");
        rejects(RawBytes.gguf(3, 1, 0).i64(1L << 62).zeros(64), "tensor info 0");
        // a string that just barely runs past the end
        rejects(RawBytes.gguf(3, 0, 1).str("k").u32(GgufValueType.STRING.id()).i64(10).raw('a', 'b', 'c'),
                "GGUF truncated");
    }

    @Test
    void hugeArrays() {
        rejects(RawBytes.gguf(3, 0, 1).str("k").u32(GgufValueType.ARRAY.id()).u32(GgufValueType.UINT8.id())
                .i64(1L << 60).zeros(64), "1152921504606846976 UINT8 elements");
        rejects(RawBytes.gguf(3, 0, 1).str("k").u32(GgufValueType.ARRAY.id()).u32(GgufValueType.STRING.id())
                .i64(1L << 60).zeros(64), "STRING elements");
        rejects(RawBytes.gguf(3, 0, 1).str("k").u32(GgufValueType.ARRAY.id()).u32(GgufValueType.FLOAT64.id())
                .i64(-1).zeros(64), "FLOAT64 elements");
        // length that fits the file in 8-byte units but the strings inside do not
        RawBytes r = RawBytes.gguf(3, 0, 1).str("k").u32(GgufValueType.ARRAY.id()).u32(GgufValueType.STRING.id())
                .i64(5000);
        for (int i = 0; i < 5000; i++) {
            r.i64(i == 4999 ? 1_000_000 : 0);
        }
        rejects(r, "GGUF truncated");
    }

    @Test
    void unknownValueTypes() {
        rejects(RawBytes.gguf(3, 0, 1).str("k").u32(13).zeros(16), "unknown value type 13");
        rejects(RawBytes.gguf(3, 0, 1).str("k").u32(-1).zeros(16), "unknown value type -1");
        rejects(RawBytes.gguf(3, 0, 1).str("k").u32(GgufValueType.ARRAY.id()).u32(99).i64(1).zeros(16),
                "unknown element type 99");
        rejects(RawBytes.gguf(3, 0, 1).str("k").u32(GgufValueType.ARRAY.id()).u32(GgufValueType.ARRAY.id())
                .i64(1).zeros(16), "nested arrays");
    }

    @Test
    void duplicateAndEmptyKeys() {
        rejects(RawBytes.gguf(3, 0, 2).kvU32("a.b", 1).kvU32("a.b", 2), "duplicate metadata key 'a.b'");
        rejects(RawBytes.gguf(3, 0, 1).kvU32("", 1), "empty");
    }

    @Test
    void badAlignment() {
        rejects(RawBytes.gguf(3, 0, 1).kvU32("general.alignment", 48), "not a power of two");
        rejects(RawBytes.gguf(3, 0, 1).kvU32("general.alignment", 0), "not a power of two");
        rejects(RawBytes.gguf(3, 0, 1).kvString("general.alignment", "32"), "must be UINT32");
    }

    @Test
    void tooManyDimensions() {
        rejects(RawBytes.gguf(3, 1, 0).tensorInfo("t", new long[]{1, 1, 1, 1, 1}, F32, 0).pad(32).zeros(32),
                "5 dimensions");
        rejects(RawBytes.gguf(3, 1, 0).str("t").u32(0xFFFF_FFFFL).zeros(64), "4294967295 dimensions");
    }

    @Test
    void negativeOrOverflowingDims() {
        rejects(RawBytes.gguf(3, 1, 0).tensorInfo("t", new long[]{4, -2}, F32, 0).pad(32).zeros(32),
                "dimension 1 is negative");
        rejects(RawBytes.gguf(3, 1, 0).tensorInfo("t", new long[]{1L << 32, 1L << 32}, F32, 0).pad(32).zeros(32),
                "more elements than a long");
        // element count fits, byte size does not
        rejects(RawBytes.gguf(3, 1, 0).tensorInfo("t", new long[]{1L << 31, 1L << 31}, F32, 0).pad(32).zeros(32),
                "byte size");
        // fits a long but not the file
        rejects(RawBytes.gguf(3, 1, 0).tensorInfo("t", new long[]{1L << 20, 1L << 20}, F32, 0).pad(32).zeros(32),
                "extends past the end");
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 5, 31, 32, 33, 36, 37, 38, 42, 1000, -1})
    void unknownTensorTypes(int type) {
        rejects(RawBytes.gguf(3, 1, 0).tensorInfo("t", new long[]{32}, type, 0).pad(32).zeros(128),
                "unknown ggml type " + type);
    }

    @Test
    void rowsNotAWholeNumberOfBlocks() {
        rejects(RawBytes.gguf(3, 1, 0).tensorInfo("t", new long[]{33, 2}, GgmlType.Q8_0.id(), 0).pad(32).zeros(256),
                "not a multiple of the block size 32");
    }

    @Test
    void duplicateTensorNames() {
        rejects(RawBytes.gguf(3, 2, 0).tensorInfo("t", new long[]{8}, F32, 0).tensorInfo("t", new long[]{8}, F32, 32)
                .pad(32).zeros(64), "duplicate tensor name 't'");
    }

    @Test
    void tensorDataPastTheEnd() {
        rejects(RawBytes.gguf(3, 1, 0).tensorInfo("t", new long[]{8}, F32, 0).pad(32).zeros(31),
                "tensor 't' data");
        rejects(RawBytes.gguf(3, 1, 0).tensorInfo("t", new long[]{8}, F32, 1L << 40).pad(32).zeros(32),
                "extends past the end");
        rejects(RawBytes.gguf(3, 1, 0).tensorInfo("t", new long[]{8}, F32, Long.MAX_VALUE - 31).pad(32).zeros(32),
                "GGUF");
        rejects(RawBytes.gguf(3, 1, 0).tensorInfo("t", new long[]{8}, F32, -32).pad(32).zeros(32),
                "data offset 18446744073709551584");
        // data section itself would start past the end
        rejects(RawBytes.gguf(3, 1, 0).tensorInfo("t", new long[]{0}, F32, 0), "data section");
    }

    @Test
    void unalignedTensorOffset() {
        rejects(RawBytes.gguf(3, 1, 0).tensorInfo("t", new long[]{8}, F32, 4).pad(32).zeros(64),
                "not a multiple of the alignment 32");
    }

    @Test
    void invalidUtf8IsReplacedNotFatal() throws IOException {
        Path file = RawBytes.gguf(3, 0, 2)
                .i64(3).raw('k', 0xFF, 'y').u32(GgufValueType.STRING.id()).i64(2).raw(0xC3, 0x28)
                .kvString("ok", "fine")
                .write(dir.resolve("utf8.gguf"));
        GgufFile g = GgufReader.read(file);
        assertEquals("fine", g.string("ok").orElseThrow());
        assertEquals("\uFFFD(", g.string("k\uFFFDy").orElseThrow());
    }

    @Test
    void version2IsReadLikeVersion3() throws IOException {
        Path file = RawBytes.gguf(2, 1, 1).kvString("general.architecture", "llama")
                .tensorInfo("t", new long[]{2}, F32, 0).pad(32).f32(1).f32(2).write(dir.resolve("v2.gguf"));
        GgufFile g = GgufReader.read(file);
        assertEquals(2, g.version());
        assertEquals("llama", g.architecture());
        assertEquals(8, g.tensors().getFirst().byteSize());
    }

    @Test
    void metadataOnlyFileWithoutTensorsIsValid() throws IOException {
        Path file = RawBytes.gguf(3, 0, 1).kvString("tokenizer.ggml.model", "gpt2").write(dir.resolve("v.gguf"));
        GgufFile g = GgufReader.read(file);
        assertEquals(0, g.tensors().size());
        assertEquals(g.fileSize(), g.dataOffset());
    }

    @Test
    void memoryLimitsAreEnforcedNotExceeded() throws IOException {
        RawBytes many = RawBytes.gguf(3, 0, 2000);
        for (int i = 0; i < 2000; i++) {
            many.kvU32("k" + i, i);
        }
        Path file = many.write(dir.resolve("many.gguf"));
        assertEquals(2000, GgufReader.read(file).metadata().size());
        GgufReader.Options tight = new GgufReader.Options(4096, 1 << 20, 50_000);
        FormatException e = assertThrows(FormatException.class, () -> GgufReader.read(file, tight));
        assertTrue(e.getMessage().contains("larger than"), e.getMessage());

        Path longString = RawBytes.gguf(3, 0, 1).kvString("k", "x".repeat(5000)).write(dir.resolve("long.gguf"));
        FormatException e2 = assertThrows(FormatException.class,
                () -> GgufReader.read(longString, new GgufReader.Options(4096, 4000, 1 << 20)));
        assertTrue(e2.getMessage().contains("5000 bytes"), e2.getMessage());
    }

    @Test
    void filesLargerThanTwoGigabytesAreRead() throws IOException {
        long three = 3L << 30;
        Path file = RawBytes.gguf(3, 2, 1).kvString("general.architecture", "llama")
                .tensorInfo("small", new long[]{8}, F32, 0)
                .tensorInfo("far", new long[]{8}, F32, three)
                .pad(32).write(dir.resolve("big.gguf"));
        long dataOffset = Files.size(file);
        try (var raf = new java.io.RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(dataOffset + three + 32); // sparse: nothing is actually written
            raf.seek(dataOffset + three);
            raf.write(new byte[]{0, 0, (byte) 0x80, 0x3F}); // 1.0f
        }
        GgufFile g = GgufReader.read(file);
        GgufTensorInfo far = g.tensor("far").orElseThrow();
        assertEquals(dataOffset + three, far.absoluteOffset());
        assertTrue(far.absoluteOffset() > Integer.MAX_VALUE);
        assertEquals(1.0f, GgmlQuant.decode(GgufReader.readTensorData(file, far), GgmlType.F32, 8)[0]);
        // one byte short is a truncated file, even that far out
        try (var raf = new java.io.RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(dataOffset + three + 31);
        }
        rejects(file, "tensor 'far' data");
    }

    /** Every strict prefix of a valid file is a truncated file and must be reported as such. */
    @Test
    void everyTruncationIsAFormatException() throws IOException {
        Path full = dir.resolve("full.gguf");
        // the last tensor ends on the alignment so the file has no trailing padding: every
        // shorter prefix cuts into something the reader needs
        GgufWriter.create()
                .putString("general.architecture", "llama")
                .putUint32("llama.block_count", 1)
                .putFloat32("llama.rope.freq_base", 10000f)
                .putBool("flag", true)
                .putStrings("tokenizer.ggml.tokens", java.util.List.of("a", "bc", "<s>"))
                .putInt32s("tokenizer.ggml.token_type", new int[]{1, 1, 3})
                .putArray("u64s", GgufValueType.UINT64, java.util.List.of(1L, 2L))
                .tensor("w", new long[]{32, 2}, new float[64], GgmlType.Q8_0)
                .tensor("n", new long[]{8}, new float[8], GgmlType.F32)
                .write(full);
        byte[] bytes = Files.readAllBytes(full);
        GgufFile ok = GgufReader.read(full);
        assertEquals(bytes.length, ok.tensors().getLast().endOffset(), "test premise: no trailing padding");

        Path cut = dir.resolve("cut.gguf");
        for (int len = 0; len < bytes.length; len++) {
            Files.write(cut, Arrays.copyOf(bytes, len));
            try {
                GgufReader.read(cut);
                fail("prefix of " + len + " bytes was accepted");
            } catch (FormatException e) {
                assertTrue(!e.getMessage().contains("internal"), len + ": " + e.getMessage());
            } catch (Throwable t) {
                throw new AssertionError("prefix of " + len + " bytes threw " + t, t);
            }
        }
        // with a small array threshold the skipping path is exercised too
        for (int len = 0; len < bytes.length; len++) {
            Files.write(cut, Arrays.copyOf(bytes, len));
            final int n = len;
            FormatException e = assertThrows(FormatException.class,
                    () -> GgufReader.read(cut, GgufReader.Options.defaults().withArrayThreshold(1)), "" + n);
            assertTrue(!e.getMessage().contains("internal"), len + ": " + e.getMessage());
        }
    }

    /** Random corruption: the reader either succeeds or says why, and never crashes or hangs. */
    @Test
    void randomCorruptionNeverCrashes() throws IOException {
        Path full = dir.resolve("fuzz-src.gguf");
        GgufWriter.create()
                .putString("general.architecture", "qwen2")
                .putUint32("qwen2.block_count", 2)
                .putStrings("tokenizer.ggml.tokens", java.util.List.of("x", "yy", "zzz", "w"))
                .putFloat32s("scores", new float[]{1, 2, 3, 4})
                .putArray("bools", GgufValueType.BOOL, java.util.List.of(true, false))
                .tensor("a", new long[]{32}, new float[32], GgmlType.Q4_0)
                .tensor("b", new long[]{4, 2}, new float[8], GgmlType.F16)
                .write(full);
        byte[] original = Files.readAllBytes(full);
        Random rnd = new Random(7);
        Path mutated = dir.resolve("fuzz.gguf");
        int accepted = 0;
        for (int round = 0; round < 3000; round++) {
            byte[] b = original.clone();
            int flips = 1 + rnd.nextInt(4);
            for (int f = 0; f < flips; f++) {
                int at = 4 + rnd.nextInt(b.length - 4);
                b[at] = switch (rnd.nextInt(4)) {
                    case 0 -> (byte) rnd.nextInt(256);
                    case 1 -> (byte) 0xFF;
                    case 2 -> (byte) 0x7F;
                    default -> (byte) (b[at] ^ (1 << rnd.nextInt(8)));
                };
            }
            Files.write(mutated, b);
            try {
                GgufReader.read(mutated, GgufReader.Options.defaults().withArrayThreshold(rnd.nextInt(6)));
                accepted++;
            } catch (FormatException e) {
                assertTrue(!e.getMessage().contains("internal"), "round " + round + ": " + e.getMessage());
            } catch (Throwable t) {
                throw new AssertionError("round " + round + " threw " + t, t);
            }
        }
        assertTrue(accepted > 0 && accepted < 3000, "some mutations hit only data or values: " + accepted);
    }
}
