package io.jknife.java.vision;

import io.jknife.java.weights.SafetensorsModel;
import io.jknife.vision.PixelValues;

/**
 * The CLIP tower and LLaVA projector written out plainly in double precision, straight from
 * transformers' modeling code ({@code CLIPVisionEmbeddings}, {@code CLIPEncoderLayer},
 * {@code LlavaMultiModalProjector}): the reference the engine's encoder is checked against. Shares
 * no compute code with it; weights are read as floats by name.
 */
final class ClipReference {
    private final SafetensorsModel m;
    private final String tower;
    private final ClipVisionConfig c;

    ClipReference(SafetensorsModel m, String tower, ClipVisionConfig c) {
        this.m = m;
        this.tower = tower;
        this.c = c;
    }

    private double[] w(String name) throws Exception {
        float[] f = m.hfTensor(name).orElseThrow().values();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    /** Every hidden state: [0] the embeddings after pre_layrnorm, [i] the output of layer i - 1. */
    double[][][] hiddenStates(PixelValues px) throws Exception {
        int d = c.hiddenSize();
        int p = c.patchSize();
        int grid = c.imageSize() / p;
        int seq = grid * grid + 1;
        double[] conv = w(tower + "embeddings.patch_embedding.weight");
        double[] cls = w(tower + "embeddings.class_embedding");
        double[] pos = w(tower + "embeddings.position_embedding.weight");
        double[][] x = new double[seq][d];
        for (int o = 0; o < d; o++) {
            x[0][o] = cls[o] + pos[o];
        }
        for (int gy = 0; gy < grid; gy++) {
            for (int gx = 0; gx < grid; gx++) {
                int t = 1 + gy * grid + gx;
                for (int o = 0; o < d; o++) {
                    double s = 0;
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
        x = layerNorm(x, w(tower + "pre_layrnorm.weight"), w(tower + "pre_layrnorm.bias"));
        double[][][] states = new double[c.layers() + 1][][];
        states[0] = x;
        for (int l = 0; l < c.layers(); l++) {
            String b = tower + "encoder.layers." + l + ".";
            double[][] h = layerNorm(x, w(b + "layer_norm1.weight"), w(b + "layer_norm1.bias"));
            double[][] q = linear(h, w(b + "self_attn.q_proj.weight"), w(b + "self_attn.q_proj.bias"));
            double[][] k = linear(h, w(b + "self_attn.k_proj.weight"), w(b + "self_attn.k_proj.bias"));
            double[][] v = linear(h, w(b + "self_attn.v_proj.weight"), w(b + "self_attn.v_proj.bias"));
            double[][] att = attention(q, k, v);
            double[][] o = linear(att, w(b + "self_attn.out_proj.weight"), w(b + "self_attn.out_proj.bias"));
            double[][] r = add(x, o);
            h = layerNorm(r, w(b + "layer_norm2.weight"), w(b + "layer_norm2.bias"));
            double[][] f = linear(h, w(b + "mlp.fc1.weight"), w(b + "mlp.fc1.bias"));
            for (double[] row : f) {
                for (int i = 0; i < row.length; i++) {
                    row[i] = act(c.hiddenAct(), row[i]);
                }
            }
            x = add(r, linear(f, w(b + "mlp.fc2.weight"), w(b + "mlp.fc2.bias")));
            states[l + 1] = x;
        }
        return states;
    }

    /** The features LLaVA takes: the selected states, concatenated, the class token dropped for "default". */
    double[][] features(PixelValues px) throws Exception {
        double[][][] states = hiddenStates(px);
        int skip = c.keepClassToken() ? 0 : 1;
        int rows = states[0].length - skip;
        int d = c.hiddenSize();
        double[][] out = new double[rows][d * c.featureLayers().size()];
        for (int f = 0; f < c.featureLayers().size(); f++) {
            double[][] s = states[c.featureLayers().get(f)];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(s[r + skip], 0, out[r], f * d, d);
            }
        }
        return out;
    }

    /** The projector over {@code features}. */
    double[][] project(String prefix, double[][] features) throws Exception {
        double[][] h = linear(features, w(prefix + "linear_1.weight"), w(prefix + "linear_1.bias"));
        for (double[] row : h) {
            for (int i = 0; i < row.length; i++) {
                row[i] = act(c.projectorAct(), row[i]);
            }
        }
        return linear(h, w(prefix + "linear_2.weight"), w(prefix + "linear_2.bias"));
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

    private double[][] attention(double[][] q, double[][] k, double[][] v) {
        int seq = q.length;
        int hd = c.headDim();
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

    static double act(Activation a, double x) {
        return switch (a) {
            case QUICK_GELU -> x / (1 + Math.exp(-1.702 * x));
            case GELU -> 0.5 * x * (1 + erf(x / Math.sqrt(2)));
            case GELU_TANH -> 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
        };
    }

    /** erf by its Maclaurin series below 3, else 1 - erfc from the continued fraction (independent of the engine's fit). */
    static double erf(double x) {
        double z = Math.abs(x);
        double r;
        if (z < 3) {
            double term = z;
            double sum = z;
            for (int n = 1; n < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
                term *= -z * z / n;
                sum += term / (2 * n + 1);
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            double f = z;
            for (int n = 60; n >= 1; n--) {
                f = z + (n / 2.0) / f;
            }
            r = 1 - Math.exp(-z * z) / Math.sqrt(Math.PI) / f;
        }
        return x < 0 ? -r : r;
    }
}
