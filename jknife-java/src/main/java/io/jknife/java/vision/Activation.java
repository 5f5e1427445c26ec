package io.jknife.java.vision;

import io.jknife.formats.FormatException;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** The activations of CLIP towers and LLaVA projectors, by the names transformers' {@code ACT2FN} gives them. */
public enum Activation {
    /** {@code x · sigmoid(1.702 x)}: OpenAI CLIP's. */
    QUICK_GELU,
    /** The exact GELU, {@code x · Φ(x)} with the error function ({@code nn.GELU()}). */
    GELU,
    /** GELU's tanh approximation ({@code gelu_pytorch_tanh}, {@code gelu_new}). */
    GELU_TANH;

    private static final double SQRT_2_OVER_PI = 0.7978845608028654;
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** The activation a config names; a clear error for the others. */
    public static Activation named(String name, String key) throws FormatException {
        return switch (name) {
            case "quick_gelu" -> QUICK_GELU;
            case "gelu" -> GELU;
            case "gelu_pytorch_tanh", "gelu_new" -> GELU_TANH;
            default -> throw new FormatException(key + " '" + name
                    + "' is not supported (quick_gelu, gelu, gelu_pytorch_tanh, gelu_new)");
        };
    }

    public float apply(float x) {
        return switch (this) {
            case QUICK_GELU -> (float) (x / (1 + Math.exp(-1.702 * x)));
            case GELU -> (float) (0.5 * x * (1 + erf(x / Math.sqrt(2))));
            case GELU_TANH -> (float) (0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))));
        };
    }

    /** Applies the activation to {@code y[off, off + n)} in place (vectorized where the Vector API has the function). */
    public void apply(float[] y, int off, int n) {
        int i = off;
        if (this != GELU) {
            for (int bound = off + S.loopBound(n); i < bound; i += S.length()) {
                FloatVector x = FloatVector.fromArray(S, y, i);
                FloatVector a = this == QUICK_GELU
                        ? x.div(x.mul(-1.702f).lanewise(VectorOperators.EXP).add(1f))
                        : x.mul(x).fma(0.044715f, 1f).mul(x).mul((float) SQRT_2_OVER_PI)
                                .lanewise(VectorOperators.TANH).add(1f).mul(x).mul(0.5f);
                a.intoArray(y, i);
            }
        }
        for (; i < off + n; i++) {
            y[i] = apply(y[i]);
        }
    }

    /**
     * The error function to about 1e-7 relative (Numerical Recipes' {@code erfc} Chebyshev fit):
     * plenty for float activations, and Java has none.
     */
    static double erf(double x) {
        double z = Math.abs(x);
        double t = 1 / (1 + 0.5 * z);
        double r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? 1 - r : r - 1;
    }
}
