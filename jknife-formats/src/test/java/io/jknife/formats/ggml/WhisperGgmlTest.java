package io.jknife.formats.ggml;

import io.jknife.formats.FormatException;
import io.jknife.formats.GgmlType;
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
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class WhisperGgmlTest {
    @TempDir
    Path dir;

    /** Tiny dims, real vocabulary size: the shape of the test models other modules use. */
    static final WhisperHparams TINY = new WhisperHparams(51865, 1500, 16, 2, 4, 448, 16, 2, 4, 80, 1);
    /** Minimal dims for byte-level tests (hazardous n_vocab, fine for parsing). */
    static final WhisperHparams MICRO = new WhisperHparams(300, 4, 4, 1, 1, 4, 4, 1, 1, 4, 1);

    private Path write(WhisperGgmlWriter w, String name) throws IOException {
        Path f = dir.resolve(name);
        w.write(f);
        return f;
    }

    private static boolean has(List<String> items, String fragment) {
        return items.stream().anyMatch(s -> s.contains(fragment));
    }

    @Test
    void roundTrip() throws IOException {
        Path f = write(new WhisperGgmlWriter(TINY), "ggml-tiny.bin");
        WhisperGgmlModel m = WhisperGgmlReader.read(f);
        assertEquals(TINY, m.hparams());
        assertEquals(Files.size(f), m.fileSize());
        assertEquals(80, m.melCount());
        assertEquals(201, m.melFftBins());
        assertEquals(1024, m.storedVocabSize());
        assertTrue(m.vocab().hasSpaceToken());
        assertEquals(0, m.vocab().invalidUtf8Count());
        assertTrue(m.multilingual());
        assertEquals("tiny", m.modelSizeName());
        assertEquals(GgmlType.F16, m.weightType());
        assertEquals(11 + 15 * 4 + 24 * 4, m.tensors().size());
        assertEquals(List.of(), m.nativeHazards());
        assertEquals(List.of(), m.warnings());
        assertTrue(m.tensorTableComplete());

        long expectedParams = WhisperTensorLayout.expected(TINY).stream().mapToLong(WhisperTensorLayout.Expected::elementCount).sum();
        assertEquals(expectedParams, m.parameterCount());

        WhisperGgmlTensor te = m.tensor("decoder.token_embedding.weight").orElseThrow();
        assertArrayEquals(new long[]{16, 51865}, te.dims());
        assertEquals(GgmlType.F16, te.type());
        assertEquals(16L * 51865 * 2, te.byteSize());
        WhisperGgmlTensor bias = m.tensor("encoder.conv1.bias").orElseThrow();
        assertArrayEquals(new long[]{1, 16}, bias.dims());
        assertEquals(GgmlType.F32, bias.type());
        assertEquals(GgmlType.F16, m.tensor("encoder.conv2.weight").orElseThrow().type());

        // Offsets point at the data: layer-norm weights are written close to 1.
        WhisperGgmlTensor ln = m.tensor("encoder.ln_post.weight").orElseThrow();
        ByteBuffer data = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 16; i++) {
            assertEquals(1f, data.getFloat((int) ln.dataOffset() + 4 * i), 0.06f);
        }
        WhisperGgmlTensor last = m.tensors().getLast();
        assertEquals(m.fileSize(), last.dataOffset() + last.byteSize());

        List<byte[]> vocab = WhisperGgmlReader.readVocabulary(f);
        List<byte[]> expected = WhisperGgmlWriter.gpt2Vocabulary(1024, true);
        assertEquals(expected.size(), vocab.size());
        for (int i = 0; i < vocab.size(); i++) {
            assertArrayEquals(expected.get(i), vocab.get(i), "token " + i);
        }
        assertArrayEquals(new byte[]{' '}, vocab.get(220), "GPT-2 id of the space byte");
        assertArrayEquals(WhisperGgmlWriter.melFilterBank(80, 201), WhisperGgmlReader.readMelFilters(f));
    }

    @Test
    void englishOnlyAndSizes() throws IOException {
        WhisperGgmlModel m = WhisperGgmlReader.read(write(new WhisperGgmlWriter(TINY.withNVocab(51864)), "en.bin"));
        assertFalse(m.multilingual());
        assertEquals(List.of(), m.nativeHazards());
        WhisperGgmlModel v3 = WhisperGgmlReader.read(write(new WhisperGgmlWriter(TINY.withNVocab(51866).withLayers(1, 1)), "v3.bin"));
        assertTrue(v3.multilingual());
        assertEquals("unknown", v3.modelSizeName());
        assertEquals(List.of(), v3.nativeHazards());
    }

    @Test
    void rawGpt2ByteTokensAreNotAHazard() throws IOException {
        List<byte[]> raw = WhisperGgmlWriter.gpt2Vocabulary(600, false);
        assertTrue(raw.stream().anyMatch(t -> t.length == 1 && (t[0] & 0xFF) == 0xFF), "raw bytes, like a converted model");
        // Multi-byte fragments split mid-character, as byte-level BPE produces, are fine too.
        raw.add("\u00e9t\u00e9".getBytes(StandardCharsets.UTF_8));
        raw.add(Arrays.copyOf("\u4e2d".getBytes(StandardCharsets.UTF_8), 2));
        raw.add(Arrays.copyOfRange("\u4e2d\u6587".getBytes(StandardCharsets.UTF_8), 1, 5));
        WhisperGgmlModel m = WhisperGgmlReader.read(write(new WhisperGgmlWriter(TINY).vocabulary(raw), "raw.bin"));
        assertEquals(0, m.vocab().invalidUtf8Count());
        assertEquals(List.of(), m.nativeHazards());
    }

    @Test
    void utf8FragmentRule() {
        assertTrue(WhisperGgmlReader.utf8Compatible(300, "hello".getBytes(StandardCharsets.UTF_8)));
        assertTrue(WhisperGgmlReader.utf8Compatible(300, new byte[0]));
        assertTrue(WhisperGgmlReader.utf8Compatible(5, new byte[]{(byte) 0xFF}), "byte alphabet");
        assertFalse(WhisperGgmlReader.utf8Compatible(300, new byte[]{(byte) 0xFF}));
        assertFalse(WhisperGgmlReader.utf8Compatible(300, new byte[]{'a', (byte) 0xC0, (byte) 0x80}), "overlong");
        assertFalse(WhisperGgmlReader.utf8Compatible(300, new byte[]{(byte) 0xED, (byte) 0xA0, (byte) 0x80}), "surrogate");
        assertFalse(WhisperGgmlReader.utf8Compatible(300, new byte[]{(byte) 0xE4, 'a'}), "broken sequence");
        assertFalse(WhisperGgmlReader.utf8Compatible(300, new byte[]{(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80}));
        assertTrue(WhisperGgmlReader.utf8Compatible(300, new byte[]{(byte) 0x80, (byte) 0x80, (byte) 0x80, 'a'}));
        assertTrue(WhisperGgmlReader.utf8Compatible(300, new byte[]{'a', (byte) 0xF0, (byte) 0x9F}), "ends mid-character");
    }

    // ---- native hazards ----

    @Test
    void convWeightsInF32() throws IOException {
        WhisperGgmlModel m = WhisperGgmlReader.read(write(new WhisperGgmlWriter(TINY)
                .tensorType("encoder.conv1.weight", GgmlType.F32), "conv.bin"));
        assertEquals(1, m.nativeHazards().size(), m.nativeHazards().toString());
        assertTrue(has(m.nativeHazards(), "encoder.conv1.weight is stored as f32"));

        // An all-F32 model loads (whisper.cpp expects F32 convolutions there) but still aborts in full().
        WhisperGgmlModel f32 = WhisperGgmlReader.read(write(new WhisperGgmlWriter(TINY.withNVocab(51864).withFtype(0)), "f32.bin"));
        assertEquals(GgmlType.F32, f32.weightType());
        assertEquals(2, f32.nativeHazards().size(), f32.nativeHazards().toString());
        assertTrue(has(f32.nativeHazards(), "encoder.conv2.weight is stored as f32"));
    }

    @Test
    void incompleteOrWrongTensorTable() throws IOException {
        WhisperGgmlModel missing = WhisperGgmlReader.read(write(new WhisperGgmlWriter(TINY).omitTensor("decoder.ln.bias"), "m.bin"));
        assertEquals(List.of("decoder.ln.bias"), missing.missingTensors());
        assertTrue(has(missing.nativeHazards(), "missing tensors (1): decoder.ln.bias"));
        assertFalse(missing.tensorTableComplete());

        WhisperGgmlModel extra = WhisperGgmlReader.read(write(new WhisperGgmlWriter(TINY)
                .extraTensor("decoder.proj.weight", GgmlType.F32, 4), "x.bin"));
        assertEquals(List.of("decoder.proj.weight"), extra.unexpectedTensors());
        assertTrue(has(extra.nativeHazards(), "unexpected tensors (1): 'decoder.proj.weight'"));

        WhisperGgmlModel shape = WhisperGgmlReader.read(write(new WhisperGgmlWriter(TINY)
                .tensorShape("decoder.blocks.1.mlp.0.weight", 16, 32), "s.bin"));
        assertTrue(has(shape.nativeHazards(), "decoder.blocks.1.mlp.0.weight has shape [16, 32], whisper.cpp expects [16, 64]"));

        WhisperGgmlModel type = WhisperGgmlReader.read(write(new WhisperGgmlWriter(TINY)
                .tensorType("encoder.blocks.0.attn.query.weight", GgmlType.F32), "t.bin"));
        assertTrue(has(type.nativeHazards(), "encoder.blocks.0.attn.query.weight is stored as f32, whisper.cpp expects f16 for ftype 1"));

        WhisperGgmlModel dup = WhisperGgmlReader.read(write(new WhisperGgmlWriter(TINY)
                .extraTensor("decoder.ln.bias", GgmlType.F32, 16), "d.bin"));
        assertTrue(has(dup.nativeHazards(), "'decoder.ln.bias' is stored more than once"));

        WhisperGgmlWriter none = new WhisperGgmlWriter(TINY);
        WhisperTensorLayout.expected(TINY).forEach(e -> none.omitTensor(e.name()));
        WhisperGgmlModel empty = WhisperGgmlReader.read(write(none, "none.bin"));
        assertTrue(empty.tensors().isEmpty());
        assertTrue(has(empty.nativeHazards(), "no tensors"));
    }

    @Test
    void quantizedModelsExpectQuantizedMatrices() throws IOException {
        // ftype 8 = q5_0 (with quantization version 2, as whisper.cpp's quantize writes it).
        WhisperHparams q = new WhisperHparams(51865, 1500, 32, 2, 1, 448, 32, 2, 1, 80, 2008);
        WhisperGgmlWriter w = new WhisperGgmlWriter(q);
        WhisperGgmlModel m = WhisperGgmlReader.read(write(w, "q5.bin"));
        assertEquals(8, q.ftypeBase());
        assertEquals(2, q.quantizationVersion());
        assertEquals(GgmlType.Q5_0, m.weightType());
        WhisperGgmlTensor te = m.tensor("decoder.token_embedding.weight").orElseThrow();
        assertEquals(GgmlType.Q5_0, te.type());
        assertEquals(51865L * 32 / 32 * 22, te.byteSize());
        assertEquals(GgmlType.F16, m.tensor("encoder.conv1.weight").orElseThrow().type());
        assertEquals(List.of(), m.nativeHazards());
    }

    @Test
    void interleavedQ4_0ModelsOfWhisperCpp17() throws IOException {
        // ftype 25 = Q4_0_4_4 (ggml id 31): whisper.cpp 1.7.x loads it, later ggml (and GGUF) do not know it.
        WhisperHparams q = new WhisperHparams(51865, 1500, 32, 2, 1, 448, 32, 2, 1, 80, 2025);
        WhisperGgmlModel m = WhisperGgmlReader.read(write(new WhisperGgmlWriter(q), "q4x4.bin"));
        assertEquals(GgmlType.Q4_0_4_4, m.weightType());
        WhisperGgmlTensor te = m.tensor("decoder.token_embedding.weight").orElseThrow();
        assertEquals(GgmlType.Q4_0_4_4, te.type());
        assertEquals("q4_0_4x4", te.type().ggmlName());
        assertEquals(List.of(), m.nativeHazards());
        assertEquals(GgmlType.Q4_0_8_8, WhisperGgmlTypes.byId(33).orElseThrow());
        assertTrue(WhisperGgmlTypes.byId(GgmlType.MXFP4.id()).isEmpty(), "newer than whisper.cpp 1.7.x");
    }

    @Test
    void vocabularyHazards() throws IOException {
        List<byte[]> noSpace = new ArrayList<>(WhisperGgmlWriter.gpt2Vocabulary(400, true));
        noSpace.set(220, "Ġ".getBytes(StandardCharsets.UTF_8));
        WhisperGgmlModel a = WhisperGgmlReader.read(write(new WhisperGgmlWriter(TINY).vocabulary(noSpace), "nospace.bin"));
        assertFalse(a.vocab().hasSpaceToken());
        assertEquals(List.of("vocabulary lacks the token \" \": whisper_full() looks it up unchecked and aborts"), a.nativeHazards());

        List<byte[]> bad = new ArrayList<>(WhisperGgmlWriter.gpt2Vocabulary(400, true));
        bad.set(300, new byte[]{'o', (byte) 0xFF, 'k'});
        bad.set(301, new byte[]{(byte) 0xC3, 'x'});
        WhisperGgmlModel b = WhisperGgmlReader.read(write(new WhisperGgmlWriter(TINY).vocabulary(bad), "utf8.bin"));
        assertEquals(2, b.vocab().invalidUtf8Count());
        assertEquals(List.of(300, 301), b.vocab().invalidUtf8Ids());
        assertTrue(has(b.nativeHazards(), "2 token(s) that cannot occur in UTF-8 text (ids 300, 301)"));
    }

    @Test
    void hparamHazardsAndDistilWarning() throws IOException {
        WhisperGgmlModel distil = WhisperGgmlReader.read(write(new WhisperGgmlWriter(TINY.withLayers(4, 2)), "distil.bin"));
        assertEquals(List.of(), distil.nativeHazards());
        assertTrue(distil.treatedAsDistilled());
        assertTrue(has(distil.warnings(), "no timestamps"));
        WhisperGgmlModel v3turbo = WhisperGgmlReader.read(write(new WhisperGgmlWriter(TINY.withNVocab(51866).withLayers(4, 2)), "v3d.bin"));
        assertEquals(List.of(), v3turbo.warnings(), "large-v3 vocabulary is exempt, as in whisper.cpp");

        WhisperGgmlModel smallVocab = WhisperGgmlReader.read(write(new WhisperGgmlWriter(MICRO), "micro.bin"));
        assertTrue(has(smallVocab.nativeHazards(), "n_vocab 300 is outside 51864..51866"));
        assertEquals(1, smallVocab.nativeHazards().size(), smallVocab.nativeHazards().toString());

        WhisperHparams mismatch = new WhisperHparams(51865, 1500, 16, 2, 1, 448, 32, 3, 1, 80, 1);
        WhisperGgmlModel mm = WhisperGgmlReader.read(write(new WhisperGgmlWriter(mismatch), "mm.bin"));
        assertTrue(has(mm.nativeHazards(), "n_audio_state 16 differs from n_text_state 32"));
        assertTrue(has(mm.nativeHazards(), "n_text_state 32 is not divisible by n_text_head 3"));

        WhisperGgmlModel mel = WhisperGgmlReader.read(write(new WhisperGgmlWriter(TINY).melFilters(128, 200), "mel.bin"));
        assertTrue(has(mel.nativeHazards(), "mel filters have 128 bands but n_mels is 80"));
        assertTrue(has(mel.nativeHazards(), "200 frequency bins"));
    }

    // ---- hostile and truncated files ----

    private static void patchInt(byte[] b, long offset, int value) {
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt((int) offset, value);
    }

    private String reason(byte[] bytes) throws IOException {
        Path f = Files.createTempFile(dir, "hostile", ".bin");
        Files.write(f, bytes);
        FormatException e = assertThrows(FormatException.class, () -> WhisperGgmlReader.read(f));
        assertFalse(e.getMessage().contains("\n"));
        return e.getMessage();
    }

    private void assertReason(byte[] bytes, String fragment) throws IOException {
        String m = reason(bytes);
        assertTrue(m.contains(fragment), "expected '" + fragment + "' in: " + m);
    }

    /** Offset of the first tensor's header (n_dims field). */
    private static long firstTensorHeader(WhisperGgmlModel m) {
        WhisperGgmlTensor t = m.tensors().getFirst();
        return t.dataOffset() - t.name().length() - 4L * t.dims().length - 12;
    }

    @Test
    void hostileHeaders() throws IOException {
        Path good = write(new WhisperGgmlWriter(MICRO), "good.bin");
        byte[] ok = Files.readAllBytes(good);
        WhisperGgmlModel m = WhisperGgmlReader.read(good);

        byte[] b = ok.clone();
        patchInt(b, 0, 0x46554747);
        assertReason(b, "not a whisper ggml file");
        b = ok.clone();
        patchInt(b, 4 + 4 * 10, 5);
        assertReason(b, "ftype 5 is not a ggml file type");
        b = ok.clone();
        patchInt(b, 4 + 4 * 2, -1);
        assertReason(b, "n_audio_state = -1");
        b = ok.clone();
        patchInt(b, 4 + 4 * 4, Integer.MAX_VALUE);
        assertReason(b, "n_audio_layer = 2147483647");
        b = ok.clone();
        patchInt(b, 48, 100_000);
        assertReason(b, "mel filters 100000x201");
        b = ok.clone();
        patchInt(b, 52, -3);
        assertReason(b, "negative");
        b = ok.clone();
        patchInt(b, m.vocab().offset(), 999_999);
        assertReason(b, "cannot fit");
        b = ok.clone();
        patchInt(b, m.vocab().offset(), -1);
        assertReason(b, "vocabulary size -1");
        b = ok.clone();
        patchInt(b, m.vocab().offset() + 4, -2);
        assertReason(b, "token 0 length 4294967294");
        b = ok.clone();
        patchInt(b, m.vocab().offset() + 4, 1 << 20);
        assertReason(b, "exceeds");

        long t0 = firstTensorHeader(m);
        b = ok.clone();
        patchInt(b, t0, 5);
        assertReason(b, "n_dims 5");
        b = ok.clone();
        patchInt(b, t0 + 4, 0);
        assertReason(b, "name length 0");
        b = ok.clone();
        patchInt(b, t0 + 4, 100_000);
        assertReason(b, "name length 100000");
        b = ok.clone();
        patchInt(b, t0 + 8, 99);
        assertReason(b, "unknown ggml type 99");
        b = ok.clone();
        patchInt(b, t0 + 8, 4);
        assertReason(b, "unknown ggml type 4");
        b = ok.clone();
        patchInt(b, t0 + 12, -4);
        assertReason(b, "negative dimension");
        b = ok.clone();
        patchInt(b, t0 + 12, 1 << 30);
        assertReason(b, "runs past the end of the file");
        b = ok.clone();
        patchInt(b, t0 + 8, GgmlType.Q4_0.id());
        assertReason(b, "not a whole number of q4_0 blocks");
        byte[] stray = Arrays.copyOf(ok, ok.length + 5);
        assertReason(stray, "5 stray bytes");
    }

    @Test
    void everyTruncationIsCaught() throws IOException {
        Path good = write(new WhisperGgmlWriter(MICRO).vocabulary(WhisperGgmlWriter.gpt2Vocabulary(260, true)), "t.bin");
        byte[] ok = Files.readAllBytes(good);
        int boundaries = 0;
        for (int len = 0; len < ok.length; len++) {
            Path f = dir.resolve("trunc");
            Files.write(f, Arrays.copyOf(ok, len));
            try {
                WhisperGgmlModel m = WhisperGgmlReader.read(f);
                // Cut exactly between tensors: the bytes are valid, the table is not complete.
                assertFalse(m.missingTensors().isEmpty(), "truncation at " + len);
                assertTrue(has(m.nativeHazards(), "missing tensors") || has(m.nativeHazards(), "no tensors"));
                boundaries++;
            } catch (FormatException expected) {
                // the usual outcome
            }
        }
        assertEquals(WhisperTensorLayout.expected(MICRO).size(), boundaries, "one clean cut per tensor");
    }

    @Test
    void randomCorruptionOnlyEverGivesFormatException() throws IOException {
        byte[] ok = Files.readAllBytes(write(new WhisperGgmlWriter(MICRO).vocabulary(WhisperGgmlWriter.gpt2Vocabulary(260, true)), "f.bin"));
        Random rnd = new Random(11);
        Path f = dir.resolve("fuzz");
        for (int i = 0; i < 2000; i++) {
            byte[] b = ok.clone();
            for (int k = 0, n = 1 + rnd.nextInt(3); k < n; k++) {
                int pos = rnd.nextInt(b.length);
                b[pos] = (byte) (rnd.nextInt(4) == 0 ? 0xFF : rnd.nextInt(256));
            }
            Files.write(f, b);
            try {
                WhisperGgmlModel m = WhisperGgmlReader.read(f);
                m.nativeHazards();
                m.warnings();
                m.parameterCount();
                m.modelSizeName();
            } catch (FormatException expected) {
                // fine
            } catch (IOException | RuntimeException | OutOfMemoryError e) {
                fail("iteration " + i + " threw " + e, e);
            }
        }
    }

    @Test
    void ggmlTypeTables() {
        assertEquals(GgmlType.F16, WhisperGgmlTypes.forFtype(1).orElseThrow());
        assertEquals(GgmlType.Q8_0, WhisperGgmlTypes.forFtype(7).orElseThrow());
        assertTrue(WhisperGgmlTypes.forFtype(4).isEmpty());
        assertTrue(WhisperGgmlTypes.forFtype(28).isEmpty());
        assertTrue(WhisperGgmlTypes.byId(4).isEmpty());
        assertEquals(GgmlType.BF16, WhisperGgmlTypes.byId(30).orElseThrow());
        assertEquals(18, WhisperGgmlTypes.byteSize(GgmlType.Q4_0, 32, 32));
        assertEquals(-1, WhisperGgmlTypes.byteSize(GgmlType.Q4_0, 16, 32));
        assertEquals(210, WhisperGgmlTypes.byteSize(GgmlType.Q6_K, 256, 256));
    }
}
