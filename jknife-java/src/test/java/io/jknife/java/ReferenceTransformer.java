package io.jknife.java;

import io.jknife.formats.gguf.GgmlQuant;
import io.jknife.formats.gguf.GgufFile;
import io.jknife.formats.gguf.GgufReader;
import io.jknife.formats.gguf.GgufTensorInfo;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A straightforward float implementation of the decoders, written from the architectures' papers
 * and llama.cpp's graphs, independent of the engine's code: every weight dequantized to floats,
 * plain loops, double accumulators, one token at a time. Quantized weights see the input
 * quantized to 8 bits per 32-value block, as llama.cpp computes them. The reference for architectures
 * llama.cpp b4916 cannot run (qwen3) or crashes on (gemma3, phi3 with a generated vocabulary).
 */
final class ReferenceTransformer {
    private final String arch;
    private final Map<String, float[]> t = new HashMap<>();
    private final Map<String, long[]> dims = new HashMap<>();
    private final Map<String, Boolean> quantized = new HashMap<>();
    private final int dim, layers, heads, kvHeads, hd, ff, vocab, window;
    private final float eps, base;
    private final List<List<float[]>> keys = new ArrayList<>();
    private final List<List<float[]>> values = new ArrayList<>();

    ReferenceTransformer(Path file) throws IOException {
        GgufFile f = GgufReader.read(file);
        arch = f.architecture();
        for (GgufTensorInfo info : f.tensors()) {
            byte[] raw = GgufReader.readTensorData(file, info);
            t.put(info.name(), GgmlQuant.decode(raw, info.type(), Math.toIntExact(info.elementCount())));
            dims.put(info.name(), info.dims());
            quantized.put(info.name(), info.type().isQuantized());
        }
        dim = (int) f.archInteger("embedding_length").orElseThrow();
        layers = (int) f.archInteger("block_count").orElseThrow();
        heads = (int) f.archInteger("attention.head_count").orElseThrow();
        kvHeads = (int) f.archInteger("attention.head_count_kv").orElseThrow();
        hd = (int) f.archInteger("attention.key_length").orElse(dim / heads);
        ff = (int) f.archInteger("feed_forward_length").orElseThrow();
        window = (int) f.archInteger("attention.sliding_window").orElse(Integer.MAX_VALUE);
        eps = (float) f.archNumber("attention.layer_norm_rms_epsilon").orElseThrow();
        base = (float) f.archNumber("rope.freq_base").orElse(10000);
        vocab = (int) dims.get("token_embd.weight")[1];
        for (int l = 0; l < layers; l++) {
            keys.add(new ArrayList<>());
            values.add(new ArrayList<>());
        }
    }

    private boolean gemma() {
        return arch.startsWith("gemma");
    }

    /** Feeds the next token; returns the logits after it. */
    float[] step(int token) {
        int pos = keys.get(0).size();
        float[] x = new float[dim];
        System.arraycopy(t.get("token_embd.weight"), token * dim, x, 0, dim);
        if (gemma()) {
            for (int i = 0; i < dim; i++) {
                x[i] *= (float) Math.sqrt(dim);
            }
        }
        for (int l = 0; l < layers; l++) {
            String b = "blk." + l + ".";
            boolean sliding = arch.equals("phi3") || (arch.equals("gemma3") && l % 6 < 5);
            float[] h = rms(x, t.get(b + "attn_norm.weight"));
            float[] q, k, v;
            if (t.containsKey(b + "attn_qkv.weight")) {
                float[] all = mul(b + "attn_qkv.weight", h);
                q = slice(all, 0, heads * hd);
                k = slice(all, heads * hd, kvHeads * hd);
                v = slice(all, heads * hd + kvHeads * hd, kvHeads * hd);
            } else {
                q = mul(b + "attn_q.weight", h);
                k = mul(b + "attn_k.weight", h);
                v = mul(b + "attn_v.weight", h);
            }
            if (t.containsKey(b + "attn_q_norm.weight")) {
                for (int hh = 0; hh < heads; hh++) {
                    normHead(q, hh, t.get(b + "attn_q_norm.weight"));
                }
                for (int hh = 0; hh < kvHeads; hh++) {
                    normHead(k, hh, t.get(b + "attn_k_norm.weight"));
                }
            }
            float ropeBase = arch.equals("gemma3") && sliding ? 10000f : base;
            rope(q, heads, pos, ropeBase);
            rope(k, kvHeads, pos, ropeBase);
            keys.get(l).add(k);
            values.get(l).add(v);
            float[] att = new float[heads * hd];
            for (int hh = 0; hh < heads; hh++) {
                int g = hh / (heads / kvHeads);
                double[] s = new double[pos + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int p = 0; p <= pos; p++) {
                    if (sliding && pos - p >= window) {
                        s[p] = Double.NEGATIVE_INFINITY;
                        continue;
                    }
                    double d = 0;
                    float[] kp = keys.get(l).get(p);
                    for (int i = 0; i < hd; i++) {
                        d += (double) q[hh * hd + i] * kp[g * hd + i];
                    }
                    s[p] = d / Math.sqrt(hd);
                    max = Math.max(max, s[p]);
                }
                double sum = 0;
                for (int p = 0; p <= pos; p++) {
                    s[p] = Math.exp(s[p] - max);
                    sum += s[p];
                }
                for (int p = 0; p <= pos; p++) {
                    float[] vp = values.get(l).get(p);
                    for (int i = 0; i < hd; i++) {
                        att[hh * hd + i] += (float) (s[p] / sum * vp[g * hd + i]);
                    }
                }
            }
            float[] o = mul(b + "attn_output.weight", att);
            if (gemma()) {
                o = rms(o, t.get(b + "post_attention_norm.weight"));
            }
            add(x, o);
            h = rms(x, t.get(b + "ffn_norm.weight"));
            float[] act = new float[ff];
            if (t.containsKey(b + "ffn_gate.weight")) {
                float[] gate = mul(b + "ffn_gate.weight", h);
                float[] up = mul(b + "ffn_up.weight", h);
                for (int i = 0; i < ff; i++) {
                    act[i] = (float) ((gemma() ? gelu(gate[i]) : silu(gate[i])) * up[i]);
                }
            } else {
                float[] gu = mul(b + "ffn_up.weight", h);
                for (int i = 0; i < ff; i++) {
                    act[i] = (float) (silu(gu[i]) * gu[ff + i]);
                }
            }
            float[] d = mul(b + "ffn_down.weight", act);
            if (gemma()) {
                d = rms(d, t.get(b + "post_ffw_norm.weight"));
            }
            add(x, d);
        }
        float[] h = rms(x, t.get("output_norm.weight"));
        return mul(t.containsKey("output.weight") ? "output.weight" : "token_embd.weight", h);
    }

    int vocab() {
        return vocab;
    }

    private float[] mul(String name, float[] x) {
        float[] w = t.get(name);
        int cols = (int) dims.get(name)[0];
        int rows = (int) dims.get(name)[1];
        float[] out = new float[rows];
        if (quantized.get(name)) {
            x = q8(x);
        }
        for (int r = 0; r < rows; r++) {
            double s = 0;
            for (int c = 0; c < cols; c++) {
                s += (double) w[r * cols + c] * x[c];
            }
            out[r] = (float) s;
        }
        return out;
    }

    /**
     * The input as a quantized weight type's integer kernels see it, as llama.cpp does: blocks of
     * 32 values with scale max|x| / 127, each value rounded to a multiple of the scale.
     */
    private static float[] q8(float[] x) {
        float[] out = new float[x.length];
        for (int b = 0; b < x.length; b += 32) {
            float amax = 0;
            for (int j = b; j < b + 32; j++) {
                amax = Math.max(amax, Math.abs(x[j]));
            }
            float d = amax / 127f;
            for (int j = b; j < b + 32; j++) {
                out[j] = d == 0 ? 0 : Math.round(x[j] / d) * d;
            }
        }
        return out;
    }

    private float[] rms(float[] x, float[] w) {
        double ss = 0;
        for (float v : x) {
            ss += (double) v * v;
        }
        double inv = 1 / Math.sqrt(ss / x.length + eps);
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) (x[i] * inv * w[i]);
        }
        return out;
    }

    private void normHead(float[] v, int head, float[] w) {
        float[] part = rms(slice(v, head * hd, hd), w);
        System.arraycopy(part, 0, v, head * hd, hd);
    }

    /** Rotation of pairs (i, i + hd/2) for the neox-style architectures, (2i, 2i + 1) for llama. */
    private void rope(float[] v, int n, int pos, float ropeBase) {
        boolean neox = !arch.equals("llama");
        for (int h = 0; h < n; h++) {
            for (int i = 0; i < hd / 2; i++) {
                double a = pos * Math.pow(ropeBase, -2.0 * i / hd);
                int i0 = h * hd + (neox ? i : 2 * i);
                int i1 = h * hd + (neox ? i + hd / 2 : 2 * i + 1);
                double x0 = v[i0], x1 = v[i1];
                v[i0] = (float) (x0 * Math.cos(a) - x1 * Math.sin(a));
                v[i1] = (float) (x0 * Math.sin(a) + x1 * Math.cos(a));
            }
        }
    }

    private static float[] slice(float[] v, int from, int n) {
        float[] out = new float[n];
        System.arraycopy(v, from, out, 0, n);
        return out;
    }

    private static void add(float[] x, float[] y) {
        for (int i = 0; i < x.length; i++) {
            x[i] += y[i];
        }
    }

    private static double silu(double x) {
        return x / (1 + Math.exp(-x));
    }

    private static double gelu(double x) {
        return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    }
}
