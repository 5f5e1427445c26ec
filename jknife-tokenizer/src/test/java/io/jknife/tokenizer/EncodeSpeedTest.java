package io.jknife.tokenizer;

import io.jknife.engine.LoadOptions;
import io.jknife.formats.Gpt2ByteAlphabet;
import io.jknife.formats.gguf.GgufReader;
import io.jknife.formats.gguf.GgufWriter;
import io.jknife.llamacpp.LlamaCppEngine;
import io.jknife.llamacpp.LlamaCppModel;
import io.jknife.testkit.TinyGguf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Encoding speed: against llama.cpp on the tiny vocabulary (same text, same JVM), and load time
 * and throughput on a Llama-3-sized vocabulary (128 000 tokens, ~128 000 merges) made here. Prints
 * the numbers; the bounds are loose (a shared 2-core machine). A benchmark, not part of the default
 * run: {@code scripts/test -pl jknife-tokenizer -Djknife.test.excludedGroups= -Dgroups=benchmark}.
 */
@org.junit.jupiter.api.Tag("benchmark")
class EncodeSpeedTest {
    @TempDir
    Path dir;

    static String text(int chars, long seed) {
        String[] words = {"the", "model", "tiny", "hello", "world", "llama", "testing", "encoder", "tokenizer",
                "café", "naïve", "你好", "世界", "😀", "123", "4567", "don't", "it's", "x", "==", "()", "{", "}",
                "\n", "\n\n", "\t", "    ", ".", ",", "!", "Straße", "Привет", "データ"};
        Random rnd = new Random(seed);
        StringBuilder b = new StringBuilder(chars + 16);
        while (b.length() < chars) {
            b.append(words[rnd.nextInt(words.length)]);
            b.append(rnd.nextInt(4) == 0 ? "" : " ");
        }
        return b.toString();
    }

    @Test
    void tinyVocabularyAgainstLlamaCpp() throws Exception {
        Path file = TinyGguf.llama(dir.resolve("t.gguf"));
        Tokenizer ours = GgufTokenizers.from(GgufReader.read(file));
        String text = text(1_000_000, 1);
        try (LlamaCppModel ref = new LlamaCppEngine().loadFile(file, new LoadOptions(64, 1))) {
            int[] expected = ref.tokenize(text, true);
            assertArrayEquals(expected, ours.encode(text, true, true));
            long llama = best(() -> ref.tokenize(text, true));
            // a fresh tokenizer each round: no word cache carried over
            long cold = best(() -> {
                try {
                    GgufTokenizers.from(GgufReader.read(file)).encode(text, true, true);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            long warm = best(() -> ours.encode(text, true, true));
            double mb = text.getBytes(StandardCharsets.UTF_8).length / 1e6;
            System.out.printf("encode %.2f MB, %d tokens: llama.cpp %d ms (%.1f MB/s), ours cold %d ms (%.1f MB/s),"
                            + " ours warm cache %d ms (%.1f MB/s)%n", mb, expected.length, llama, mb * 1000 / llama,
                    cold, mb * 1000 / cold, warm, mb * 1000 / warm);
            assertTrue(cold < 20 * Math.max(llama, 50), "cold " + cold + " ms vs llama.cpp " + llama + " ms");
        }
    }

    @Test
    void largeVocabularyLoadsAndEncodesFast() throws Exception {
        int[] cps = Gpt2ByteAlphabet.codePoints();
        List<String> tokens = new ArrayList<>();
        for (int b : Gpt2ByteAlphabet.byteOrder()) {
            tokens.add(Character.toString(cps[b]));
        }
        Set<String> known = new LinkedHashSet<>(tokens);
        List<String> merges = new ArrayList<>();
        // pseudo-words from syllables, each reachable by a chain of merges (as trained vocabularies are)
        String[] syl = {"ka", "lo", "mi", "tra", "ne", "su", "po", "ri", "an", "de", "vo", "gu", "sch", "ei", "ing",
                "ion", "er", "st", "qu", "ph"};
        Random rnd = new Random(3);
        while (tokens.size() < 128_000) {
            StringBuilder w = new StringBuilder(rnd.nextBoolean() ? " " : "");
            int n = 1 + rnd.nextInt(4);
            for (int i = 0; i < n; i++) {
                w.append(syl[rnd.nextInt(syl.length)]);
            }
            byte[] bytes = w.toString().getBytes(StandardCharsets.UTF_8);
            String acc = Character.toString(cps[bytes[0] & 0xFF]);
            for (int i = 1; i < bytes.length && tokens.size() < 128_000; i++) {
                String next = Character.toString(cps[bytes[i] & 0xFF]);
                if (known.add(acc + next)) {
                    merges.add(acc + " " + next);
                    tokens.add(acc + next);
                }
                acc = acc + next;
            }
        }
        int[] types = new int[tokens.size()];
        java.util.Arrays.fill(types, 1);
        Path file = dir.resolve("big.gguf");
        GgufWriter.create().putString("general.architecture", "llama")
                .putString("tokenizer.ggml.model", "gpt2").putString("tokenizer.ggml.pre", "llama-bpe")
                .putStrings("tokenizer.ggml.tokens", tokens).putInt32s("tokenizer.ggml.token_type", types)
                .putStrings("tokenizer.ggml.merges", merges).putUint32("tokenizer.ggml.bos_token_id", 0)
                .putBool("tokenizer.ggml.add_bos_token", false).write(file);

        long t0 = System.nanoTime();
        Tokenizer t = GgufTokenizers.from(GgufReader.read(file));
        long loadMs = (System.nanoTime() - t0) / 1_000_000;
        StringBuilder sb = new StringBuilder();
        Random r = new Random(5);
        while (sb.length() < 1_000_000) {
            int n = 1 + r.nextInt(5);
            sb.append(r.nextInt(3) == 0 ? "" : " ");
            for (int i = 0; i < n; i++) {
                sb.append(syl[r.nextInt(syl.length)]);
            }
            if (r.nextInt(20) == 0) {
                sb.append(".\n");
            }
        }
        String text = sb.toString();
        long cold = best(() -> {
            try {
                GgufTokenizers.from(GgufReader.read(file)).encode(text, false, false);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        long coldEncodeOnly = cold - loadMs;
        int[] ids = t.encode(text, false, false);
        long warm = best(() -> t.encode(text, false, false));
        assertEquals(text, t.decode(ids));
        double mb = text.length() / 1e6;
        System.out.printf("vocabulary %d tokens, %d merges: load %d ms; encode %.2f MB (%d tokens): load+encode"
                        + " %d ms, warm cache %d ms (%.1f MB/s)%n", tokens.size(), merges.size(), loadMs, mb,
                ids.length, cold, warm, mb * 1000 / warm);
        assertTrue(loadMs < 10_000, "load " + loadMs + " ms");
        assertTrue(coldEncodeOnly < 20_000, "encode " + coldEncodeOnly + " ms");
    }

    private static long best(Runnable r) {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            r.run();
            best = Math.min(best, (System.nanoTime() - t0) / 1_000_000);
        }
        return best;
    }
}
