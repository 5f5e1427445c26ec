package io.jknife.java.vision;

import io.jknife.formats.FormatException;
import io.jknife.formats.GgmlType;
import io.jknife.java.model.VectorMath;
import io.jknife.java.parallel.Parallel;
import io.jknife.java.weights.Kernels;
import io.jknife.java.weights.Linear;
import io.jknife.java.weights.StoredMatrix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.IntConsumer;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * The encoder of a ViT vision tower as SigLIP (and CLIP) build it: pre-LN layers over a fixed
 * sequence, each {@code layer_norm1} → full bidirectional attention with biases → residual,
 * {@code layer_norm2} → {@code fc1} → activation → {@code fc2} → residual. Weights by Hugging Face
 * names; matrices through the engine's {@link Kernels} in their stored type. Not thread-safe.
 */
final class PreNormEncoder {
    /** One encoder layer's weights; absent biases are null. */
    private record Layer(float[] norm1W, float[] norm1B, Linear[] qkv, float[] qBias, float[] kBias, float[] vBias,
                         Linear out, float[] outBias, float[] norm2W, float[] norm2B, Linear fc1, float[] fc1Bias,
                         Linear fc2, float[] fc2Bias) {
    }

    private final Kernels kernels;
    private final Parallel par;
    private final Layer[] layers;
    private final int seq;
    private final int dim;
    private final int heads;
    private final int ff;
    private final double eps;
    private final Activation act;

    private PreNormEncoder(Kernels kernels, Layer[] layers, int seq, int dim, int heads, int ff, double eps,
                           Activation act) {
        this.kernels = kernels;
        this.par = kernels.parallel();
        this.layers = layers;
        this.seq = seq;
        this.dim = dim;
        this.heads = heads;
        this.ff = ff;
        this.eps = eps;
        this.act = act;
    }

    /**
     * Layers {@code 0..count-1} under {@code prefix} ({@code ...encoder.layers.}) over {@code seq} rows
     * of width {@code dim}, MLP width {@code ff}.
     */
    static PreNormEncoder load(NamedWeights w, String prefix, int count, int seq, int dim, int heads, int ff,
                               double eps, Activation act, Kernels kernels) throws FormatException {
        Layer[] layers = new Layer[count];
        for (int i = 0; i < count; i++) {
            String l = prefix + i + ".";
            String a = l + "self_attn.";
            layers[i] = new Layer(w.vector(l + "layer_norm1.weight", dim), w.vector(l + "layer_norm1.bias", dim),
                    new Linear[]{w.linear(a + "q_proj.weight", dim, dim), w.linear(a + "k_proj.weight", dim, dim),
                            w.linear(a + "v_proj.weight", dim, dim)},
                    w.optionalVector(a + "q_proj.bias", dim), w.optionalVector(a + "k_proj.bias", dim),
                    w.optionalVector(a + "v_proj.bias", dim),
                    w.linear(a + "out_proj.weight", dim, dim), w.optionalVector(a + "out_proj.bias", dim),
                    w.vector(l + "layer_norm2.weight", dim), w.vector(l + "layer_norm2.bias", dim),
                    w.linear(l + "mlp.fc1.weight", ff, dim), w.optionalVector(l + "mlp.fc1.bias", ff),
                    w.linear(l + "mlp.fc2.weight", dim, ff), w.optionalVector(l + "mlp.fc2.bias", dim));
        }
        return new PreNormEncoder(kernels, layers, seq, dim, heads, ff, eps, act);
    }

    /** Every layer over the {@code seq} rows of {@code x}, in place. */
    void run(float[] x) {
        run(x, done -> {
        });
    }

    /**
     * Every layer over the {@code seq} rows of {@code x}, in place; after layer {@code i}, {@code afterLayer}
     * gets {@code i + 1} while {@code x} holds that layer's output ({@code hidden_states[i + 1]}).
     */
    void run(float[] x, IntConsumer afterLayer) {
        Scratch s = new Scratch(seq, dim, ff);
        for (int i = 0; i < layers.length; i++) {
            layer(layers[i], x, s);
            afterLayer.accept(i + 1);
        }
    }

    /** LayerNorm of each of the {@code seq} rows of {@code x} into {@code out} (may be {@code x}). */
    void layerNorm(float[] x, float[] w, float[] b, float[] out) {
        par.range(seq, Math.max(1, seq / (par.threads() * 4)), (from, to) -> {
            for (int t = from; t < to; t++) {
                VisionMath.layerNorm(x, t * dim, w, b, out, t * dim, dim, eps);
            }
        });
    }

    /** Queries per attention block: the scores of one block are {@code QUERY_BLOCK × seq} floats. */
    private static final int QUERY_BLOCK = 256;

    /** Buffers of one image's pass. */
    private final class Scratch {
        final float[] h;
        final float[] q;
        final float[] k;
        final float[] v;
        final float[] att;
        final float[] o;
        final float[] ff;
        final float[][] qkv;
        /**
         * One head's keys ({@code seq × paddedHeadDim}, zeros after the head's width) and values
         * transposed ({@code headDim × seq}), off the heap as the kernels read weights.
         */
        final MemorySegment keys;
        final MemorySegment valuesT;
        final Linear keyRows;
        final Linear valueRows;
        /** A block of one head's queries, their scores over every key, and their outputs. */
        final float[] queries;
        final float[] scores;
        final float[] out;

        Scratch(int seq, int d, int inter) {
            h = new float[seq * d];
            q = new float[seq * d];
            k = new float[seq * d];
            v = new float[seq * d];
            att = new float[seq * d];
            o = new float[seq * d];
            ff = new float[seq * inter];
            qkv = new float[][]{q, k, v};
            int hd = d / heads;
            int hdp = paddedHeadDim();
            Arena arena = Arena.ofAuto();
            keys = arena.allocate((long) seq * hdp * Float.BYTES, 64);
            valuesT = arena.allocate((long) seq * hd * Float.BYTES, 64);
            try {
                keyRows = kernels.linear(new StoredMatrix.Ggml("attention.keys", GgmlType.F32, seq, hdp, keys));
                valueRows = kernels.linear(new StoredMatrix.Ggml("attention.values", GgmlType.F32, hd, seq, valuesT));
            } catch (FormatException e) {
                throw new IllegalStateException("F32 matrices of the right size are always taken", e);
            }
            int block = Math.min(seq, QUERY_BLOCK);
            queries = new float[block * hdp];
            scores = new float[block * seq];
            out = new float[block * hd];
        }
    }

    private void layer(Layer lw, float[] x, Scratch s) {
        int d = dim;
        layerNorm(x, lw.norm1W(), lw.norm1B(), s.h);
        kernels.multiply(s.h, seq, lw.qkv(), s.qkv);
        VisionMath.addBias(s.q, seq, lw.qBias());
        VisionMath.addBias(s.k, seq, lw.kBias());
        VisionMath.addBias(s.v, seq, lw.vBias());
        for (int head = 0; head < heads; head++) {
            attention(s, head);
        }
        kernels.multiply(s.att, seq, lw.out(), s.o);
        VisionMath.addBias(s.o, seq, lw.outBias());
        VectorMath.add(x, s.o, seq * d);

        layerNorm(x, lw.norm2W(), lw.norm2B(), s.h);
        kernels.multiply(s.h, seq, lw.fc1(), s.ff);
        VisionMath.addBias(s.ff, seq, lw.fc1Bias());
        int grain = Math.max(1, seq / (par.threads() * 4));
        par.range(seq, grain, (from, to) -> act.apply(s.ff, from * ff, (to - from) * ff));
        kernels.multiply(s.ff, seq, lw.fc2(), s.o);
        VisionMath.addBias(s.o, seq, lw.fc2Bias());
        VectorMath.add(x, s.o, seq * d);
    }

    /**
     * Full (non-causal) attention of head {@code h} into {@code s.att}, as matrix products through the
     * kernels: scores = Q·Kᵀ for a block of queries, softmax per row, outputs = P·V. Each key and value
     * row is then read once per block of queries instead of once per query.
     */
    private void attention(Scratch s, int h) {
        int hd = dim / heads;
        int hdp = paddedHeadDim();
        int col = h * hd;
        par.range(seq, Math.max(1, seq / (par.threads() * 4)), (from, to) -> {
            for (int j = from; j < to; j++) {
                MemorySegment.copy(s.k, j * dim + col, s.keys, JAVA_FLOAT, (long) j * hdp * Float.BYTES, hd);
                for (int e = 0; e < hd; e++) {
                    s.valuesT.setAtIndex(JAVA_FLOAT, (long) e * seq + j, s.v[j * dim + col + e]);
                }
            }
        });
        float scale = (float) (1 / Math.sqrt(hd));
        int block = s.queries.length / hdp;
        for (int t0 = 0; t0 < seq; t0 += block) {
            int n = Math.min(block, seq - t0);
            for (int t = 0; t < n; t++) {
                int q = (t0 + t) * dim + col;
                for (int e = 0; e < hd; e++) {
                    s.queries[t * hdp + e] = s.q[q + e] * scale;
                }
            }
            kernels.multiply(s.queries, n, s.keyRows, s.scores);
            par.range(n, Math.max(1, n / (par.threads() * 4)), (from, to) -> {
                for (int t = from; t < to; t++) {
                    VisionMath.softmax(s.scores, t * seq, seq);
                }
            });
            kernels.multiply(s.scores, n, s.valueRows, s.out);
            for (int t = 0; t < n; t++) {
                System.arraycopy(s.out, t * hd, s.att, (t0 + t) * dim + col, hd);
            }
        }
    }

    /** The head width rounded up to 16 floats, so that the score products run in whole vectors (72 → 80). */
    private int paddedHeadDim() {
        int hd = dim / heads;
        return (hd + 15) / 16 * 16;
    }

}
