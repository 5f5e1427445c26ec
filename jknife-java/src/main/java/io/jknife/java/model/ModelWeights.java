package io.jknife.java.model;

import io.jknife.formats.FormatException;
import io.jknife.java.weights.Kernels;
import io.jknife.java.weights.Linear;
import io.jknife.java.weights.WeightSource;

import java.util.Optional;

/**
 * Every weight of a model, by llama.cpp's tensor names, checked against the config's shapes.
 *
 * @param embeddings  {@code token_embd} (vocab rows of dim)
 * @param output      the output projection ({@code output}, or {@code token_embd} when tied)
 * @param outputBias  {@code output.bias} or null
 * @param ropeFactors per-frequency divisors of the rotation ({@code rope_freqs}, phi3's short/long factors) or null
 */
record ModelWeights(Linear embeddings, LayerWeights[] layers, float[] outputNorm, Linear output, float[] outputBias,
                    float[] ropeFactors, int vocab) {

    static ModelWeights load(WeightSource m, ModelConfig c, Kernels kernels, int contextSize) throws FormatException {
        Loader l = new Loader(m, kernels);
        Linear embd = l.matrix("token_embd.weight", -1, c.dim());
        int vocab = embd.rows();
        LayerWeights[] layers = new LayerWeights[c.layers()];
        for (int i = 0; i < c.layers(); i++) {
            String b = "blk." + i + ".";
            Linear q = null, k = null, v = null, qkv = null;
            float[] qb = null, kb = null, vb = null;
            if (m.has(b + "attn_qkv.weight")) {
                qkv = l.matrix(b + "attn_qkv.weight", c.qDim() + c.kvDim() + c.vDim(), c.dim());
                Optional<float[]> bias = m.optionalFloats(b + "attn_qkv.bias", c.qDim() + c.kvDim() + c.vDim());
                if (bias.isPresent()) {
                    float[] all = bias.get();
                    qb = java.util.Arrays.copyOfRange(all, 0, c.qDim());
                    kb = java.util.Arrays.copyOfRange(all, c.qDim(), c.qDim() + c.kvDim());
                    vb = java.util.Arrays.copyOfRange(all, c.qDim() + c.kvDim(), all.length);
                }
            } else {
                q = l.matrix(b + "attn_q.weight", c.qDim(), c.dim());
                k = l.matrix(b + "attn_k.weight", c.kvDim(), c.dim());
                v = l.matrix(b + "attn_v.weight", c.vDim(), c.dim());
                qb = m.optionalFloats(b + "attn_q.bias", c.qDim()).orElse(null);
                kb = m.optionalFloats(b + "attn_k.bias", c.kvDim()).orElse(null);
                vb = m.optionalFloats(b + "attn_v.bias", c.vDim()).orElse(null);
            }
            float[] qNorm = null, kNorm = null;
            if (c.family() == Family.QWEN3 || c.family() == Family.GEMMA3) {
                qNorm = m.floats(b + "attn_q_norm.weight", c.headDimK());
                kNorm = m.floats(b + "attn_k_norm.weight", c.headDimK());
            }
            Linear out = l.matrix(b + "attn_output.weight", c.dim(), c.attnOutDim());
            float[] outBias = m.optionalFloats(b + "attn_output.bias", c.dim()).orElse(null);
            float[] postAttn = c.family().gemma() ? m.floats(b + "post_attention_norm.weight", c.dim()) : null;
            float[] postFfn = c.family().gemma() ? m.floats(b + "post_ffw_norm.weight", c.dim()) : null;
            Linear gate = null, up, gateUp = null;
            if (m.has(b + "ffn_gate.weight")) {
                gate = l.matrix(b + "ffn_gate.weight", c.ffn(), c.dim());
                up = l.matrix(b + "ffn_up.weight", c.ffn(), c.dim());
            } else {
                // phi3: gate and up fused in ffn_up, gate first
                gateUp = l.matrix(b + "ffn_up.weight", 2 * c.ffn(), c.dim());
                up = null;
            }
            Linear down = l.matrix(b + "ffn_down.weight", c.dim(), c.ffn());
            layers[i] = new LayerWeights(m.floats(b + "attn_norm.weight", c.dim()), q, k, v, qkv, qb, kb, vb,
                    qNorm, kNorm, out, outBias, postAttn, m.floats(b + "ffn_norm.weight", c.dim()),
                    gate, up, gateUp, down, postFfn);
        }
        float[] outNorm = m.floats("output_norm.weight", c.dim());
        Linear output = m.has("output.weight") ? l.matrix("output.weight", vocab, c.dim()) : embd;
        float[] outBias = m.optionalFloats("output.bias", vocab).orElse(null);
        return new ModelWeights(embd, layers, outNorm, output, outBias, ropeFactors(m, c, contextSize), vocab);
    }

    /** llama3's {@code rope_freqs}, phi3's short or long factors (long past the original context), or llama3 keys. */
    private static float[] ropeFactors(WeightSource m, ModelConfig c, int contextSize) throws FormatException {
        int n = c.ropeDims() / 2;
        Optional<float[]> freqs = m.optionalFloats("rope_freqs.weight", n);
        if (freqs.isPresent()) {
            return freqs.get();
        }
        if (m.has("rope_factors_short.weight")) {
            String arch = c.family().ggufName();
            long orig = m.metadata().integer(arch + ".rope.scaling.original_context_length")
                    .orElse(c.contextLength());
            return m.floats(contextSize > orig ? "rope_factors_long.weight" : "rope_factors_short.weight", n);
        }
        String arch = c.family().ggufName();
        if ("llama3".equals(m.metadata().string(arch + ".rope.scaling.type").orElse(null))) {
            return llama3Factors(c, m.metadata().number(arch + ".rope.scaling.factor").orElse(8),
                    m.metadata().number(arch + ".rope.scaling.low_freq_factor").orElse(1),
                    m.metadata().number(arch + ".rope.scaling.high_freq_factor").orElse(4),
                    m.metadata().number(arch + ".rope.scaling.original_context_length").orElse(8192));
        }
        return null;
    }

    /** The divisors Llama 3.1's rope scaling gives each frequency (as llama.cpp's converter computes rope_freqs). */
    static float[] llama3Factors(ModelConfig c, double factor, double lowFreqFactor, double highFreqFactor, double origCtx) {
        int n = c.ropeDims() / 2;
        float[] out = new float[n];
        double lowWavelen = origCtx / lowFreqFactor;
        double highWavelen = origCtx / highFreqFactor;
        for (int i = 0; i < n; i++) {
            double freq = 1.0 / Math.pow(c.ropeBase(), 2.0 * i / c.ropeDims());
            double wavelen = 2 * Math.PI / freq;
            if (wavelen < highWavelen) {
                out[i] = 1f;
            } else if (wavelen > lowWavelen) {
                out[i] = (float) factor;
            } else {
                double smooth = (origCtx / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                out[i] = (float) (1.0 / ((1 - smooth) / factor + smooth));
            }
        }
        return out;
    }

    /** Wraps matrices, shapes checked by the source, in the kernels' {@link Linear}s. */
    private record Loader(WeightSource m, Kernels kernels) {
        Linear matrix(String name, int rows, int cols) throws FormatException {
            return kernels.linear(m.matrix(name, rows, cols));
        }
    }
}
