package io.jknife.java.vision;

import io.jknife.formats.FormatException;
import io.jknife.java.model.VectorMath;
import io.jknife.java.weights.Kernels;
import io.jknife.java.weights.Linear;
import io.jknife.java.weights.SafetensorsModel;

import java.util.Arrays;

/**
 * transformers' {@code Gemma3MultiModalProjector}: the tower's patch rows as their square grid,
 * average-pooled (kernel = stride = {@link SiglipVisionConfig#poolKernel()}) to
 * {@link SiglipVisionConfig#mmTokensPerImage()} rows, {@code mm_soft_emb_norm} (Gemma's RMSNorm,
 * {@code x · (1 + w)}, the tower's epsilon), then {@code x @ mm_input_projection_weight} into the text
 * model's width. The projection is stored {@code [vision hidden, text hidden]} (a bare parameter used
 * as the right operand, not an {@code nn.Linear}), so it is transposed once here for the kernels.
 */
public final class Gemma3Projector {
    private final SiglipVisionConfig c;
    private final Kernels kernels;
    private final float[] normScale;
    private final Linear projection;

    private Gemma3Projector(SiglipVisionConfig c, Kernels kernels, float[] normScale, Linear projection) {
        this.c = c;
        this.kernels = kernels;
        this.normScale = normScale;
        this.projection = projection;
    }

    /** The projector under {@code prefix} ({@code multi_modal_projector.}) into a text model of width {@code textDim}. */
    static Gemma3Projector load(NamedWeights w, String prefix, SiglipVisionConfig c, int textDim, Kernels kernels)
            throws FormatException {
        int d = c.hiddenSize();
        String name = prefix + "mm_input_projection_weight";
        SafetensorsModel.HfTensor t = w.tensor(name);
        if (!Arrays.equals(t.shape(), new long[]{d, textDim})) {
            throw new FormatException("tensor " + name + " has shape " + Arrays.toString(t.shape()) + ", expected ["
                    + d + ", " + textDim + "] (vision hidden size, text hidden size)");
        }
        float[] v = t.values();
        float[] transposed = new float[v.length];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < textDim; j++) {
                transposed[j * d + i] = v[i * textDim + j];
            }
        }
        float[] norm = w.vector(prefix + "mm_soft_emb_norm.weight", d).clone();
        for (int i = 0; i < d; i++) {
            norm[i] += 1f;
        }
        return new Gemma3Projector(c, kernels, norm, w.fromFloats(name, transposed, textDim, d));
    }

    /** The feature width it takes: the tower's hidden size. */
    public int inputWidth() {
        return c.hiddenSize();
    }

    /** The text model's width it gives. */
    public int outputWidth() {
        return projection.rows();
    }

    /**
     * One image's {@link SiglipVisionConfig#patches()} tower rows to its
     * {@link SiglipVisionConfig#mmTokensPerImage()} rows of {@link #outputWidth()}, row-major.
     */
    public float[] project(float[] features) {
        int d = c.hiddenSize();
        if (features.length != c.patches() * d) {
            throw new IllegalArgumentException(c.patches() + " patch rows of " + d + " need " + c.patches() * d
                    + " values, got " + features.length);
        }
        int tokens = c.mmTokensPerImage();
        float[] pooled = pool(features);
        for (int r = 0; r < tokens; r++) {
            rmsNorm(pooled, r * d, d);
        }
        float[] out = new float[tokens * outputWidth()];
        kernels.multiply(pooled, tokens, projection, out);
        return out;
    }

    /** {@code AvgPool2d} over the patch grid: token {@code (ty, tx)} is the mean of its k×k patches. */
    private float[] pool(float[] features) {
        int d = c.hiddenSize();
        int grid = c.patchesPerSide();
        int side = c.tokensPerSide();
        int k = c.poolKernel();
        float[] out = new float[side * side * d];
        float inv = 1f / (k * k);
        for (int ty = 0; ty < side; ty++) {
            for (int tx = 0; tx < side; tx++) {
                int o = (ty * side + tx) * d;
                for (int y = ty * k; y < ty * k + k; y++) {
                    for (int x = tx * k; x < tx * k + k; x++) {
                        VectorMath.axpy(inv, features, (y * grid + x) * d, out, o, d);
                    }
                }
            }
        }
        return out;
    }

    /** Gemma's RMSNorm of {@code x[off, off + n)} in place: {@code x / rms(x) · (1 + w)}. */
    private void rmsNorm(float[] x, int off, int n) {
        double ss = 0;
        for (int i = 0; i < n; i++) {
            ss += (double) x[off + i] * x[off + i];
        }
        float inv = (float) (1 / Math.sqrt(ss / n + c.layerNormEps()));
        for (int i = 0; i < n; i++) {
            x[off + i] = x[off + i] * inv * normScale[i];
        }
    }
}
