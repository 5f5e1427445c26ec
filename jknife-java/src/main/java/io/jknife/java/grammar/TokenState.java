package io.jknife.java.grammar;

/**
 * A grammar state plus the bytes of a character not yet complete: a token may end in the middle
 * of a multi-byte UTF-8 character (as llama.cpp's {@code partial_utf8}).
 *
 * @param grammar the grammar after the last whole character
 * @param partial the bits of the pending character decoded so far
 * @param needed  continuation bytes still missing (0: no pending character)
 * @param min     the smallest code point the pending lead byte may encode (overlong forms are refused)
 */
public record TokenState(GrammarState grammar, int partial, int needed, int min) {
    public static TokenState start(GrammarMatcher matcher) {
        return new TokenState(matcher.start(), 0, 0, 0);
    }

    /** The text so far is a whole sentence, with no character half-written. */
    public boolean canEnd() {
        return needed == 0 && grammar.canEnd();
    }

    /** The sentence is complete and nothing may follow it. */
    public boolean isFinished() {
        return needed == 0 && grammar.canEnd() && !grammar.canContinue();
    }
}
