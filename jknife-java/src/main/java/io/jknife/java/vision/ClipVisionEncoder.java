package io.jknife.java.vision;

import io.jknife.formats.FormatException;
import io.jknife.java.model.VectorMath;
import io.jknife.java.parallel.Parallel;
import io.jknife.java.weights.Kernels;
import io.jknife.java.weights.Linear;
import io.jknife.java.weights.SafetensorsModel;
import io.jknife.vision.PixelValues;

import java.util.Arrays;

/**
 * transformers' {@code CLIPVisionTransformer} up to the hidden states LLaVA takes: the patch
 * convolution (stride = kernel, no bias) as one matrix multiply of the flattened patches, the class
 * token prepended, position embeddings added, {@code pre_layrnorm}, then pre-LN encoder layers
 * (full attention with biases, MLP) as far as the deepest feature layer; features are those
 * layers' hidden states (concatenated when several), without the class token for strategy
 * {@code default}. Matrices go through the engine's {@link Kernels} in their stored type; vectors are
 * floats. Not thread-safe (it shares the text model's kernels): one image at a time.
 */
public final class ClipVisionEncoder {
    /** Multiply-adds below which attention stays on the calling thread. */
    private static final long PARALLEL_WORK = 1 << 20;

    /** One encoder layer's weights. */
    private record Layer(float[] norm1W, float[] norm1B, Linear[] qkv, float[] qBias, float[] kBias, float[] vBias,
                         Linear out, float[] outBias, float[] norm2W, float[] norm2B, Linear fc1, float[] fc1Bias,
                         Linear fc2, float[] fc2Bias) {
    }

    private final ClipVisionConfig c;
    private final Kernels kernels;
    private final Parallel par;
    private final Linear patchEmbedding;
    private final float[] classEmbedding;
    private final float[] positionEmbedding;
    private final float[] preNormW;
    private final float[] preNormB;
    private final Layer[] layers;

    private ClipVisionEncoder(ClipVisionConfig c, Kernels kernels, Linear patchEmbedding, float[] classEmbedding,
                              float[] positionEmbedding, float[] preNormW, float[] preNormB, Layer[] layers) {
        this.c = c;
        this.kernels = kernels;
        this.par = kernels.parallel();
        this.patchEmbedding = patchEmbedding;
        this.classEmbedding = classEmbedding;
        this.positionEmbedding = positionEmbedding;
        this.preNormW = preNormW;
        this.preNormB = preNormB;
        this.layers = layers;
    }

    /** The tower under {@code prefix} ({@code vision_tower.vision_model.}); only the layers the features need are loaded. */
    static ClipVisionEncoder load(SafetensorsModel model, String prefix, ClipVisionConfig c, Kernels kernels)
            throws FormatException {
        NamedWeights w = new NamedWeights(model, kernels);
        int d = c.hiddenSize();
        String e = prefix + "embeddings.";
        Linear patch = w.fromFloats(e + "patch_embedding.weight", patchKernel(w.tensor(e + "patch_embedding.weight"), c),
                d, c.channels() * c.patchSize() * c.patchSize());
        float[] cls = w.vector(e + "class_embedding", d);
        float[] pos = w.vector(e + "position_embedding.weight", c.positions() * d);
        float[] preW = w.vector(prefix + "pre_layrnorm.weight", d);
        float[] preB = w.vector(prefix + "pre_layrnorm.bias", d);
        Layer[] layers = new Layer[c.layersToRun()];
        int ff = c.intermediateSize();
        for (int i = 0; i < layers.length; i++) {
            String l = prefix + "encoder.layers." + i + ".";
            String a = l + "self_attn.";
            layers[i] = new Layer(w.vector(l + "layer_norm1.weight", d), w.vector(l + "layer_norm1.bias", d),
                    new Linear[]{w.linear(a + "q_proj.weight", d, d), w.linear(a + "k_proj.weight", d, d),
                            w.linear(a + "v_proj.weight", d, d)},
                    w.optionalVector(a + "q_proj.bias", d), w.optionalVector(a + "k_proj.bias", d),
                    w.optionalVector(a + "v_proj.bias", d),
                    w.linear(a + "out_proj.weight", d, d), w.optionalVector(a + "out_proj.bias", d),
                    w.vector(l + "layer_norm2.weight", d), w.vector(l + "layer_norm2.bias", d),
                    w.linear(l + "mlp.fc1.weight", ff, d), w.optionalVector(l + "mlp.fc1.bias", ff),
                    w.linear(l + "mlp.fc2.weight", d, ff), w.optionalVector(l + "mlp.fc2.bias", d));
        }
        return new ClipVisionEncoder(c, kernels, patch, cls, pos, preW, preB, layers);
    }

    /**
     * The convolution kernel as a {@code hidden × (channels · patch · patch)} matrix in PyTorch's
     * {@code [out, channel, y, x]} order; MLX conversions store it channels-last ({@code [out, y, x, channel]}).
     */
    private static float[] patchKernel(SafetensorsModel.HfTensor t, ClipVisionConfig c) throws FormatException {
        long[] s = t.shape();
        int d = c.hiddenSize();
        int ch = c.channels();
        int p = c.patchSize();
        if (Arrays.equals(s, new long[]{d, ch, p, p})) {
            return t.values();
        }
        if (Arrays.equals(s, new long[]{d, p, p, ch})) {
            float[] v = t.values();
            float[] out = new float[v.length];
            for (int o = 0; o < d; o++) {
                for (int y = 0; y < p; y++) {
                    for (int x = 0; x < p; x++) {
                        for (int k = 0; k < ch; k++) {
                            out[((o * ch + k) * p + y) * p + x] = v[((o * p + y) * p + x) * ch + k];
                        }
                    }
                }
            }
            return out;
        }
        throw new FormatException("tensor " + t.name() + " has shape " + Arrays.toString(s) + ", expected ["
                + d + ", " + ch + ", " + p + ", " + p + "]");
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
        int d = c.hiddenSize();
        int seq = c.positions();
        float[] x = embeddings(image);
        float[] features = new float[c.imageTokens() * c.featureWidth()];
        Scratch s = new Scratch(seq, d, c.intermediateSize());
        collect(0, x, features);
        for (int l = 0; l < layers.length; l++) {
            layer(layers[l], x, s);
            collect(l + 1, x, features);
        }
        return features;
    }

    /** Patch, class and position embeddings, then {@code pre_layrnorm}: {@code hidden_states[0]}. */
    private float[] embeddings(PixelValues image) {
        int d = c.hiddenSize();
        int p = c.patchSize();
        int grid = c.imageSize() / p;
        int np = c.patches();
        int ch = c.channels();
        int k = ch * p * p;
        float[] patches = new float[np * k];
        float[] px = image.data();
        int side = c.imageSize();
        for (int py = 0; py < grid; py++) {
            for (int pxi = 0; pxi < grid; pxi++) {
                int row = (py * grid + pxi) * k;
                for (int cc = 0; cc < ch; cc++) {
                    for (int y = 0; y < p; y++) {
                        System.arraycopy(px, (cc * side + py * p + y) * side + pxi * p, patches, row + (cc * p + y) * p, p);
                    }
                }
            }
        }
        float[] x = new float[(np + 1) * d];
        kernels.multiply(patches, np, patchEmbedding, x);
        // the patch rows were written from row 0: move them down one row for the class token
        System.arraycopy(x, 0, x, d, np * d);
        System.arraycopy(classEmbedding, 0, x, 0, d);
        VectorMath.add(x, positionEmbedding, (np + 1) * d);
        int seq = np + 1;
        par.range(seq, Math.max(1, seq / (par.threads() * 4)), (from, to) -> {
            for (int t = from; t < to; t++) {
                VisionMath.layerNorm(x, t * d, preNormW, preNormB, x, t * d, d, c.layerNormEps());
            }
        });
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

    /** Buffers of one image's pass. */
    private static final class Scratch {
        final float[] h;
        final float[] q;
        final float[] k;
        final float[] v;
        final float[] att;
        final float[] o;
        final float[] ff;
        /** The keys transposed per head, {@code [(h * headDim + e) * seq + j]}: scores as axpys, no reductions. */
        final float[] keysT;
        final float[][] qkv;
        final ThreadLocal<float[]> scores;

        Scratch(int seq, int d, int inter) {
            h = new float[seq * d];
            q = new float[seq * d];
            k = new float[seq * d];
            v = new float[seq * d];
            att = new float[seq * d];
            o = new float[seq * d];
            ff = new float[seq * inter];
            keysT = new float[seq * d];
            qkv = new float[][]{q, k, v};
            scores = ThreadLocal.withInitial(() -> new float[seq]);
        }
    }

    /** One pre-LN encoder layer over the {@code seq} rows of {@code x}, in place. */
    private void layer(Layer lw, float[] x, Scratch s) {
        int d = c.hiddenSize();
        int seq = c.positions();
        int grain = Math.max(1, seq / (par.threads() * 4));
        par.range(seq, grain, (from, to) -> {
            for (int t = from; t < to; t++) {
                VisionMath.layerNorm(x, t * d, lw.norm1W(), lw.norm1B(), s.h, t * d, d, c.layerNormEps());
            }
        });
        kernels.multiply(s.h, seq, lw.qkv(), s.qkv);
        VisionMath.addBias(s.q, seq, lw.qBias());
        VisionMath.addBias(s.k, seq, lw.kBias());
        VisionMath.addBias(s.v, seq, lw.vBias());
        par.range(d, Math.max(1, d / (par.threads() * 4)), (from, to) -> {
            for (int col = from; col < to; col++) {
                for (int j = 0; j < seq; j++) {
                    s.keysT[col * seq + j] = s.k[j * d + col];
                }
            }
        });
        int heads = c.heads();
        int tasks = heads * seq;
        long work = (long) seq * seq * d;
        par.range(tasks, work < PARALLEL_WORK ? tasks : Math.max(1, tasks / (par.threads() * 4)), (from, to) -> {
            float[] sc = s.scores.get();
            for (int i = from; i < to; i++) {
                headAttention(s, i / heads, i % heads, sc);
            }
        });
        kernels.multiply(s.att, seq, lw.out(), s.o);
        VisionMath.addBias(s.o, seq, lw.outBias());
        VectorMath.add(x, s.o, seq * d);

        par.range(seq, grain, (from, to) -> {
            for (int t = from; t < to; t++) {
                VisionMath.layerNorm(x, t * d, lw.norm2W(), lw.norm2B(), s.h, t * d, d, c.layerNormEps());
            }
        });
        int ff = c.intermediateSize();
        kernels.multiply(s.h, seq, lw.fc1(), s.ff);
        VisionMath.addBias(s.ff, seq, lw.fc1Bias());
        Activation act = c.hiddenAct();
        par.range(seq, grain, (from, to) -> act.apply(s.ff, from * ff, (to - from) * ff));
        kernels.multiply(s.ff, seq, lw.fc2(), s.o);
        VisionMath.addBias(s.o, seq, lw.fc2Bias());
        VectorMath.add(x, s.o, seq * d);
    }

    /** Full (non-causal) attention of query row {@code t}, head {@code h}, into {@code s.att}. */
    private void headAttention(Scratch s, int t, int h, float[] sc) {
        int d = c.hiddenSize();
        int hd = c.headDim();
        int seq = c.positions();
        int qOff = t * d + h * hd;
        float scale = (float) (1 / Math.sqrt(hd));
        Arrays.fill(sc, 0, seq, 0f);
        for (int e = 0; e < hd; e++) {
            VectorMath.axpy(s.q[qOff + e] * scale, s.keysT, (h * hd + e) * seq, sc, 0, seq);
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < seq; j++) {
            max = Math.max(max, sc[j]);
        }
        float sum = VisionMath.expShift(sc, seq, max);
        Arrays.fill(s.att, qOff, qOff + hd, 0f);
        float inv = 1f / sum;
        for (int j = 0; j < seq; j++) {
            VectorMath.axpy(sc[j] * inv, s.v, j * d + h * hd, s.att, qOff, hd);
        }
    }
}
