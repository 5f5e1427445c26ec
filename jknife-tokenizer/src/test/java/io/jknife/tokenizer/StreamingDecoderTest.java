package io.jknife.tokenizer;

import io.jknife.formats.gguf.GgufReader;
import io.jknife.testkit.TinyGguf;
import io.jknife.testkit.TinyTokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Token-by-token text gives what decoding the whole sequence gives, never half a character. */
class StreamingDecoderTest {
    @TempDir
    Path dir;

    private static void streamsLikeDecode(Tokenizer t, String name) {
        for (String text : LlamaCppParityTest.TEXTS) {
            int[] ids = t.encode(text, false, true);
            StreamingDecoder d = new StreamingDecoder(t);
            StringBuilder out = new StringBuilder();
            for (int id : ids) {
                String piece = d.add(id);
                assertFalse(piece.contains("\uFFFD"), name + ": half a character in " + LlamaCppParityTest.show(text));
                out.append(piece);
            }
            out.append(d.finish());
            StringBuilder visible = new StringBuilder();
            // the expected text: decode without the control tokens
            int[] shown = java.util.Arrays.stream(ids).filter(id -> !t.isControl(id)).toArray();
            visible.append(t.decode(shown));
            assertEquals(visible.toString(), out.toString(), name + " " + LlamaCppParityTest.show(text));
        }
    }

    @Test
    void ggufAndHuggingFaceTokenizers() throws Exception {
        streamsLikeDecode(GgufTokenizers.from(GgufReader.read(TinyGguf.llama(dir.resolve("b.gguf")))), "bpe");
        streamsLikeDecode(GgufTokenizers.from(GgufReader.read(TinyGguf.llama(dir.resolve("s.gguf"),
                TinyGguf.Options.defaults().withTokenizerModel("llama")))), "spm");
        for (TinyTokenizers.Style s : List.of(TinyTokenizers.Style.LLAMA3, TinyTokenizers.Style.SENTENCEPIECE)) {
            Path d = dir.resolve(s.name());
            TinyTokenizers.write(d, s);
            try (HfTokenizer t = HfTokenizers.from(d)) {
                streamsLikeDecode(t, s.name());
            }
        }
    }

    @Test
    void anIncompleteCharacterWaitsAndFinishReplacesIt() {
        byte[] euro = "€".getBytes(StandardCharsets.UTF_8);
        assertEquals(0, StreamingDecoder.completeLength(new byte[]{euro[0]}));
        assertEquals(1, StreamingDecoder.completeLength(new byte[]{'a', euro[0], euro[1]}));
        assertEquals(3, StreamingDecoder.completeLength(euro));
        assertEquals(1, StreamingDecoder.completeLength(new byte[]{(byte) 0xFF}));
    }
}
