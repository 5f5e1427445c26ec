package io.jknife.store.probe;

import com.fasterxml.jackson.annotation.JsonValue;

/** What a model can do, in the words of the JSON contract. */
public enum Capability {
    TEXT_GENERATION("text-generation"),
    CHAT("chat"),
    VISION("vision"),
    AUDIO("audio"),
    AUDIO_TRANSLATE_EN("audio-translate-en"),
    EMBEDDINGS("embeddings");

    private final String word;

    Capability(String word) {
        this.word = word;
    }

    @JsonValue
    public String word() {
        return word;
    }

    @Override
    public String toString() {
        return word;
    }
}
