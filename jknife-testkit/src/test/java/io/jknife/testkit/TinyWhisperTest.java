package io.jknife.testkit;

import io.jknife.formats.GgmlType;
import io.jknife.formats.ggml.WhisperGgmlModel;
import io.jknife.formats.ggml.WhisperGgmlReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TinyWhisperTest {
    @TempDir
    Path tmp;

    private static boolean has(List<String> items, String fragment) {
        return items.stream().anyMatch(s -> s.contains(fragment));
    }

    @Test
    void defaultsAreHazardFree() throws IOException {
        Path f = TinyWhisper.write(tmp.resolve("ggml-tiny.bin"));
        WhisperGgmlModel m = WhisperGgmlReader.read(f);
        assertEquals(List.of(), m.nativeHazards());
        assertEquals(List.of(), m.warnings());
        assertTrue(m.multilingual());
        assertEquals(51865, m.hparams().nVocab());
        assertEquals("tiny", m.modelSizeName());
        assertEquals(GgmlType.F16, m.tensor("encoder.conv1.weight").orElseThrow().type());
        assertTrue(m.tensorTableComplete());
        assertTrue(Files.size(f) < 3_000_000, "small enough for every test: " + Files.size(f));
        // Every stored token is complete UTF-8, so any sequence a random-weight model emits decodes.
        for (byte[] token : WhisperGgmlReader.readVocabulary(f)) {
            var decoder = java.nio.charset.StandardCharsets.UTF_8.newDecoder();
            decoder.decode(java.nio.ByteBuffer.wrap(token));
        }
    }

    @Test
    void englishOnly() throws IOException {
        WhisperGgmlModel m = WhisperGgmlReader.read(TinyWhisper.write(tmp.resolve("ggml-tiny.en.bin"),
                TinyWhisper.Options.defaults().withMultilingual(false)));
        assertFalse(m.multilingual());
        assertEquals(51864, m.hparams().nVocab());
        assertEquals(List.of(), m.nativeHazards());
    }

    @Test
    void hazardVariants() throws IOException {
        TinyWhisper.Options d = TinyWhisper.Options.defaults();
        assertTrue(has(WhisperGgmlReader.read(TinyWhisper.write(tmp.resolve("a.bin"), d.withConvF32())).nativeHazards(),
                "encoder.conv2.weight is stored as f32"));
        assertTrue(has(WhisperGgmlReader.read(TinyWhisper.write(tmp.resolve("b.bin"), d.withoutSpaceToken())).nativeHazards(),
                "lacks the token \" \""));
        assertTrue(has(WhisperGgmlReader.read(TinyWhisper.write(tmp.resolve("c.bin"), d.withInvalidUtf8Token())).nativeHazards(),
                "UTF-8"));
        assertTrue(has(WhisperGgmlReader.read(TinyWhisper.write(tmp.resolve("d.bin"), d.withMissingTensor())).nativeHazards(),
                "missing tensors (1): decoder.ln.bias"));
        assertTrue(has(WhisperGgmlReader.read(TinyWhisper.write(tmp.resolve("e.bin"), d.withFtype(0))).nativeHazards(),
                "encoder.conv1.weight is stored as f32"));
        WhisperGgmlModel distil = WhisperGgmlReader.read(TinyWhisper.write(tmp.resolve("f.bin"), d.withDims(16, 2, 4, 2)));
        assertEquals(List.of(), distil.nativeHazards());
        assertTrue(has(distil.warnings(), "distilled"));
    }
}
