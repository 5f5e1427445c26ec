package io.jknife.java.grammar;

/** A grammar that cannot be used: a syntax error, an undefined rule, no {@code root}, left recursion. */
public final class GrammarException extends IllegalArgumentException {
    public GrammarException(String message) {
        super(message);
    }

    /** An error at a place in the grammar text (line and column from 1). */
    static GrammarException at(int line, int column, String message) {
        return new GrammarException("grammar line " + line + ", column " + column + ": " + message);
    }
}
