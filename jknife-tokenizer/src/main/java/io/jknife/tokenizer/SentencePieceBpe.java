package io.jknife.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.PriorityQueue;

/**
 * SentencePiece-style tokenization ({@code tokenizer.ggml.model = llama}) as llama.cpp runs it:
 * spaces become ▁ (with one put before the text and after each special token when
 * {@code add_space_prefix}), every character starts as a symbol, and the adjacent pair whose
 * concatenation is the token of highest score is merged first (ties: leftmost). A symbol left
 * that is no token is written as its UTF-8 bytes through the {@code <0xNN>} byte tokens.
 */
final class SentencePieceBpe extends GgufTokenizer {
    private static final String SPACE = "\u2581";

    private final boolean addSpacePrefix;
    private final int[] byteToken = new int[256];

    SentencePieceBpe(Vocabulary vocab, boolean addSpacePrefix) {
        super(vocab);
        this.addSpacePrefix = addSpacePrefix;
        for (int b = 0; b < 256; b++) {
            int id = vocab.id(String.format("<0x%02X>", b));
            if (id < 0 && b < 0x80) {
                id = vocab.id(Character.toString(b)); // llama.cpp falls back to the character itself
            }
            byteToken[b] = id;
        }
    }

    @Override
    byte[] normalPiece(String text) {
        return text.replace(SPACE, " ").getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public boolean stripsLeadingSpace() {
        return addSpacePrefix;
    }

    private record Bigram(float score, int left, int right, int size) implements Comparable<Bigram> {
        @Override
        public int compareTo(Bigram o) {
            int c = Float.compare(o.score, score); // highest score first
            return c != 0 ? c : Integer.compare(left, o.left);
        }
    }

    @Override
    void encodeText(String fragment, boolean afterSpecial, IntList out) {
        String text = (addSpacePrefix && afterSpecial ? " " + fragment : fragment).replace(" ", SPACE);
        int[] cps = text.codePoints().toArray();
        int n = cps.length;
        if (n == 0) {
            return;
        }
        int[] start = new int[n]; // char offset of each symbol in text
        int[] len = new int[n];   // chars in each symbol, 0 once merged away
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0, c = 0; i < n; i++) {
            start[i] = c;
            len[i] = Character.charCount(cps[i]);
            c += len[i];
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        PriorityQueue<Bigram> queue = new PriorityQueue<>();
        for (int i = 1; i < n; i++) {
            push(queue, text, start, len, i - 1, i);
        }
        while (!queue.isEmpty()) {
            Bigram b = queue.poll();
            int l = b.left();
            int r = b.right();
            if (len[l] == 0 || len[r] == 0 || len[l] + len[r] != b.size()) {
                continue;
            }
            len[l] += len[r];
            len[r] = 0;
            next[l] = next[r];
            if (next[r] >= 0) {
                prev[next[r]] = l;
            }
            push(queue, text, start, len, prev[l], l);
            push(queue, text, start, len, l, next[l]);
        }
        for (int i = 0; i != -1; i = next[i]) {
            String symbol = text.substring(start[i], start[i] + len[i]);
            int id = vocab.id(symbol);
            if (id >= 0) {
                out.add(id);
                continue;
            }
            // every merged symbol is a token, so this is one character the vocabulary lacks
            for (byte b : symbol.getBytes(StandardCharsets.UTF_8)) {
                int t = byteToken[b & 0xFF];
                if (t >= 0) {
                    out.add(t);
                } else if (vocab.unk >= 0) {
                    out.add(vocab.unk);
                }
            }
        }
    }

    private void push(PriorityQueue<Bigram> queue, String text, int[] start, int[] len, int l, int r) {
        if (l < 0 || r < 0) {
            return;
        }
        int id = vocab.id(text.substring(start[l], start[r] + len[r]));
        if (id >= 0) {
            queue.add(new Bigram(vocab.score(id), l, r, len[l] + len[r]));
        }
    }
}
