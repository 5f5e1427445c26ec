package io.jknife.llamacpp;

import io.jknife.llamacpp.ffi.LlamaNative;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Raw logits from llama.cpp, as the reference other engines are checked against: the logits at
 * every position of a prompt, and a greedy (argmax) continuation. Each call starts from an empty
 * KV cache and leaves it empty; it waits for a running generation to end.
 */
public final class LlamaCppLogits {
    private LlamaCppLogits() {
    }

    /**
     * The logits after each token of {@code tokens}, in one batch from an empty cache:
     * {@code result[i]} predicts the token after {@code tokens[i]}.
     *
     * @throws IllegalArgumentException when the tokens do not fit the context or a batch
     */
    public static float[][] everyPosition(LlamaCppModel model, int[] tokens) {
        check(model, tokens);
        return model.withEmptyContext((nat, ctx, vocab) -> {
            try (Arena a = Arena.ofConfined()) {
                decode(nat, ctx, a, tokens, true);
                float[][] out = new float[tokens.length][];
                for (int i = 0; i < tokens.length; i++) {
                    out[i] = logits(nat, ctx, i, vocab);
                }
                return out;
            }
        });
    }

    /**
     * The {@code count} tokens greedy decoding appends to {@code prompt} (the argmax of the logits
     * at each step, end-of-generation tokens included as any other token).
     */
    public static int[] greedy(LlamaCppModel model, int[] prompt, int count) {
        check(model, prompt);
        if (prompt.length + count > model.contextSize()) {
            throw new IllegalArgumentException("prompt and continuation exceed the context of " + model.contextSize());
        }
        return model.withEmptyContext((nat, ctx, vocab) -> {
            try (Arena a = Arena.ofConfined()) {
                int[] out = new int[count];
                decode(nat, ctx, a, prompt, false);
                for (int i = 0; i < count; i++) {
                    out[i] = argmax(logits(nat, ctx, -1, vocab));
                    if (i + 1 < count) {
                        decode(nat, ctx, a, new int[]{out[i]}, false);
                    }
                }
                return out;
            }
        });
    }

    private static void check(LlamaCppModel model, int[] tokens) {
        if (tokens.length == 0 || tokens.length > model.contextSize()) {
            throw new IllegalArgumentException(tokens.length + " tokens do not fit a context of " + model.contextSize());
        }
        for (int t : tokens) {
            if (t < 0 || t >= model.vocabularySize()) {
                throw new IllegalArgumentException("token id " + t + " is outside the vocabulary");
            }
        }
    }

    /** Decodes {@code tokens} after what the cache holds; {@code all}: logits for every token, else the last. */
    private static void decode(LlamaNative nat, MemorySegment ctx, Arena a, int[] tokens, boolean all) {
        MemorySegment batch = a.allocate(LlamaNative.BATCH);
        MemorySegment ids = a.allocateFrom(JAVA_INT, tokens);
        MemorySegment flags = a.allocate(tokens.length);
        for (int i = 0; i < tokens.length; i++) {
            flags.set(JAVA_BYTE, i, (byte) (all || i == tokens.length - 1 ? 1 : 0));
        }
        LlamaNative.fillBatch(batch, ids, flags, tokens.length);
        int rc = nat.decode(ctx, batch);
        if (rc != 0) {
            throw new IllegalStateException("llama_decode returned " + rc + " for " + tokens.length + " tokens");
        }
    }

    private static float[] logits(LlamaNative nat, MemorySegment ctx, int i, int vocab) {
        MemorySegment p = nat.logitsIth(ctx, i);
        if (p.equals(MemorySegment.NULL)) {
            throw new IllegalStateException("llama.cpp has no logits for batch index " + i);
        }
        return p.reinterpret((long) vocab * Float.BYTES).toArray(JAVA_FLOAT);
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
