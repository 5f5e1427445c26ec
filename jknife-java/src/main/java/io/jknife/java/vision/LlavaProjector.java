package io.jknife.java.vision;

import io.jknife.formats.FormatException;
import io.jknife.java.weights.Kernels;
import io.jknife.java.weights.Linear;

/**
 * LLaVA's {@code multi_modal_projector}: {@code linear_1} (+ bias) → activation → {@code linear_2}
 * (+ bias), from the tower's feature width to the text model's hidden size.
 */
public final class LlavaProjector {
    private final Kernels kernels;
    private final Linear linear1;
    private final float[] bias1;
    private final Linear linear2;
    private final float[] bias2;
    private final Activation act;

    private LlavaProjector(Kernels kernels, Linear linear1, float[] bias1, Linear linear2, float[] bias2, Activation act) {
        this.kernels = kernels;
        this.linear1 = linear1;
        this.bias1 = bias1;
        this.linear2 = linear2;
        this.bias2 = bias2;
        this.act = act;
    }

    /** The projector under {@code prefix} ({@code multi_modal_projector.}) into a text model of width {@code textDim}. */
    static LlavaProjector load(NamedWeights w, String prefix, ClipVisionConfig c, int textDim, Kernels kernels)
            throws FormatException {
        Linear l1 = w.linear(prefix + "linear_1.weight", textDim, c.featureWidth());
        Linear l2 = w.linear(prefix + "linear_2.weight", textDim, textDim);
        float[] b1 = c.projectorBias() ? w.vector(prefix + "linear_1.bias", textDim) : null;
        float[] b2 = c.projectorBias() ? w.vector(prefix + "linear_2.bias", textDim) : null;
        return new LlavaProjector(kernels, l1, b1, l2, b2, c.projectorAct());
    }

    /** The feature width it takes. */
    public int inputWidth() {
        return linear1.cols();
    }

    /** The text model's width it gives. */
    public int outputWidth() {
        return linear2.rows();
    }

    /** {@code n} feature rows ({@link #inputWidth()} each) to {@code n} rows of {@link #outputWidth()}. */
    public float[] project(float[] features, int n) {
        if (features.length != n * inputWidth()) {
            throw new IllegalArgumentException(n + " feature rows of " + inputWidth() + " need " + n * inputWidth()
                    + " values, got " + features.length);
        }
        int mid = linear1.rows();
        float[] h = new float[n * mid];
        kernels.multiply(features, n, linear1, h);
        VisionMath.addBias(h, n, bias1);
        kernels.parallel().range(n, Math.max(1, n / (kernels.parallel().threads() * 4)),
                (from, to) -> act.apply(h, from * mid, (to - from) * mid));
        float[] out = new float[n * outputWidth()];
        kernels.multiply(h, n, linear2, out);
        VisionMath.addBias(out, n, bias2);
        return out;
    }
}
