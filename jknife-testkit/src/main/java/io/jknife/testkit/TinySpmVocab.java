package io.jknife.testkit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A small SentencePiece-style vocabulary as llama.cpp stores Llama-2/Mistral ones
 * ({@code tokenizer.ggml.model = llama}): {@code <unk>}, {@code <s>}, {@code </s>}, the 256 byte
 * tokens {@code <0x00>}..{@code <0xFF>} for byte fallback, a few control and user-defined
 * tokens, single characters with and without the ▁ space marker, and words built from them
 * (every prefix of a word is a token, so the bigram merges of llama.cpp can reach it). Scores
 * decrease with the id, as in real vocabularies (higher merges first).
 *
 * @param tokens     token texts by id
 * @param scores     score of each token
 * @param tokenTypes llama.cpp token type of each token (1 normal, 2 unknown, 3 control, 4 user-defined, 6 byte)
 */
public record TinySpmVocab(List<String> tokens, float[] scores, int[] tokenTypes) {
    public static final String UNK = "<unk>";
    public static final String BOS = "<s>";
    public static final String EOS = "</s>";
    public static final String INST = "[INST]";
    public static final String END_INST = "[/INST]";
    /** Phi-3's end of text (llama.cpp expects it in vocabularies of models named phi3). */
    public static final String END_OF_TEXT = "<|endoftext|>";
    /** A user-defined token: split out of text even when special tokens are not parsed. */
    public static final String USER_DEFINED = "<|tool|>";
    public static final String SPACE = "\u2581";

    private static final String CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
            + ".,!?'\"-:;()[]{}<>/=+*_#@&%$|\\~`^éèêàâçüöäñßøå你好世界日本語";
    private static final List<String> WORDS = List.of(
            "the", "and", "of", "to", "a", "in", "is", "it", "you", "that", "for", "on", "with", "hello", "world",
            "llama", "model", "tiny", "test", "don", "'t", "café", "naïve", "über", "你好", "世界", "def",
            "return", "print", "if", "else", "123", "2024", "Hello", "The", "I", "am");
    private static final List<String> PIECES = List.of("ing", "ed", "er", "s", "ly", "tion", "()", "):", "==");

    public static TinySpmVocab build() {
        Set<String> seen = new LinkedHashSet<>();
        List<String> tokens = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        add(tokens, types, seen, UNK, 2);
        add(tokens, types, seen, BOS, 3);
        add(tokens, types, seen, EOS, 3);
        for (int b = 0; b < 256; b++) {
            add(tokens, types, seen, String.format("<0x%02X>", b), 6);
        }
        add(tokens, types, seen, INST, 3);
        add(tokens, types, seen, END_INST, 3);
        add(tokens, types, seen, END_OF_TEXT, 3);
        add(tokens, types, seen, USER_DEFINED, 4);
        int firstNormal = tokens.size();
        // words first: in SentencePiece vocabularies frequent long pieces have the higher scores
        for (String word : WORDS) {
            String piece = SPACE + word;
            for (int end = 2; end <= piece.length(); end++) {
                add(tokens, types, seen, piece.substring(0, end), 1);
            }
            for (int end = 2; end <= word.length(); end++) {
                add(tokens, types, seen, word.substring(0, end), 1);
            }
        }
        for (String p : PIECES) {
            for (int end = 1; end <= p.length(); end++) {
                add(tokens, types, seen, p.substring(0, end), 1);
            }
        }
        add(tokens, types, seen, SPACE, 1);
        add(tokens, types, seen, SPACE + SPACE, 1);
        add(tokens, types, seen, SPACE + SPACE + SPACE + SPACE, 1);
        CHARS.codePoints().forEach(cp -> {
            add(tokens, types, seen, Character.toString(cp), 1);
            add(tokens, types, seen, SPACE + Character.toString(cp), 1);
        });
        float[] scores = new float[tokens.size()];
        for (int i = firstNormal; i < scores.length; i++) {
            scores[i] = -(i - firstNormal);
        }
        return new TinySpmVocab(List.copyOf(tokens), scores, types.stream().mapToInt(Integer::intValue).toArray());
    }

    private static void add(List<String> tokens, List<Integer> types, Set<String> seen, String t, int type) {
        if (seen.add(t)) {
            tokens.add(t);
            types.add(type);
        }
    }

    public int id(String token) {
        int i = tokens.indexOf(token);
        if (i < 0) {
            throw new IllegalArgumentException("no token " + token);
        }
        return i;
    }

    /** Token texts by id, in a map for lookups. */
    public Map<String, Integer> ids() {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < tokens.size(); i++) {
            m.put(tokens.get(i), i);
        }
        return m;
    }
}
