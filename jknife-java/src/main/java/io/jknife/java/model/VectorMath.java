package io.jknife.java.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The element-wise kernels of the forward pass, with the Vector API at the CPU's widest float width;
 * {@link #axpy} and {@link #add} also serve the vision encoder.
 */
public final class VectorMath {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final float SQRT_2_OVER_PI = 0.7978845608028654f;

    private VectorMath() {
    }

    static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            acc = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }

    /** {@code y[yOff..] += a · x[xOff..]}. */
    public static void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
        FloatVector va = FloatVector.broadcast(S, a);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector.fromArray(S, x, xOff + i).fma(va, FloatVector.fromArray(S, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += a * x[xOff + i];
        }
    }

    static void scale(float[] y, int off, int n, float a) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector.fromArray(S, y, off + i).mul(a).intoArray(y, off + i);
        }
        for (; i < n; i++) {
            y[off + i] *= a;
        }
    }

    /** {@code y += x} over {@code n} values from 0. */
    public static void add(float[] y, float[] x, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector.fromArray(S, y, i).add(FloatVector.fromArray(S, x, i)).intoArray(y, i);
        }
        for (; i < n; i++) {
            y[i] += x[i];
        }
    }

    /** RMS norm of {@code x[off, off+n)} times {@code w}, into {@code out[outOff..]} (may be the same place). */
    static void rmsNorm(float[] x, int off, float[] w, float[] out, int outOff, int n, float eps) {
        float ss = dot(x, off, x, off, n);
        float inv = (float) (1.0 / Math.sqrt(ss / n + eps));
        int i = 0;
        FloatVector vi = FloatVector.broadcast(S, inv);
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector.fromArray(S, x, off + i).mul(vi).mul(FloatVector.fromArray(S, w, i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = x[off + i] * inv * w[i];
        }
    }

    /** {@code out[o+i] = act(gate[g+i]) · up[u+i]} for {@code n} values: SiLU or GELU (tanh) gating, vectorized. */
    static void gatedActivation(boolean gelu, float[] gate, int g, float[] up, int u, float[] out, int o, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector a = FloatVector.fromArray(S, gate, g + i);
            FloatVector act;
            if (gelu) {
                FloatVector inner = a.mul(a).fma(0.044715f, 1f).mul(a).mul(SQRT_2_OVER_PI);
                act = inner.lanewise(VectorOperators.TANH).add(1f).mul(a).mul(0.5f);
            } else {
                act = a.div(a.neg().lanewise(VectorOperators.EXP).add(1f));
            }
            act.mul(FloatVector.fromArray(S, up, u + i)).intoArray(out, o + i);
        }
        for (; i < n; i++) {
            float a = gate[g + i];
            out[o + i] = (gelu ? gelu(a) : silu(a)) * up[u + i];
        }
    }

    static float silu(float x) {
        return x / (1f + (float) Math.exp(-x));
    }

    static float gelu(float x) {
        return 0.5f * x * (1f + (float) Math.tanh(SQRT_2_OVER_PI * x * (1f + 0.044715f * x * x)));
    }
}
