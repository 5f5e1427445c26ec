package io.jknife.java.grammar;

import java.util.Arrays;
import java.util.Comparator;

/**
 * A vocabulary's token bytes for grammar matching, built once per model: by id, and in byte
 * order with each token's common prefix with the one before it, so that testing the whole
 * vocabulary matches every shared prefix once ({@link GrammarConstraint#allowedTokens}).
 */
public final class TokenVocabulary {
    private final byte[][] bytes;
    private final int[] order;
    private final int[] sharedPrefix;
    private final int longest;

    /** @param bytes each token's bytes by id; null or empty for tokens that may never be chosen (no text) */
    public TokenVocabulary(byte[][] bytes) {
        this.bytes = bytes.clone();
        for (int i = 0; i < this.bytes.length; i++) {
            if (this.bytes[i] != null && this.bytes[i].length == 0) {
                this.bytes[i] = null;
            }
        }
        Integer[] ids = new Integer[this.bytes.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i;
        }
        byte[] none = new byte[0];
        Comparator<Integer> byBytes = (a, b) -> Arrays.compareUnsigned(
                this.bytes[a] == null ? none : this.bytes[a], this.bytes[b] == null ? none : this.bytes[b]);
        Arrays.sort(ids, byBytes);
        order = new int[ids.length];
        sharedPrefix = new int[ids.length];
        int max = 0;
        for (int i = 0; i < ids.length; i++) {
            order[i] = ids[i];
            byte[] b = this.bytes[order[i]];
            max = Math.max(max, b == null ? 0 : b.length);
            if (i > 0 && b != null && this.bytes[order[i - 1]] != null) {
                byte[] p = this.bytes[order[i - 1]];
                int n = Math.min(p.length, b.length);
                int k = 0;
                while (k < n && p[k] == b[k]) {
                    k++;
                }
                sharedPrefix[i] = k;
            }
        }
        longest = max;
    }

    public int size() {
        return bytes.length;
    }

    /** The bytes of {@code token}, or null when it may never be chosen. */
    public byte[] bytes(int token) {
        return token >= 0 && token < bytes.length ? bytes[token] : null;
    }

    int[] order() {
        return order;
    }

    int[] sharedPrefix() {
        return sharedPrefix;
    }

    int longest() {
        return longest;
    }
}
