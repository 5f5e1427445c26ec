package io.jknife.java.vision;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** The element-wise kernels of the vision tower, with the Vector API at the CPU's widest float width. */
final class VisionMath {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private VisionMath() {
    }

    /** Softmax of {@code s[off, off + n)} in place. */
    static void softmax(float[] s, int off, int n) {
        int bound = S.loopBound(n);
        FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i < bound; i += S.length()) {
            vmax = vmax.max(FloatVector.fromArray(S, s, off + i));
        }
        float max = vmax.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            max = Math.max(max, s[off + i]);
        }
        FloatVector acc = FloatVector.zero(S);
        for (i = 0; i < bound; i += S.length()) {
            FloatVector e = FloatVector.fromArray(S, s, off + i).sub(max).lanewise(VectorOperators.EXP);
            e.intoArray(s, off + i);
            acc = acc.add(e);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            s[off + i] = (float) Math.exp(s[off + i] - max);
            sum += s[off + i];
        }
        float inv = 1f / sum;
        for (i = 0; i < bound; i += S.length()) {
            FloatVector.fromArray(S, s, off + i).mul(inv).intoArray(s, off + i);
        }
        for (; i < n; i++) {
            s[off + i] *= inv;
        }
    }

    /** LayerNorm of {@code x[off, off + n)} with weight and bias, into {@code out[outOff..]} (may be the same place). */
    static void layerNorm(float[] x, int off, float[] w, float[] b, float[] out, int outOff, int n, double eps) {
        // mean and variance in double: CLIP's residual stream has a few large values
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += x[off + i];
        }
        double mean = sum / n;
        double var = 0;
        for (int i = 0; i < n; i++) {
            double d = x[off + i] - mean;
            var += d * d;
        }
        float inv = (float) (1 / Math.sqrt(var / n + eps));
        float m = (float) mean;
        for (int i = 0; i < n; i++) {
            out[outOff + i] = (x[off + i] - m) * inv * w[i] + b[i];
        }
    }

    /** Adds {@code bias} to each of the {@code rows} rows of {@code y} (row width bias.length); null: nothing. */
    static void addBias(float[] y, int rows, float[] bias) {
        if (bias == null) {
            return;
        }
        int n = bias.length;
        for (int r = 0; r < rows; r++) {
            int off = r * n;
            int i = 0;
            for (int bound = S.loopBound(n); i < bound; i += S.length()) {
                FloatVector.fromArray(S, y, off + i).add(FloatVector.fromArray(S, bias, i)).intoArray(y, off + i);
            }
            for (; i < n; i++) {
                y[off + i] += bias[i];
            }
        }
    }
}
