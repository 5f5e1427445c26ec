package io.jknife.java.grammar;

/**
 * Feeds a token's bytes to a {@link GrammarMatcher}: decodes UTF-8 (a character may span tokens),
 * refuses invalid UTF-8 (overlong forms, surrogates, beyond U+10FFFF) since the engine's text
 * could not show it as the grammar saw it, and stops at the first byte the grammar refuses.
 */
public final class TokenMatcher {
    private final GrammarMatcher matcher;

    public TokenMatcher(GrammarMatcher matcher) {
        this.matcher = matcher;
    }

    public GrammarMatcher matcher() {
        return matcher;
    }

    public TokenState start() {
        return TokenState.start(matcher);
    }

    /** The state after {@code bytes}, or null when the grammar (or UTF-8) refuses them. */
    public TokenState advance(TokenState state, byte[] bytes) {
        return advance(state, bytes, 0);
    }

    /** As {@link #advance(TokenState, byte[])} for {@code bytes[from..]}. */
    public TokenState advance(TokenState state, byte[] bytes, int from) {
        return advance(state, bytes, from, bytes.length);
    }

    /** As {@link #advance(TokenState, byte[])} for {@code bytes[from..to)}. */
    public TokenState advance(TokenState state, byte[] bytes, int from, int to) {
        GrammarState g = state.grammar();
        int value = state.partial();
        int needed = state.needed();
        int min = state.min();
        for (int i = from; i < to; i++) {
            int b = bytes[i] & 0xFF;
            int cp;
            if (needed > 0) {
                if ((b & 0xC0) != 0x80) {
                    return null;
                }
                value = (value << 6) | (b & 0x3F);
                if (--needed > 0) {
                    continue;
                }
                if (value < min || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
                    return null;
                }
                cp = value;
            } else if (b < 0x80) {
                cp = b;
            } else {
                if ((b & 0xE0) == 0xC0) {
                    value = b & 0x1F;
                    needed = 1;
                    min = 0x80;
                } else if ((b & 0xF0) == 0xE0) {
                    value = b & 0x0F;
                    needed = 2;
                    min = 0x800;
                } else if ((b & 0xF8) == 0xF0) {
                    value = b & 0x07;
                    needed = 3;
                    min = 0x10000;
                } else {
                    return null;
                }
                continue;
            }
            g = matcher.accept(g, cp);
            if (g.isDead()) {
                return null;
            }
        }
        if (needed > 0) {
            // the character is not whole yet: some completion of it must be acceptable
            int lo = value << (6 * needed);
            int hi = lo | ((1 << (6 * needed)) - 1);
            lo = Math.max(lo, min);
            hi = Math.min(hi, 0x10FFFF);
            if (lo > hi || !matcher.acceptsSomeIn(g, lo, hi)) {
                return null;
            }
        }
        return new TokenState(g, value, needed, needed > 0 ? min : 0);
    }
}
