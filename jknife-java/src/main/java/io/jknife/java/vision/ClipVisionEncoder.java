package io.jknife.java.vision;

import io.jknife.formats.FormatException;
import io.jknife.java.model.VectorMath;
import io.jknife.java.weights.Kernels;
import io.jknife.java.weights.Linear;
import io.jknife.vision.PixelValues;

/**
 * transformers' {@code CLIPVisionTransformer} up to the hidden states LLaVA takes: the patch
 * convolution (stride = kernel, no bias) as one matrix multiply of the flattened patches, the class
 * token prepended, position embeddings added, {@code pre_layrnorm}, then pre-LN encoder layers
 * ({@link PreNormEncoder}: full attention with biases, MLP) as far as the deepest feature layer; features are those
 * layers' hidden states (concatenated when several), without the class token for strategy
 * {@code default}. Matrices go through the engine's {@link Kernels} in their stored type; vectors are
 * floats. Not thread-safe (it shares the text model's kernels): one image at a time.
 */
public final class ClipVisionEncoder {
    private final ClipVisionConfig c;
    private final Kernels kernels;
    private final Linear patchEmbedding;
    private final float[] classEmbedding;
    private final float[] positionEmbedding;
    private final float[] preNormW;
    private final float[] preNormB;
    private final PreNormEncoder encoder;

    private ClipVisionEncoder(ClipVisionConfig c, Kernels kernels, Linear patchEmbedding, float[] classEmbedding,
                              float[] positionEmbedding, float[] preNormW, float[] preNormB, PreNormEncoder encoder) {
        this.c = c;
        this.kernels = kernels;
        this.patchEmbedding = patchEmbedding;
        this.classEmbedding = classEmbedding;
        this.positionEmbedding = positionEmbedding;
        this.preNormW = preNormW;
        this.preNormB = preNormB;
        this.encoder = encoder;
    }

    /** The tower under {@code prefix} ({@code vision_tower.vision_model.}); only the layers the features need are loaded. */
    static ClipVisionEncoder load(NamedWeights w, String prefix, ClipVisionConfig c, Kernels kernels)
            throws FormatException {
        int d = c.hiddenSize();
        String e = prefix + "embeddings.";
        String conv = e + "patch_embedding.weight";
        Linear patch = w.fromFloats(conv, PatchConvolution.kernel(w.tensor(conv), d, c.channels(), c.patchSize()),
                d, c.channels() * c.patchSize() * c.patchSize());
        float[] cls = w.vector(e + "class_embedding", d);
        float[] pos = w.vector(e + "position_embedding.weight", c.positions() * d);
        float[] preW = w.vector(prefix + "pre_layrnorm.weight", d);
        float[] preB = w.vector(prefix + "pre_layrnorm.bias", d);
        PreNormEncoder enc = PreNormEncoder.load(w, prefix + "encoder.layers.", c.layersToRun(), c.positions(), d,
                c.heads(), c.intermediateSize(), c.layerNormEps(), c.hiddenAct(), kernels);
        return new ClipVisionEncoder(c, kernels, patch, cls, pos, preW, preB, enc);
    }

    public ClipVisionConfig config() {
        return c;
    }

    /**
     * The features of one image: {@link ClipVisionConfig#imageTokens()} rows of
     * {@link ClipVisionConfig#featureWidth()} floats, row-major.
     */
    public float[] encode(PixelValues image) {
        int side = c.imageSize();
        if (image.channels() != c.channels() || image.height() != side || image.width() != side) {
            throw new IllegalArgumentException("the vision tower takes " + c.channels() + "x" + side + "x" + side
                    + " pixel values, got " + image.channels() + "x" + image.height() + "x" + image.width());
        }
        float[] x = embeddings(image);
        float[] features = new float[c.imageTokens() * c.featureWidth()];
        collect(0, x, features);
        encoder.run(x, layer -> collect(layer, x, features));
        return features;
    }

    /** Patch, class and position embeddings, then {@code pre_layrnorm}: {@code hidden_states[0]}. */
    private float[] embeddings(PixelValues image) {
        int d = c.hiddenSize();
        int np = c.patches();
        float[] patches = PatchConvolution.rows(image, c.imageSize(), c.patchSize(), c.channels());
        float[] x = new float[(np + 1) * d];
        kernels.multiply(patches, np, patchEmbedding, x);
        // the patch rows were written from row 0: move them down one row for the class token
        System.arraycopy(x, 0, x, d, np * d);
        System.arraycopy(classEmbedding, 0, x, 0, d);
        VectorMath.add(x, positionEmbedding, (np + 1) * d);
        encoder.layerNorm(x, preNormW, preNormB, x);
        return x;
    }

    /** Copies {@code hidden_states[index]} into the feature columns of every feature layer that names it. */
    private void collect(int index, float[] x, float[] features) {
        int d = c.hiddenSize();
        int width = c.featureWidth();
        int skip = c.keepClassToken() ? 0 : 1;
        for (int f = 0; f < c.featureLayers().size(); f++) {
            if (c.featureLayers().get(f) != index) {
                continue;
            }
            for (int r = 0; r < c.imageTokens(); r++) {
                System.arraycopy(x, (r + skip) * d, features, r * width + f * d, d);
            }
        }
    }
}
