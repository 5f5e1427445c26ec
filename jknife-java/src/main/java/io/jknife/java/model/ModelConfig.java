package io.jknife.java.model;

import io.jknife.formats.FormatException;
import io.jknife.formats.gguf.GgufFile;

import java.util.Locale;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * The hyper-parameters of a model, from its GGUF metadata only, with llama.cpp's defaults and
 * per-architecture rules (which layers use the sliding window, the query scale, soft-capping).
 *
 * @param family         the architecture
 * @param dim            hidden size ({@code embedding_length})
 * @param layers         {@code block_count}
 * @param heads          attention heads
 * @param kvHeads        key/value heads (grouped-query attention)
 * @param headDimK       per-head key size ({@code attention.key_length}, default dim / heads)
 * @param headDimV       per-head value size ({@code attention.value_length})
 * @param ffn            feed-forward size
 * @param contextLength  training context ({@code context_length})
 * @param rmsEps         {@code attention.layer_norm_rms_epsilon}
 * @param ropeDims       rotated dimensions per head ({@code rope.dimension_count})
 * @param ropeBase       {@code rope.freq_base}
 * @param ropeScale      position scale ({@code 1 / rope.scaling.factor} for linear scaling, else 1)
 * @param ropeBaseLocal  the base of sliding-window layers (gemma3 uses 10000 there)
 * @param ropeScaleLocal the position scale of sliding-window layers
 * @param ropeAttnFactor multiplier of cos/sin ({@code rope.scaling.attn_factor}, phi3 long-rope)
 * @param neoxRope       rotate pairs (i, i + d/2) instead of (2i, 2i + 1)
 * @param queryScale     factor on q·k before soft-capping and softmax
 * @param attnSoftcap    attention logit soft-cap, 0 for none
 * @param finalSoftcap   output logit soft-cap, 0 for none
 * @param slidingWindow  window of the sliding layers (a key is visible while query pos - key pos < window); 0 for none
 * @param sliding        per layer: whether it uses the sliding window
 * @param embedScale     factor on the token embeddings (sqrt(dim) for gemma)
 * @param gelu           GELU (tanh) gating instead of SiLU
 */
public record ModelConfig(Family family, int dim, int layers, int heads, int kvHeads, int headDimK, int headDimV,
                          int ffn, int contextLength, float rmsEps, int ropeDims, float ropeBase, float ropeScale,
                          float ropeBaseLocal, float ropeScaleLocal, float ropeAttnFactor, boolean neoxRope,
                          float queryScale, float attnSoftcap, float finalSoftcap, int slidingWindow,
                          boolean[] sliding, float embedScale, boolean gelu) {

    public int qDim() {
        return heads * headDimK;
    }

    public int kvDim() {
        return kvHeads * headDimK;
    }

    public int vDim() {
        return kvHeads * headDimV;
    }

    public int attnOutDim() {
        return heads * headDimV;
    }

    /** Reads the config of {@code f}; one clear error for what is missing, unsupported or inconsistent. */
    public static ModelConfig from(GgufFile f) throws FormatException {
        String arch = f.architecture();
        Family family = Family.of(arch).orElseThrow(() -> new FormatException(
                "architecture '" + arch + "' is not supported by the Java engine (llama, qwen2, qwen3, gemma2, gemma3, phi3)"));
        Keys k = new Keys(f, arch);
        int dim = k.requiredInt("embedding_length");
        int layers = k.requiredInt("block_count");
        int heads = k.requiredInt("attention.head_count");
        int kvHeads = k.optInt("attention.head_count_kv", heads);
        int ffn = k.requiredInt("feed_forward_length");
        if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0) {
            throw new FormatException(arch + ": " + heads + " heads cannot share " + kvHeads + " key/value heads");
        }
        if (dim % heads != 0 && !f.metadata().containsKey(arch + ".attention.key_length")) {
            throw new FormatException(arch + ": embedding length " + dim + " is not a multiple of " + heads + " heads");
        }
        int headDimK = k.optInt("attention.key_length", dim / heads);
        int headDimV = k.optInt("attention.value_length", headDimK);
        if (headDimV != headDimK) {
            throw new FormatException(arch + ": key length " + headDimK + " and value length " + headDimV
                    + " differ, which the Java engine does not support");
        }
        int contextLength = k.optInt("context_length", 4096);
        float eps = (float) k.optDouble("attention.layer_norm_rms_epsilon", 1e-5);
        int ropeDims = k.optInt("rope.dimension_count", headDimK);
        if (ropeDims > headDimK || ropeDims % 2 != 0) {
            throw new FormatException(arch + ": rope dimension count " + ropeDims + " does not fit heads of " + headDimK);
        }
        float ropeBase = (float) k.optDouble("rope.freq_base", 10_000);
        float ropeScale = 1f;
        String scaling = f.string(arch + ".rope.scaling.type").orElse("none").toLowerCase(Locale.ROOT);
        double factor = k.optDouble("rope.scaling.factor", k.optDouble("rope.scale_linear", 1.0));
        switch (scaling) {
            case "none", "llama3", "longrope", "su" -> { }
            case "linear" -> ropeScale = factor > 0 ? (float) (1.0 / factor) : 1f;
            default -> throw new FormatException(arch + ": rope scaling '" + scaling
                    + "' is not supported by the Java engine (none, linear, llama3 factors, phi3 long/short factors)");
        }
        if (scaling.equals("none") && f.metadata().containsKey(arch + ".rope.scale_linear") && factor > 0) {
            ropeScale = (float) (1.0 / factor);
        }
        float attnFactor = (float) k.optDouble("rope.scaling.attn_factor", 1.0);

        boolean neox = family != Family.LLAMA;
        float queryScale = (float) (1.0 / Math.sqrt(headDimK));
        float attnSoftcap = 0;
        float finalSoftcap = 0;
        int window = 0;
        boolean[] sliding = new boolean[layers];
        float ropeBaseLocal = ropeBase;
        float ropeScaleLocal = ropeScale;
        switch (family) {
            case GEMMA2 -> {
                window = k.optInt("attention.sliding_window", 4096);
                attnSoftcap = (float) k.optDouble("attn_logit_softcapping", 50.0);
                finalSoftcap = (float) k.optDouble("final_logit_softcapping", 30.0);
                for (int i = 0; i < layers; i++) {
                    sliding[i] = i % 2 == 0;
                }
                if (layers == 46) { // 27B: llama.cpp scales by the hidden size per head
                    queryScale = (float) (1.0 / Math.sqrt((double) dim / heads));
                }
            }
            case GEMMA3 -> {
                window = k.requiredInt("attention.sliding_window");
                attnSoftcap = (float) k.optDouble("attn_logit_softcapping", 0.0);
                finalSoftcap = (float) k.optDouble("final_logit_softcapping", 0.0);
                for (int i = 0; i < layers; i++) {
                    sliding[i] = i % 6 < 5;
                }
                ropeBaseLocal = 10_000f;
                ropeScaleLocal = 1f;
                if (layers == 62) { // 27B
                    queryScale = (float) (1.0 / Math.sqrt((double) dim / heads));
                }
            }
            case PHI3 -> {
                // llama.cpp slides every phi3 layer; older conversions lack the key and get its defaults
                int dflt = (layers == 32 || layers == 40) && contextLength == 4096 ? 2047
                        : layers == 32 && kvHeads == 32 && contextLength == 131072 ? 262144
                        : layers == 40 && contextLength == 131072 ? 131072 : 0;
                window = k.optInt("attention.sliding_window", dflt);
                java.util.Arrays.fill(sliding, true);
            }
            default -> { }
        }
        float embedScale = family.gemma() ? (float) Math.sqrt(dim) : 1f;
        return new ModelConfig(family, dim, layers, heads, kvHeads, headDimK, headDimV, ffn, contextLength, eps,
                ropeDims, ropeBase, ropeScale, ropeBaseLocal, ropeScaleLocal, attnFactor, neox, queryScale,
                attnSoftcap, finalSoftcap, window, sliding, embedScale, family.gemma());
    }

    /** This config with another rotary pairing and query scale (what a Hugging Face checkpoint states). */
    public ModelConfig withAttention(boolean neox, float scale) {
        return new ModelConfig(family, dim, layers, heads, kvHeads, headDimK, headDimV, ffn, contextLength, rmsEps,
                ropeDims, ropeBase, ropeScale, ropeBaseLocal, ropeScaleLocal, ropeAttnFactor, neox, scale,
                attnSoftcap, finalSoftcap, slidingWindow, sliding, embedScale, gelu);
    }

    /** Whether layer {@code l} attends only to the last {@link #slidingWindow} positions. */
    public boolean isSliding(int l) {
        return slidingWindow > 0 && sliding[l];
    }

    /** Architecture-scoped keys with one error style. */
    private record Keys(GgufFile f, String arch) {
        int requiredInt(String suffix) throws FormatException {
            OptionalLong v = f.integer(arch + "." + suffix);
            if (v.isEmpty()) {
                throw new FormatException("missing metadata " + arch + "." + suffix);
            }
            return positive(suffix, v.getAsLong());
        }

        int optInt(String suffix, int dflt) throws FormatException {
            OptionalLong v = f.integer(arch + "." + suffix);
            return v.isEmpty() ? dflt : positive(suffix, v.getAsLong());
        }

        double optDouble(String suffix, double dflt) {
            OptionalDouble v = f.number(arch + "." + suffix);
            return v.isEmpty() ? dflt : v.getAsDouble();
        }

        private int positive(String suffix, long v) throws FormatException {
            if (v <= 0 || v > 1 << 24) {
                throw new FormatException(arch + "." + suffix + " = " + v + " is out of range");
            }
            return (int) v;
        }
    }
}
