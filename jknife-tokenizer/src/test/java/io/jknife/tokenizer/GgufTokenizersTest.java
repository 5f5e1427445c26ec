package io.jknife.tokenizer;

import io.jknife.formats.FormatException;
import io.jknife.formats.gguf.GgufArray;
import io.jknife.formats.gguf.GgufFile;
import io.jknife.formats.gguf.GgufReader;
import io.jknife.formats.gguf.GgufValueType;
import io.jknife.formats.gguf.GgufWriter;
import io.jknife.testkit.TinyGguf;
import io.jknife.testkit.TinySpmVocab;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The GGUF tokenizers on their own: metadata handling, bad vocabularies, bytes and decoding. */
class GgufTokenizersTest {
    @TempDir
    static Path dir;
    static Path bpeFile;
    static Path spmFile;
    static Tokenizer bpe;
    static Tokenizer spm;

    @BeforeAll
    static void load() throws Exception {
        bpeFile = TinyGguf.llama(dir.resolve("bpe.gguf"), TinyGguf.Options.defaults());
        spmFile = TinyGguf.llama(dir.resolve("spm.gguf"), TinyGguf.Options.defaults().withTokenizerModel("llama"));
        bpe = GgufTokenizers.from(GgufReader.read(bpeFile));
        spm = GgufTokenizers.from(GgufReader.read(spmFile));
    }

    private static int bpeId(String token) {
        return TinyGguf.bpeTokens().indexOf(token);
    }

    /** A copy of {@code source}'s metadata (no tensors) with {@code edit} applied, read back. */
    private static GgufFile edited(Path source, String name, Consumer<GgufWriter> edit) throws Exception {
        GgufWriter w = GgufWriter.create().putAll(GgufReader.read(source));
        edit.accept(w);
        Path out = dir.resolve(name + ".gguf");
        w.write(out);
        return GgufReader.read(out);
    }

    private static String error(GgufFile file) {
        return assertThrows(FormatException.class, () -> GgufTokenizers.from(file)).getMessage();
    }

    @Test
    void badVocabulariesAreOneClearFormatException() throws Exception {
        List<String> merges = new ArrayList<>(GgufReader.read(bpeFile).array(GgufTokenizers.MERGES).orElseThrow().strings());
        merges.add("Ġ zzzz");
        assertTrue(error(edited(bpeFile, "missing-merge", w -> w.put(GgufTokenizers.MERGES, GgufArray.ofStrings(merges))))
                .contains("'zzzz', which is not in the vocabulary"));
        assertTrue(error(edited(bpeFile, "no-space", w -> w.put(GgufTokenizers.MERGES, GgufArray.ofStrings(List.of("ab")))))
                .contains("not two tokens separated by a space"));
        assertTrue(error(edited(bpeFile, "no-merges", w -> w.remove(GgufTokenizers.MERGES)))
                .contains("no tokenizer.ggml.merges"));
        assertTrue(error(edited(bpeFile, "short-types", w -> w.put(GgufTokenizers.TOKEN_TYPE, new int[]{1, 1, 1})))
                .contains("token_type has 3 entries for " + TinyGguf.bpeTokens().size() + " tokens"));
        assertTrue(error(edited(spmFile, "short-scores", w -> w.put(GgufTokenizers.SCORES, new float[]{0f})))
                .contains("scores has 1 entries"));
        assertTrue(error(edited(bpeFile, "float-types", w -> w.put(GgufTokenizers.TOKEN_TYPE, new float[]{1f})))
                .contains("array of FLOAT32, expected INT32"));
        List<String> dup = new ArrayList<>(TinyGguf.bpeTokens());
        dup.set(dup.size() - 1, dup.getFirst());
        assertTrue(error(edited(bpeFile, "duplicate", w -> w.put(GgufTokenizers.TOKENS, GgufArray.ofStrings(dup))))
                .contains("twice"));
        assertTrue(error(edited(bpeFile, "bos-range", w -> w.putUint32("tokenizer.ggml.bos_token_id", 100_000)))
                .contains("bos_token_id is 100000, outside the vocabulary"));
        assertTrue(error(edited(bpeFile, "no-tokens", w -> w.remove(GgufTokenizers.TOKENS)))
                .contains("no tokenizer.ggml.tokens"));
    }

    @Test
    void unsupportedModelsAndPreTokenizersAreNamed() throws Exception {
        Path bert = TinyGguf.bert(dir.resolve("bert.gguf"), TinyGguf.Options.defaults());
        assertEquals("unsupported tokenizer model 'bert' (tokenizer.ggml.model; supported: gpt2, llama)",
                error(GgufReader.read(bert)));
        assertEquals("unsupported pre-tokenizer type 'my-new-pre' (tokenizer.ggml.pre)",
                error(edited(bpeFile, "pre", w -> w.putString("tokenizer.ggml.pre", "my-new-pre"))));
        assertTrue(error(edited(bpeFile, "no-model", w -> w.remove(GgufTokenizers.MODEL))).contains("has no tokenizer"));
    }

    @Test
    void arraysTheHeaderOnlyLocatedAreLoadedFromTheFile() throws Exception {
        GgufFile lazy = GgufReader.read(bpeFile, GgufReader.Options.defaults().withArrayThreshold(8));
        assertFalse(lazy.array(GgufTokenizers.TOKENS).orElseThrow().isLoaded());
        Tokenizer t = GgufTokenizers.from(lazy);
        for (String text : LlamaCppParityTest.TEXTS) {
            assertArrayEquals(bpe.encode(text, true, true), t.encode(text, true, true), text);
        }
    }

    @Test
    void specialTokensBosEosAndEndOfGeneration() {
        assertEquals(bpeId(TinyGguf.BOS), bpe.bos().orElseThrow());
        assertEquals(bpeId(TinyGguf.EOT), bpe.eos().orElseThrow());
        assertEquals(Set.of(bpeId(TinyGguf.EOT)), bpe.endOfGeneration());
        assertTrue(bpe.isControl(bpeId(TinyGguf.BOS)));
        assertTrue(bpe.isControl(bpeId(TinyGguf.START_HEADER)));
        assertFalse(bpe.isControl(bpeId("Ġthe")));
        assertArrayEquals(new int[]{bpeId(TinyGguf.BOS)}, bpe.encode("", true, true));
        assertArrayEquals(new int[0], bpe.encode("", false, true));

        TinySpmVocab v = TinySpmVocab.build();
        assertEquals(v.id(TinySpmVocab.BOS), spm.bos().orElseThrow());
        assertEquals(Set.of(v.id(TinySpmVocab.EOS), v.id(TinySpmVocab.END_OF_TEXT)), spm.endOfGeneration());
        assertTrue(spm.isControl(v.id(TinySpmVocab.INST)));
        assertTrue(spm.isControl(v.id(TinySpmVocab.UNK)));
        assertFalse(spm.isControl(v.id(TinySpmVocab.USER_DEFINED)));
        // written control tokens are text unless parsed; user-defined tokens are always split out
        int[] parsed = spm.encode(TinySpmVocab.INST + "hi" + TinySpmVocab.USER_DEFINED, false, true);
        assertEquals(v.id(TinySpmVocab.INST), parsed[0]);
        assertEquals(v.id(TinySpmVocab.USER_DEFINED), parsed[parsed.length - 1]);
        int[] literal = spm.encode(TinySpmVocab.INST + "hi" + TinySpmVocab.USER_DEFINED, false, false);
        assertFalse(Arrays.stream(literal).anyMatch(id -> id == v.id(TinySpmVocab.INST)));
        assertEquals(v.id(TinySpmVocab.USER_DEFINED), literal[literal.length - 1]);
        assertThrows(IllegalArgumentException.class, () -> bpe.tokenBytes(bpe.vocabularySize()));
        assertThrows(IllegalArgumentException.class, () -> spm.decode(new int[]{-1}));
    }

    @Test
    void tokenBytesAreTheRawBytes() {
        assertArrayEquals(" the".getBytes(StandardCharsets.UTF_8), bpe.tokenBytes(bpeId("Ġthe")));
        assertArrayEquals("\n\n".getBytes(StandardCharsets.UTF_8), bpe.tokenBytes(bpeId("ĊĊ")));
        assertArrayEquals(new byte[]{(byte) 0xE4}, bpe.tokenBytes(bpeId("ä")), "byte 0xE4 stands for itself");
        assertArrayEquals(TinyGguf.EOT.getBytes(StandardCharsets.UTF_8), bpe.tokenBytes(bpeId(TinyGguf.EOT)));

        TinySpmVocab v = TinySpmVocab.build();
        assertArrayEquals(" hello".getBytes(StandardCharsets.UTF_8), spm.tokenBytes(v.id("▁hello")));
        assertArrayEquals(new byte[]{'\n'}, spm.tokenBytes(v.id("<0x0A>")));
        assertArrayEquals(new byte[]{(byte) 0xF0}, spm.tokenBytes(v.id("<0xF0>")));
        assertArrayEquals("</s>".getBytes(StandardCharsets.UTF_8), spm.tokenBytes(v.id(TinySpmVocab.EOS)));
    }

    @Test
    void decodeJoinsSplitCharactersAndReplacesBrokenOnes() {
        int[] emoji = bpe.encode("😀", false, false);
        assertEquals(4, emoji.length, "one token per byte in the tiny vocabulary");
        assertEquals("😀", bpe.decode(emoji));
        assertEquals("\uFFFD", bpe.decode(Arrays.copyOf(emoji, 2)));
        int[] spmEmoji = spm.encode("😀", false, false);
        assertEquals("😀", spm.decode(spmEmoji), "byte fallback, leading space dropped");
        TinySpmVocab v = TinySpmVocab.build();
        assertEquals(v.id("▁"), spmEmoji[0]);
        assertEquals(TinySpmVocab.BOS + "Hello world", spm.decode(spm.encode("Hello world", true, true)),
                "the space before the first word after a leading BOS is dropped too");
        assertEquals(TinySpmVocab.BOS + "Hello", spm.decode(new int[]{v.id(TinySpmVocab.BOS), v.id("▁Hello")}),
                "control tokens decode as their text");
        assertEquals("Hello hello", spm.decode(new int[]{v.id("▁Hello"), v.id("▁hello")}));
    }

    @Test
    void encodesTheSameFromManyThreads() throws Exception {
        List<String> texts = LlamaCppParityTest.texts();
        List<int[]> expected = texts.stream().map(t -> bpe.encode(t, true, true)).toList();
        Tokenizer fresh = GgufTokenizers.from(GgufReader.read(bpeFile));
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int k = 0; k < 8; k++) {
                results.add(pool.submit(() -> {
                    for (int i = 0; i < texts.size(); i++) {
                        if (!Arrays.equals(expected.get(i), fresh.encode(texts.get(i), true, true))) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> f : results) {
                assertTrue(f.get());
            }
        }
    }
}
