package io.jknife.tokenizer;

/** A piece of the input: plain text still to tokenize, or a special token already found in it. */
record Fragment(String text, int token) {
    static Fragment text(String s) {
        return new Fragment(s, -1);
    }

    static Fragment token(int id) {
        return new Fragment(null, id);
    }

    boolean isText() {
        return text != null;
    }
}
