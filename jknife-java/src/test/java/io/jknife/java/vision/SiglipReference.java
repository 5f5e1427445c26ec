package io.jknife.java.vision;

import io.jknife.java.weights.SafetensorsModel;
import io.jknife.vision.PixelValues;

/**
 * The SigLIP tower and Gemma 3 projector written out plainly in double precision, straight from
 * transformers' modeling code ({@code SiglipVisionEmbeddings}, {@code SiglipEncoderLayer},
 * {@code post_layernorm}, {@code Gemma3MultiModalProjector}): the reference the engine is checked
 * against. Shares no compute code with it; weights are read as floats by name.
 */
final class SiglipReference {
    private final SafetensorsModel m;
    private final String tower;
    private final SiglipVisionConfig c;

    SiglipReference(SafetensorsModel m, String tower, SiglipVisionConfig c) {
        this.m = m;
        this.tower = tower;
        this.c = c;
    }

    private double[] w(String name) throws Exception {
        float[] f = m.hfTensor(name).orElseThrow(() -> new AssertionError("no tensor " + name)).values();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    /** {@code last_hidden_state}: one row per patch, after {@code post_layernorm}. */
    double[][] lastHiddenState(PixelValues px) throws Exception {
        int d = c.hiddenSize();
        int p = c.patchSize();
        int grid = c.imageSize() / p;
        double[] conv = w(tower + "embeddings.patch_embedding.weight");
        double[] convBias = w(tower + "embeddings.patch_embedding.bias");
        double[] pos = w(tower + "embeddings.position_embedding.weight");
        double[][] x = new double[grid * grid][d];
        for (int gy = 0; gy < grid; gy++) {
            for (int gx = 0; gx < grid; gx++) {
                int t = gy * grid + gx;
                for (int o = 0; o < d; o++) {
                    double s = convBias[o];
                    for (int ch = 0; ch < c.channels(); ch++) {
                        for (int ky = 0; ky < p; ky++) {
                            for (int kx = 0; kx < p; kx++) {
                                s += conv[((o * c.channels() + ch) * p + ky) * p + kx] * px.get(ch, gy * p + ky, gx * p + kx);
                            }
                        }
                    }
                    x[t][o] = s + pos[t * d + o];
                }
            }
        }
        for (int l = 0; l < c.layers(); l++) {
            String b = tower + "encoder.layers." + l + ".";
            double[][] h = layerNorm(x, w(b + "layer_norm1.weight"), w(b + "layer_norm1.bias"));
            double[][] q = linear(h, w(b + "self_attn.q_proj.weight"), w(b + "self_attn.q_proj.bias"));
            double[][] k = linear(h, w(b + "self_attn.k_proj.weight"), w(b + "self_attn.k_proj.bias"));
            double[][] v = linear(h, w(b + "self_attn.v_proj.weight"), w(b + "self_attn.v_proj.bias"));
            double[][] r = add(x, linear(attention(q, k, v), w(b + "self_attn.out_proj.weight"),
                    w(b + "self_attn.out_proj.bias")));
            h = layerNorm(r, w(b + "layer_norm2.weight"), w(b + "layer_norm2.bias"));
            double[][] f = linear(h, w(b + "mlp.fc1.weight"), w(b + "mlp.fc1.bias"));
            for (double[] row : f) {
                for (int i = 0; i < row.length; i++) {
                    row[i] = ClipReference.act(c.hiddenAct(), row[i]);
                }
            }
            x = add(r, linear(f, w(b + "mlp.fc2.weight"), w(b + "mlp.fc2.bias")));
        }
        return layerNorm(x, w(tower + "post_layernorm.weight"), w(tower + "post_layernorm.bias"));
    }

    /**
     * Gemma3MultiModalProjector: transpose to [hidden, patches], reshape to the patch grid, AvgPool2d
     * (kernel = stride), flatten and transpose back, Gemma RMSNorm {@code x · (1 + w)}, then
     * {@code matmul(x, mm_input_projection_weight)} with the weight [vision hidden, text hidden].
     */
    double[][] project(String prefix, double[][] hidden) throws Exception {
        int d = c.hiddenSize();
        int grid = c.imageSize() / c.patchSize();
        int side = (int) Math.round(Math.sqrt(c.mmTokensPerImage()));
        int k = grid / side;
        double[][] pooled = new double[side * side][d];
        for (int ch = 0; ch < d; ch++) {
            for (int oy = 0; oy < side; oy++) {
                for (int ox = 0; ox < side; ox++) {
                    double s = 0;
                    for (int y = 0; y < k; y++) {
                        for (int x = 0; x < k; x++) {
                            s += hidden[(oy * k + y) * grid + ox * k + x][ch];
                        }
                    }
                    pooled[oy * side + ox][ch] = s / (k * k);
                }
            }
        }
        double[] norm = w(prefix + "mm_soft_emb_norm.weight");
        double[] proj = w(prefix + "mm_input_projection_weight");
        int text = proj.length / d;
        double[][] out = new double[pooled.length][text];
        for (int t = 0; t < pooled.length; t++) {
            double ms = 0;
            for (double v : pooled[t]) {
                ms += v * v;
            }
            double inv = 1 / Math.sqrt(ms / d + c.layerNormEps());
            for (int i = 0; i < d; i++) {
                double normed = pooled[t][i] * inv * (1 + norm[i]);
                for (int j = 0; j < text; j++) {
                    out[t][j] += normed * proj[i * text + j];
                }
            }
        }
        return out;
    }

    private double[][] layerNorm(double[][] x, double[] g, double[] b) {
        double[][] out = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            double mean = 0;
            for (double v : x[t]) {
                mean += v;
            }
            mean /= x[t].length;
            double var = 0;
            for (double v : x[t]) {
                var += (v - mean) * (v - mean);
            }
            var /= x[t].length;
            out[t] = new double[x[t].length];
            for (int i = 0; i < x[t].length; i++) {
                out[t][i] = (x[t][i] - mean) / Math.sqrt(var + c.layerNormEps()) * g[i] + b[i];
            }
        }
        return out;
    }

    /** {@code x W^T + b}, W stored [out][in] as nn.Linear does. */
    private static double[][] linear(double[][] x, double[] w, double[] b) {
        int in = x[0].length;
        int out = w.length / in;
        double[][] y = new double[x.length][out];
        for (int t = 0; t < x.length; t++) {
            for (int r = 0; r < out; r++) {
                double s = b[r];
                for (int k = 0; k < in; k++) {
                    s += w[r * in + k] * x[t][k];
                }
                y[t][r] = s;
            }
        }
        return y;
    }

    /** softmax(q k^T · head_dim^-0.5) v per head, no mask. */
    private double[][] attention(double[][] q, double[][] k, double[][] v) {
        int seq = q.length;
        int hd = c.hiddenSize() / c.heads();
        double[][] out = new double[seq][c.hiddenSize()];
        for (int h = 0; h < c.heads(); h++) {
            for (int i = 0; i < seq; i++) {
                double[] s = new double[seq];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < seq; j++) {
                    double dot = 0;
                    for (int e = 0; e < hd; e++) {
                        dot += q[i][h * hd + e] * k[j][h * hd + e];
                    }
                    s[j] = dot / Math.sqrt(hd);
                    max = Math.max(max, s[j]);
                }
                double sum = 0;
                for (int j = 0; j < seq; j++) {
                    s[j] = Math.exp(s[j] - max);
                    sum += s[j];
                }
                for (int j = 0; j < seq; j++) {
                    for (int e = 0; e < hd; e++) {
                        out[i][h * hd + e] += s[j] / sum * v[j][h * hd + e];
                    }
                }
            }
        }
        return out;
    }

    private static double[][] add(double[][] a, double[][] b) {
        double[][] y = new double[a.length][];
        for (int t = 0; t < a.length; t++) {
            y[t] = new double[a[t].length];
            for (int i = 0; i < a[t].length; i++) {
                y[t][i] = a[t][i] + b[t][i];
            }
        }
        return y;
    }
}
