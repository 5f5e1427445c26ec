package io.jknife.tokenizer;

import io.jknife.formats.FormatException;
import io.jknife.testkit.TinyTokenizers;
import io.jknife.testkit.TinyTokenizers.Info;
import io.jknife.testkit.TinyTokenizers.Style;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hugging Face tokenizers on {@link TinyTokenizers}' generated tokenizer.json files, offline. */
class HfTokenizersTest {
    static final List<String> TEXTS = List.of("Hello world", "the tiny llama model", "naïve café — 你好 😀",
            "def f(x):\n\treturn x  ==  1\n", "don't stop 1234567", "Grüße aus Köln: ö ä ü ß", "  spaces  ");

    @TempDir
    static Path dir;
    static final Map<Style, Info> INFO = new EnumMap<>(Style.class);
    static final Map<Style, HfTokenizer> TOK = new EnumMap<>(Style.class);

    @BeforeAll
    static void load() throws Exception {
        for (Style s : List.of(Style.LLAMA3, Style.CHATML, Style.SENTENCEPIECE, Style.WORDPIECE)) {
            Path d = dir.resolve(s.name().toLowerCase());
            INFO.put(s, TinyTokenizers.write(d, s));
            TOK.put(s, HfTokenizers.from(d));
        }
    }

    @AfterAll
    static void close() {
        TOK.values().forEach(HfTokenizer::close);
    }

    /** What a streaming decoder assembles from tokenBytes, with the leading space dropped where the decoder does. */
    static String fromBytes(HfTokenizer t, int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int id : ids) {
            out.writeBytes(t.tokenBytes(id));
        }
        String s = out.toString(StandardCharsets.UTF_8);
        return t.stripsLeadingSpace() && s.startsWith(" ") ? s.substring(1) : s;
    }

    @Test
    void specialTokensComeFromTheConfigs() {
        for (Style s : List.of(Style.LLAMA3, Style.CHATML, Style.SENTENCEPIECE)) {
            Info info = INFO.get(s);
            HfTokenizer t = TOK.get(s);
            assertEquals(info.vocabSize(), t.vocabularySize(), s.name());
            assertEquals(info.eosId(), t.eos().orElseThrow(), s.name());
            assertTrue(t.endOfGeneration().contains(info.eosId()), s.name());
            assertEquals(info.bosId() >= 0, t.bos().isPresent(), s.name());
            for (int id : info.addedTokens().values()) {
                assertTrue(t.isControl(id), s + " " + id);
            }
            int[] plain = t.encode("Hello world", false, true);
            for (int id : plain) {
                assertFalse(t.isControl(id));
            }
            int[] withSpecial = t.encode("Hello world", true, true);
            if (info.bosId() >= 0) {
                assertEquals(info.bosId(), withSpecial[0], s.name());
                assertArrayEquals(plain, Arrays.copyOfRange(withSpecial, 1, withSpecial.length), s.name());
            } else {
                assertArrayEquals(plain, withSpecial, s.name() + ": ChatML adds nothing");
            }
        }
    }

    @Test
    void generationConfigAddsEndTokens() throws Exception {
        Path d = dir.resolve("gen");
        Info info = TinyTokenizers.write(d, Style.LLAMA3);
        int eom = info.id("<|eom_id|>");
        Files.writeString(d.resolve("generation_config.json"),
                "{\"bos_token_id\": " + info.bosId() + ", \"eos_token_id\": [" + info.id("<|end_of_text|>") + ", " + eom
                        + ", " + info.eosId() + "]}");
        try (HfTokenizer t = HfTokenizers.from(d)) {
            assertEquals(Set.of(info.eosId(), eom, info.id("<|end_of_text|>")), t.endOfGeneration());
            assertEquals(info.eosId(), t.eos().orElseThrow(), "the tokenizer config's eos_token comes first");
        }
    }

    @Test
    void writtenSpecialTokensAreParsedOnlyWhenAsked() {
        HfTokenizer t = TOK.get(Style.LLAMA3);
        int eot = INFO.get(Style.LLAMA3).id("<|eot_id|>");
        String text = "Hi<|eot_id|>there";
        assertTrue(Arrays.stream(t.encode(text, false, true)).anyMatch(id -> id == eot));
        int[] literal = t.encode(text, false, false);
        assertFalse(Arrays.stream(literal).anyMatch(id -> id == eot));
        assertEquals(text, t.decode(literal));
    }

    @Test
    void roundTripsAndTokenBytesAgreeWithTheDecoder() {
        for (Style s : List.of(Style.LLAMA3, Style.CHATML, Style.SENTENCEPIECE)) {
            HfTokenizer t = TOK.get(s);
            for (String text : TEXTS) {
                int[] ids = t.encode(text, false, true);
                if (!(t.stripsLeadingSpace() && text.startsWith(" "))) {
                    // Metaspace "first" puts no ▁ before a text that starts with a space, yet decoding drops one
                    assertEquals(text, t.decode(ids), s + " " + text);
                }
                assertEquals(t.decode(ids), fromBytes(t, ids), s + " bytes of " + text);
            }
        }
        assertFalse(TOK.get(Style.LLAMA3).stripsLeadingSpace());
        assertTrue(TOK.get(Style.SENTENCEPIECE).stripsLeadingSpace());
    }

    @Test
    void aMetaspaceDecoderOverBpePiecesGivesSpacesAndWholeCharacters() {
        // EuroLLM's case: the decoder decides, not the model type: ▁ is a space, <0xNN> is a byte
        HfTokenizer t = TOK.get(Style.SENTENCEPIECE);
        int[] ids = t.encode("Köln ö", false, true);
        String viaBytes = fromBytes(t, ids);
        assertEquals("Köln ö", viaBytes);
        assertFalse(viaBytes.contains("▁") || viaBytes.contains("Ġ"));
        int newline = INFO.get(Style.SENTENCEPIECE).vocabSize() > 0 ? 3 + '\n' : -1;
        assertArrayEquals(new byte[]{'\n'}, t.tokenBytes(newline), "<0x0A>");
        HfTokenizer bpe = TOK.get(Style.LLAMA3);
        int[] b = bpe.encode(" ö", false, true);
        assertEquals(" ö", fromBytes(bpe, b));
    }

    @Test
    void missingOrBrokenTokenizerIsAFormatException() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertTrue(assertThrows(FormatException.class, () -> HfTokenizers.from(empty)).getMessage()
                .startsWith("no tokenizer.json in"));
        Path broken = Files.createDirectories(dir.resolve("broken"));
        Files.writeString(broken.resolve("tokenizer.json"), "{\"model\": ");
        assertTrue(assertThrows(FormatException.class, () -> HfTokenizers.from(broken)).getMessage()
                .startsWith("tokenizer.json is not valid JSON"));
        Path bad = Files.createDirectories(dir.resolve("bad"));
        Files.writeString(bad.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [\"a b\"]}}");
        assertTrue(assertThrows(FormatException.class, () -> HfTokenizers.from(bad)).getMessage()
                .contains("rejected by the tokenizers library"));
    }
}
