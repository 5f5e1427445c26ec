package io.jknife.llamacpp;

import io.jknife.llamacpp.ffi.LlamaNative;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Text ↔ token ids through a llama.cpp vocabulary, for every kind of loaded model (text and
 * embedding): ids are checked in Java before llama.cpp sees them, and the two-call protocol of the
 * C API (a negative count asks for a bigger buffer) is handled once.
 */
final class VocabText {
    private final LlamaNative nat;
    private final MemorySegment vocab;
    private final int vocabSize;

    VocabText(LlamaNative nat, MemorySegment vocab, int vocabSize) {
        this.nat = nat;
        this.vocab = vocab;
        this.vocabSize = vocabSize;
    }

    /** @throws IllegalArgumentException for an id outside the vocabulary */
    void check(int[] tokens) {
        for (int t : tokens) {
            if (t < 0 || t >= vocabSize) {
                throw new IllegalArgumentException("token id " + t + " is outside the vocabulary of " + vocabSize + " tokens");
            }
        }
    }

    int[] tokenize(String text, boolean addSpecial, boolean parseSpecial) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment in = a.allocate(Math.max(1, utf8.length));
            MemorySegment.copy(utf8, 0, in, JAVA_BYTE, 0, utf8.length);
            int max = utf8.length + 8;
            MemorySegment out = a.allocate(JAVA_INT, max);
            int n = nat.tokenize(vocab, in, utf8.length, out, max, addSpecial, parseSpecial);
            if (n == Integer.MIN_VALUE) {
                throw new IllegalArgumentException("text too long to tokenize (" + utf8.length + " bytes)");
            }
            if (n < 0) {
                max = -n;
                out = a.allocate(JAVA_INT, max);
                n = nat.tokenize(vocab, in, utf8.length, out, max, addSpecial, parseSpecial);
            }
            if (n < 0) {
                throw new IllegalStateException("llama.cpp could not tokenize " + utf8.length + " bytes");
            }
            return out.asSlice(0, (long) n * Integer.BYTES).toArray(JAVA_INT);
        }
    }

    /** The text of checked ids, special tokens rendered as their text. */
    String detokenize(int[] tokens) {
        check(tokens);
        if (tokens.length == 0) {
            return "";
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment in = a.allocateFrom(JAVA_INT, tokens);
            int max = tokens.length * 8 + 16;
            MemorySegment out = a.allocate(max);
            int n = nat.detokenize(vocab, in, tokens.length, out, max, false, true);
            if (n < 0) {
                max = -n;
                out = a.allocate(max);
                n = nat.detokenize(vocab, in, tokens.length, out, max, false, true);
            }
            if (n < 0) {
                throw new IllegalStateException("llama.cpp could not detokenize " + tokens.length + " tokens");
            }
            return new String(out.asSlice(0, n).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
        }
    }
}
