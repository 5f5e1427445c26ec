package io.jknife.java.model;

/**
 * Keys and values of every layer for positions {@code [0, size)}, allocated in blocks of
 * {@value #BLOCK} positions as the context fills (a model loads without touching its whole
 * context's memory). Within a block, each key/value head's positions are contiguous rows of
 * {@code headDim} floats, so attention for one head streams through memory in order.
 */
final class KvCache {
    /** Positions per block. */
    static final int BLOCK = 256;

    final int size;
    final int kvHeads;
    final int headDim;
    /** [layer][block][(head * BLOCK + pos % BLOCK) * headDim + i]; null until used */
    private final float[][][] keys;
    private final float[][][] values;

    KvCache(int layers, int kvHeads, int headDim, int size) {
        this.size = size;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        int blocks = (size + BLOCK - 1) / BLOCK;
        this.keys = new float[layers][blocks][];
        this.values = new float[layers][blocks][];
    }

    float[] keys(int layer, int block) {
        return keys[layer][block];
    }

    float[] values(int layer, int block) {
        return values[layer][block];
    }

    /** Offset of (head, pos) inside pos's block. */
    int offset(int head, int pos) {
        return (head * BLOCK + pos % BLOCK) * headDim;
    }

    /** Stores the keys and values of one token ({@code kvHeads × headDim} each, from {@code kOff}/{@code vOff}). */
    void put(int layer, int pos, float[] k, int kOff, float[] v, int vOff) {
        int b = pos / BLOCK;
        if (keys[layer][b] == null) {
            keys[layer][b] = new float[kvHeads * BLOCK * headDim];
            values[layer][b] = new float[kvHeads * BLOCK * headDim];
        }
        for (int h = 0; h < kvHeads; h++) {
            System.arraycopy(k, kOff + h * headDim, keys[layer][b], offset(h, pos), headDim);
            System.arraycopy(v, vOff + h * headDim, values[layer][b], offset(h, pos), headDim);
        }
    }
}
