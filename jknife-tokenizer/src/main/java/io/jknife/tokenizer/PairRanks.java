package io.jknife.tokenizer;

import java.util.Arrays;

/**
 * BPE merge ranks by the token ids of the pair (open addressing over long keys: a 300 000-merge
 * vocabulary without boxing), and the token each merge makes.
 */
final class PairRanks {
    private final long[] keys;
    private final int[] ranks;
    private final int[] results;
    private final int mask;

    /** @param left, right, result token ids per merge, in rank order */
    PairRanks(int[] left, int[] right, int[] result) {
        int cap = Integer.highestOneBit(Math.max(4, left.length * 2 - 1)) << 1;
        keys = new long[cap];
        ranks = new int[cap];
        Arrays.fill(ranks, -1);
        mask = cap - 1;
        results = result.clone();
        for (int r = 0; r < left.length; r++) {
            long k = key(left[r], right[r]);
            int i = slot(k);
            while (ranks[i] >= 0 && keys[i] != k) {
                i = (i + 1) & mask;
            }
            if (ranks[i] < 0) { // the first of duplicate merges keeps its rank (llama.cpp's emplace)
                keys[i] = k;
                ranks[i] = r;
            }
        }
    }

    /** The rank of merging tokens {@code a} and {@code b}, or -1. */
    int rank(int a, int b) {
        if (a < 0 || b < 0) {
            return -1;
        }
        long k = key(a, b);
        int i = slot(k);
        while (ranks[i] >= 0) {
            if (keys[i] == k) {
                return ranks[i];
            }
            i = (i + 1) & mask;
        }
        return -1;
    }

    /** The token merge {@code rank} makes. */
    int result(int rank) {
        return results[rank];
    }

    private static long key(int a, int b) {
        return ((long) a << 32) | (b & 0xFFFF_FFFFL);
    }

    private int slot(long k) {
        long h = k * 0x9E37_79B9_7F4A_7C15L;
        return (int) (h >>> 40) & mask;
    }
}
