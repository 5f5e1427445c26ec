package io.jknife.java.model;

import io.jknife.java.weights.Linear;

/**
 * The weights of one transformer block. Exactly one of {@code qkv} and ({@code q}, {@code k},
 * {@code v}) is set, and one of {@code gateUp} and ({@code gate}, {@code up}); optional parts are null.
 */
record LayerWeights(float[] attnNorm,
                    Linear q, Linear k, Linear v, Linear qkv,
                    float[] qBias, float[] kBias, float[] vBias,
                    float[] qNorm, float[] kNorm,
                    Linear out, float[] outBias, float[] postAttnNorm,
                    float[] ffnNorm,
                    Linear gate, Linear up, Linear gateUp, Linear down,
                    float[] postFfnNorm) {
}
