package io.jknife.java.weights;

/**
 * The one change llama.cpp's converter makes to Llama's query and key weights on the way from
 * Hugging Face to GGUF: each head's rows reordered from rotary halves (i, i + d/2) to pairs
 * (2i, 2i + 1), which its rope kernel rotates. The engine never needs it ({@link SafetensorsModel}
 * keeps Hugging Face's pairing); the benchmarks and tests that write a GGUF twin of a checkpoint do.
 */
public final class RotaryRows {
    private RotaryRows() {
    }

    /** {@code w} ({@code rows × cols}, row-major, {@code heads} heads of {@code rows / heads} rows) in GGUF's row order. */
    public static float[] halvesToPairs(float[] w, int rows, int cols, int heads) {
        if (rows % heads != 0 || (rows / heads) % 2 != 0 || w.length != rows * cols) {
            throw new IllegalArgumentException(rows + " x " + cols + " rows do not split into " + heads + " even heads");
        }
        int hd = rows / heads;
        float[] out = new float[w.length];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < hd / 2; i++) {
                for (int j = 0; j < 2; j++) {
                    System.arraycopy(w, (h * hd + j * (hd / 2) + i) * cols, out, (h * hd + 2 * i + j) * cols, cols);
                }
            }
        }
        return out;
    }
}
