package io.jknife.java.grammar;

/**
 * One generation's grammar: which tokens may come next, and the state after the chosen one.
 * Tokens without bytes (control tokens, which produce no text) are never allowed, so the text the
 * engine shows is exactly what the grammar matched. The state after the last tested token is
 * kept, so {@link #accept} after {@link #allows} does not match twice, and so is the state after
 * each ASCII first byte (many tokens share it). {@link #allowedTokens} tests the whole vocabulary
 * in one sweep over shared prefixes. Not thread-safe.
 */
public final class GrammarConstraint {
    private final TokenMatcher matcher;
    private final TokenVocabulary vocabulary;
    private TokenState state;
    private int lastToken = -1;
    private TokenState lastNext;
    private final TokenState[] afterAscii = new TokenState[128];
    private final boolean[] knownAscii = new boolean[128];

    public GrammarConstraint(TokenMatcher matcher, TokenVocabulary vocabulary) {
        this(matcher, vocabulary, matcher.start());
    }

    /** A constraint that starts at {@code state} (of {@code matcher}), as after some text. */
    public GrammarConstraint(TokenMatcher matcher, TokenVocabulary vocabulary, TokenState state) {
        if (state == null) {
            throw new IllegalArgumentException("no state: the grammar refused the text before it");
        }
        this.matcher = matcher;
        this.vocabulary = vocabulary;
        this.state = state;
    }

    /** Whether {@code token} may come next. */
    public boolean allows(int token) {
        return next(token) != null;
    }

    /**
     * Sets {@code allowed[t]} for every token of the vocabulary: one sweep in byte order, where a
     * token matches only the bytes past the prefix it shares with the one before, and every token
     * under a refused prefix is refused without matching.
     */
    public void allowedTokens(boolean[] allowed) {
        int[] order = vocabulary.order();
        int[] shared = vocabulary.sharedPrefix();
        TokenState[] states = new TokenState[vocabulary.longest() + 1];
        states[0] = state;
        int have = 0; // states[0..have] hold the previous token's prefixes
        int dead = Integer.MAX_VALUE; // the previous token's prefix of this length was refused
        for (int i = 0; i < order.length; i++) {
            int t = order[i];
            byte[] b = vocabulary.bytes(t);
            if (b == null) {
                allowed[t] = false;
                have = 0;
                dead = Integer.MAX_VALUE;
                continue;
            }
            int k = shared[i];
            have = Math.min(have, k);
            if (dead <= k) {
                allowed[t] = false; // under the same refused prefix
                continue;
            }
            dead = Integer.MAX_VALUE;
            int d = have;
            while (d < b.length) {
                TokenState n = matcher.advance(states[d], b, d, d + 1);
                if (n == null) {
                    dead = d + 1;
                    break;
                }
                states[++d] = n;
            }
            have = d;
            allowed[t] = dead == Integer.MAX_VALUE;
        }
    }

    /** Commits {@code token}, which must be allowed. */
    public void accept(int token) {
        TokenState n = next(token);
        if (n == null) {
            throw new IllegalStateException("token " + token + " is not allowed by the grammar here");
        }
        state = n;
        lastToken = -1;
        lastNext = null;
        java.util.Arrays.fill(knownAscii, false);
    }

    /** The output so far is a whole sentence of the grammar: the generation may end. */
    public boolean canEnd() {
        return state.canEnd();
    }

    /** The sentence is complete and nothing may follow: the generation must end. */
    public boolean isFinished() {
        return state.isFinished();
    }

    private TokenState next(int token) {
        if (token == lastToken) {
            return lastNext;
        }
        byte[] bytes = vocabulary.bytes(token);
        TokenState n;
        if (bytes == null || bytes.length == 0) {
            n = null;
        } else if (state.needed() == 0 && bytes[0] >= 0) {
            int b = bytes[0];
            if (!knownAscii[b]) {
                afterAscii[b] = matcher.advance(state, new byte[]{(byte) b});
                knownAscii[b] = true;
            }
            TokenState first = afterAscii[b];
            n = first == null ? null : matcher.advance(first, bytes, 1);
        } else {
            n = matcher.advance(state, bytes);
        }
        lastToken = token;
        lastNext = n;
        return n;
    }
}
