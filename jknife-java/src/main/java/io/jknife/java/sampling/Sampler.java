package io.jknife.java.sampling;

import io.jknife.engine.SamplingParams;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from logits with the shared {@link SamplingParams}, in llama.cpp's order:
 * repetition penalty over the last {@value #PENALTY_LAST_N} tokens, then (temperature 0) the
 * argmax, or top-k, top-p, min-p, temperature and a draw from the rest with a generator seeded
 * once per generation: the same settings, seed and logits give the same tokens.
 *
 * <p>With a constraint ({@link #sample(float[], int, TokenConstraint)}, a grammar) a drawn token the
 * constraint refuses gets logit -inf and the draw is repeated in the same order; after
 * {@value #CONSTRAINED_TRIES} refusals every refused token of the vocabulary is masked at once, so a
 * narrow constraint costs one pass over the vocabulary instead of a long loop.
 *
 * <p>One instance per generation; it keeps the recent tokens and its scratch arrays.
 */
public final class Sampler {
    /** Tokens of recent context the repeat penalty looks at (llama.cpp's default). */
    public static final int PENALTY_LAST_N = 64;
    /** Draws tried one by one before a constraint is applied to the whole vocabulary. */
    public static final int CONSTRAINED_TRIES = 4;

    private final SamplingParams params;
    private final SplittableRandom random;
    private final int[] recent = new int[PENALTY_LAST_N];
    private int recentCount;
    private int recentNext;
    private long[] order = new long[0];
    private float[] probs = new float[0];
    private boolean[] mask = new boolean[0];

    public Sampler(SamplingParams params) {
        this.params = params;
        this.random = new SplittableRandom(params.seed());
    }

    /** Records a token (prompt or generated) for the repetition penalty. */
    public void accept(int token) {
        recent[recentNext] = token;
        recentNext = (recentNext + 1) % PENALTY_LAST_N;
        recentCount = Math.min(PENALTY_LAST_N, recentCount + 1);
    }

    /** Chooses a token from {@code logits} (which it may change) and records it. */
    public int sample(float[] logits, int vocab) {
        if (params.repeatPenalty() != 1.0) {
            penalize(logits, vocab);
        }
        int token = params.isGreedy() ? argmax(logits, vocab) : draw(logits, vocab);
        accept(token);
        return token;
    }

    /**
     * Chooses a token that {@code allowed} accepts (changing {@code logits}: refused tokens become
     * -inf) and records it; -1 when the constraint accepts no token at all.
     */
    public int sample(float[] logits, int vocab, TokenConstraint allowed) {
        if (params.repeatPenalty() != 1.0) {
            penalize(logits, vocab);
        }
        for (int attempt = 0; attempt < CONSTRAINED_TRIES; attempt++) {
            int token = pick(logits, vocab);
            if (logits[token] == Float.NEGATIVE_INFINITY) {
                break; // everything left was refused
            }
            if (allowed.allows(token)) {
                accept(token);
                return token;
            }
            logits[token] = Float.NEGATIVE_INFINITY;
        }
        if (mask.length < vocab) {
            mask = new boolean[vocab];
        }
        allowed.allowedTokens(mask, vocab);
        boolean any = false;
        for (int i = 0; i < vocab; i++) {
            if (!mask[i]) {
                logits[i] = Float.NEGATIVE_INFINITY;
            } else if (logits[i] != Float.NEGATIVE_INFINITY) {
                any = true;
            }
        }
        if (!any) {
            return -1;
        }
        int token = pick(logits, vocab);
        accept(token);
        return token;
    }

    private int pick(float[] logits, int vocab) {
        return params.isGreedy() ? argmax(logits, vocab) : draw(logits, vocab);
    }

    private void penalize(float[] logits, int vocab) {
        float penalty = (float) params.repeatPenalty();
        int[] seen = Arrays.copyOf(recent, recentCount);
        Arrays.sort(seen);
        for (int i = 0; i < seen.length; i++) {
            int t = seen[i];
            if ((i > 0 && seen[i - 1] == t) || t < 0 || t >= vocab) {
                continue; // each token once, as llama.cpp counts presence
            }
            logits[t] = logits[t] > 0 ? logits[t] / penalty : logits[t] * penalty;
        }
    }

    public static int argmax(float[] logits, int vocab) {
        int best = 0;
        for (int i = 1; i < vocab; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    /** top-k, top-p, min-p, temperature, draw. */
    private int draw(float[] logits, int vocab) {
        int n = sortDescending(logits, vocab, params.topK() > 0 ? Math.min(params.topK(), vocab) : vocab);
        while (n > 1 && logitOf(logits, n - 1) == Float.NEGATIVE_INFINITY) {
            n--; // masked by a constraint: never drawn
        }
        // top-p on the softmax of the (remaining) logits, at temperature 1 as llama.cpp does
        if (params.topP() < 1.0) {
            softmax(logits, n);
            double cum = 0;
            int keep = n;
            for (int i = 0; i < n; i++) {
                cum += probs[i];
                if (cum >= params.topP()) {
                    keep = i + 1;
                    break;
                }
            }
            n = keep;
        }
        if (params.minP() > 0) {
            float floor = logitOf(logits, 0) + (float) Math.log(params.minP());
            int keep = 1;
            while (keep < n && logitOf(logits, keep) >= floor) {
                keep++;
            }
            n = keep;
        }
        float inv = (float) (1.0 / params.temperature());
        double max = logitOf(logits, 0) * inv;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double e = Math.exp(logitOf(logits, i) * inv - max);
            probs[i] = (float) e;
            sum += e;
        }
        double r = random.nextDouble() * sum;
        double acc = 0;
        for (int i = 0; i < n; i++) {
            acc += probs[i];
            if (r < acc) {
                return tokenOf(i);
            }
        }
        return tokenOf(n - 1);
    }

    /** Sorts the top {@code k} token ids by logit, descending, into {@link #order}; returns k. */
    private int sortDescending(float[] logits, int vocab, int k) {
        if (order.length < vocab) {
            order = new long[vocab];
            probs = new float[vocab];
        }
        for (int i = 0; i < vocab; i++) {
            // ascending order of (key, id) where key grows as the logit falls: ties go to the lower id
            order[i] = ((long) ~sortable(logits[i]) << 32) | i;
        }
        if (k < vocab) {
            selectSmallest(order, vocab, k);
        }
        Arrays.sort(order, 0, k);
        return k;
    }

    /** Moves the k smallest of a[0, n) to a[0, k) (quickselect). */
    private static void selectSmallest(long[] a, int n, int k) {
        int lo = 0, hi = n - 1;
        while (lo < hi) {
            long pivot = a[(lo + hi) >>> 1];
            int i = lo, j = hi;
            while (i <= j) {
                while (a[i] < pivot) {
                    i++;
                }
                while (a[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    long t = a[i];
                    a[i] = a[j];
                    a[j] = t;
                    i++;
                    j--;
                }
            }
            if (k - 1 <= j) {
                hi = j;
            } else if (k - 1 >= i) {
                lo = i;
            } else {
                return;
            }
        }
    }

    private void softmax(float[] logits, int n) {
        double max = logitOf(logits, 0);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double e = Math.exp(logitOf(logits, i) - max);
            probs[i] = (float) e;
            sum += e;
        }
        for (int i = 0; i < n; i++) {
            probs[i] = (float) (probs[i] / sum);
        }
    }

    private int tokenOf(int rank) {
        return (int) order[rank];
    }

    private float logitOf(float[] logits, int rank) {
        return logits[tokenOf(rank)];
    }

    /** An int that orders as the float does. */
    private static int sortable(float f) {
        int b = Float.floatToIntBits(f);
        return b >= 0 ? b : b ^ Integer.MAX_VALUE;
    }
}
