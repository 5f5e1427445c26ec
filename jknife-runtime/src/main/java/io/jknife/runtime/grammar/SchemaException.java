package io.jknife.runtime.grammar;

/** A JSON schema that cannot be turned into a grammar: the message names the place and the reason. */
public final class SchemaException extends Exception {
    public SchemaException(String message) {
        super(message);
    }
}
