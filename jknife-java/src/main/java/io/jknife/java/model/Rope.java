package io.jknife.java.model;

/**
 * Rotary position embeddings as ggml computes them (no YaRN): the angle of pair {@code i} at
 * position {@code p} is {@code p · scale · base^(-2i/d) / factor_i}, cos and sin times the
 * attention factor, precomputed for every position of the context.
 */
final class Rope {
    private final int half;
    private final int dims;
    private final boolean neox;
    private final float[] cos;
    private final float[] sin;

    Rope(int dims, boolean neox, float base, float scale, float[] factors, float attnFactor, int positions) {
        this.dims = dims;
        this.half = dims / 2;
        this.neox = neox;
        this.cos = new float[positions * half];
        this.sin = new float[positions * half];
        double[] theta = new double[half];
        for (int i = 0; i < half; i++) {
            theta[i] = scale * Math.pow(base, -2.0 * i / dims) / (factors != null ? factors[i] : 1.0);
        }
        for (int p = 0; p < positions; p++) {
            for (int i = 0; i < half; i++) {
                double a = p * theta[i];
                cos[p * half + i] = (float) (Math.cos(a) * attnFactor);
                sin[p * half + i] = (float) (Math.sin(a) * attnFactor);
            }
        }
    }

    /** Rotates {@code heads} consecutive heads of {@code headDim} floats at {@code x[off..]} for position {@code pos}. */
    void apply(float[] x, int off, int heads, int headDim, int pos) {
        int t = pos * half;
        for (int h = 0; h < heads; h++) {
            int b = off + h * headDim;
            if (neox) {
                for (int i = 0; i < half; i++) {
                    float c = cos[t + i], s = sin[t + i];
                    float x0 = x[b + i], x1 = x[b + i + half];
                    x[b + i] = x0 * c - x1 * s;
                    x[b + i + half] = x0 * s + x1 * c;
                }
            } else {
                for (int i = 0; i < half; i++) {
                    float c = cos[t + i], s = sin[t + i];
                    float x0 = x[b + 2 * i], x1 = x[b + 2 * i + 1];
                    x[b + 2 * i] = x0 * c - x1 * s;
                    x[b + 2 * i + 1] = x0 * s + x1 * c;
                }
            }
        }
    }

    int dims() {
        return dims;
    }
}
