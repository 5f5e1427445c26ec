package io.jknife.java.grammar;

import java.util.List;

/**
 * Where a {@link GrammarMatcher} stands after some text: the stacks that can go on, and whether
 * the text so far is a complete sentence. Immutable.
 */
public final class GrammarState {
    final List<GrammarMatcher.Frame> stacks;
    private final boolean complete;

    GrammarState(List<GrammarMatcher.Frame> stacks, boolean complete) {
        this.stacks = stacks;
        this.complete = complete;
    }

    /** The text so far is a whole sentence of the grammar. */
    public boolean canEnd() {
        return complete;
    }

    /** Some character may follow. */
    public boolean canContinue() {
        return !stacks.isEmpty();
    }

    /** Neither: the last character was not accepted. */
    public boolean isDead() {
        return !complete && stacks.isEmpty();
    }

    @Override
    public String toString() {
        return "GrammarState[stacks=" + stacks.size() + ", canEnd=" + complete + "]";
    }
}
