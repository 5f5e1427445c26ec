package io.jknife.tokenizer;

import io.jknife.formats.Gpt2ByteAlphabet;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Byte-level BPE ({@code tokenizer.ggml.model = gpt2}) as llama.cpp runs it: the text is split
 * into words by the pre-tokenizer, each word's UTF-8 bytes are written in GPT-2's byte alphabet,
 * and adjacent symbols are merged lowest rank first (ties: leftmost) through a priority queue
 * over a linked list of symbols, so a long word costs O(n log n). Words seen before come from a
 * cache.
 */
final class ByteLevelBpe extends GgufTokenizer {
    private static final int CACHE_LIMIT = 100_000;
    private static final int[] CODE_POINTS = Gpt2ByteAlphabet.codePoints();
    private static final int[] BYTE_OF = new int[512];

    static {
        java.util.Arrays.fill(BYTE_OF, -1);
        for (int b = 0; b < 256; b++) {
            BYTE_OF[CODE_POINTS[b]] = b;
        }
    }

    private final PreTokenizer pre;
    private final PairRanks ranks;
    private final boolean ignoreMerges;
    /** The token of each byte's stand-in character, or -1. */
    private final int[] byteToken = new int[256];
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    ByteLevelBpe(Vocabulary vocab, PreTokenizer pre, PairRanks ranks, boolean ignoreMerges) {
        super(vocab);
        this.pre = pre;
        this.ranks = ranks;
        this.ignoreMerges = ignoreMerges;
        for (int b = 0; b < 256; b++) {
            byteToken[b] = vocab.id(Character.toString(CODE_POINTS[b]));
        }
    }

    String preTokenizer() {
        return pre.name();
    }

    @Override
    byte[] normalPiece(String text) {
        byte[] out = new byte[text.length()];
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            int b = c < BYTE_OF.length ? BYTE_OF[c] : -1;
            if (b < 0) {
                // a character outside the byte alphabet (a hand-made vocabulary): its UTF-8 as is
                return mixedPiece(text);
            }
            out[i] = (byte) b;
        }
        return out;
    }

    private static byte[] mixedPiece(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length() * 2);
        text.codePoints().forEach(cp -> {
            int b = cp < BYTE_OF.length ? BYTE_OF[cp] : -1;
            if (b >= 0) {
                out.write(b);
            } else {
                out.writeBytes(Character.toString(cp).getBytes(StandardCharsets.UTF_8));
            }
        });
        return out.toByteArray();
    }

    @Override
    public boolean stripsLeadingSpace() {
        return false;
    }

    @Override
    void encodeText(String text, boolean afterSpecial, IntList out) {
        for (String word : pre.split(text)) {
            int[] ids = cache.get(word);
            if (ids == null) {
                ids = encodeWord(word);
                if (cache.size() >= CACHE_LIMIT) {
                    cache.clear();
                }
                cache.put(word, ids);
            }
            out.addAll(ids);
        }
    }

    private record Bigram(int rank, int left, int right, int size) implements Comparable<Bigram> {
        @Override
        public int compareTo(Bigram o) {
            return rank != o.rank ? Integer.compare(rank, o.rank) : Integer.compare(left, o.left);
        }
    }

    /** One word: its bytes in the GPT-2 alphabet, merged. */
    int[] encodeWord(String word) {
        byte[] utf8 = word.getBytes(StandardCharsets.UTF_8);
        if (ignoreMerges) {
            StringBuilder encoded = new StringBuilder(utf8.length);
            for (byte b : utf8) {
                encoded.appendCodePoint(CODE_POINTS[b & 0xFF]);
            }
            int whole = vocab.id(encoded.toString());
            if (whole >= 0) {
                return new int[]{whole};
            }
        }
        int n = utf8.length;
        int[] token = new int[n]; // token of each live symbol
        int[] len = new int[n];   // bytes in each symbol, 0 once merged away
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0; i < n; i++) {
            token[i] = byteToken[utf8[i] & 0xFF];
            len[i] = 1;
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        PriorityQueue<Bigram> queue = new PriorityQueue<>();
        for (int i = 1; i < n; i++) {
            push(queue, token, len, i - 1, i);
        }
        while (!queue.isEmpty()) {
            Bigram b = queue.poll();
            int l = b.left();
            int r = b.right();
            // outdated: one side was merged since (symbols only grow, so equal sizes mean unchanged)
            if (len[l] == 0 || len[r] == 0 || len[l] + len[r] != b.size()) {
                continue;
            }
            token[l] = ranks.result(b.rank());
            len[l] += len[r];
            len[r] = 0;
            next[l] = next[r];
            if (next[r] >= 0) {
                prev[next[r]] = l;
            }
            push(queue, token, len, prev[l], l);
            push(queue, token, len, l, next[l]);
        }
        IntList out = new IntList(n);
        for (int i = 0; i != -1 && n > 0; i = next[i]) {
            if (token[i] >= 0) {
                out.add(token[i]);
            }
            // a symbol without a token is a byte missing from the vocabulary: llama.cpp drops it
        }
        return out.toArray();
    }

    private void push(PriorityQueue<Bigram> queue, int[] token, int[] len, int l, int r) {
        if (l < 0 || r < 0) {
            return;
        }
        int rank = ranks.rank(token[l], token[r]);
        if (rank >= 0) {
            queue.add(new Bigram(rank, l, r, len[l] + len[r]));
        }
    }
}
