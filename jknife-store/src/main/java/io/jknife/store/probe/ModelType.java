package io.jknife.store.probe;

import com.fasterxml.jackson.annotation.JsonValue;

/** The contract's {@code model_type}. */
public enum ModelType {
    CHAT, BASE, AUDIO, EMBEDDING;

    @JsonValue
    public String word() {
        return name().toLowerCase();
    }

    @Override
    public String toString() {
        return word();
    }
}
