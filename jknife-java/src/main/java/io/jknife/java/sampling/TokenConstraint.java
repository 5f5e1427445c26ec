package io.jknife.java.sampling;

/** Which tokens may be sampled next (a grammar): tested one by one, or for the whole vocabulary at once. */
@FunctionalInterface
public interface TokenConstraint {
    boolean allows(int token);

    /** Sets {@code allowed[t]} for every {@code t < vocab}; a constraint with a faster sweep overrides this. */
    default void allowedTokens(boolean[] allowed, int vocab) {
        for (int t = 0; t < vocab; t++) {
            allowed[t] = allows(t);
        }
    }
}
