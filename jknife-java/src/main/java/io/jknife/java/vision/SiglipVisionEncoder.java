package io.jknife.java.vision;

import io.jknife.formats.FormatException;
import io.jknife.java.model.VectorMath;
import io.jknife.java.weights.Kernels;
import io.jknife.java.weights.Linear;
import io.jknife.vision.PixelValues;

/**
 * transformers' {@code SiglipVisionTransformer} up to {@code last_hidden_state}, what Gemma 3 takes:
 * the patch convolution (stride = kernel, with bias) as one matrix multiply, learned position
 * embeddings (no class token, no pre-norm), the pre-LN encoder ({@link PreNormEncoder}), then
 * {@code post_layernorm}. The attention pooling head is not run. Not thread-safe (it shares the text
 * model's kernels): one image at a time.
 */
public final class SiglipVisionEncoder {
    private final SiglipVisionConfig c;
    private final Kernels kernels;
    private final Linear patchEmbedding;
    private final float[] patchBias;
    private final float[] positionEmbedding;
    private final PreNormEncoder encoder;
    private final float[] postNormW;
    private final float[] postNormB;

    private SiglipVisionEncoder(SiglipVisionConfig c, Kernels kernels, Linear patchEmbedding, float[] patchBias,
                                float[] positionEmbedding, PreNormEncoder encoder, float[] postNormW, float[] postNormB) {
        this.c = c;
        this.kernels = kernels;
        this.patchEmbedding = patchEmbedding;
        this.patchBias = patchBias;
        this.positionEmbedding = positionEmbedding;
        this.encoder = encoder;
        this.postNormW = postNormW;
        this.postNormB = postNormB;
    }

    /**
     * The tower under {@code prefix} ({@code vision_tower.vision_model.} or transformers 4.52's
     * {@code model.vision_tower.vision_model.}), by Hugging Face names.
     */
    static SiglipVisionEncoder load(NamedWeights w, String prefix, SiglipVisionConfig c, Kernels kernels)
            throws FormatException {
        int d = c.hiddenSize();
        String e = prefix + "embeddings.";
        String conv = e + "patch_embedding.weight";
        Linear patch = w.fromFloats(conv, PatchConvolution.kernel(w.tensor(conv), d, c.channels(), c.patchSize()),
                d, c.channels() * c.patchSize() * c.patchSize());
        float[] bias = w.optionalVector(e + "patch_embedding.bias", d);
        float[] pos = w.vector(e + "position_embedding.weight", c.patches() * d);
        PreNormEncoder enc = PreNormEncoder.load(w, prefix + "encoder.layers.", c.layers(), c.patches(), d, c.heads(),
                c.intermediateSize(), c.layerNormEps(), c.hiddenAct(), kernels);
        return new SiglipVisionEncoder(c, kernels, patch, bias, pos, enc, w.vector(prefix + "post_layernorm.weight", d),
                w.vector(prefix + "post_layernorm.bias", d));
    }

    public SiglipVisionConfig config() {
        return c;
    }

    /** {@code last_hidden_state} of one image: {@link SiglipVisionConfig#patches()} rows of the hidden size, row-major. */
    public float[] encode(PixelValues image) {
        int side = c.imageSize();
        if (image.channels() != c.channels() || image.height() != side || image.width() != side) {
            throw new IllegalArgumentException("the vision tower takes " + c.channels() + "x" + side + "x" + side
                    + " pixel values, got " + image.channels() + "x" + image.height() + "x" + image.width());
        }
        int d = c.hiddenSize();
        int np = c.patches();
        float[] patches = PatchConvolution.rows(image, side, c.patchSize(), c.channels());
        float[] x = new float[np * d];
        kernels.multiply(patches, np, patchEmbedding, x);
        VisionMath.addBias(x, np, patchBias);
        VectorMath.add(x, positionEmbedding, np * d);
        encoder.run(x);
        encoder.layerNorm(x, postNormW, postNormB, x);
        return x;
    }
}
