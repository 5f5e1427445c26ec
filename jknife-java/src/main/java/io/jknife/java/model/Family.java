package io.jknife.java.model;

import java.util.Locale;
import java.util.Optional;

/** The architectures the Java engine runs, by their GGUF {@code general.architecture}. */
public enum Family {
    LLAMA, QWEN2, QWEN3, GEMMA2, GEMMA3, PHI3;

    /** The GGUF name. */
    public String ggufName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Family> of(String architecture) {
        if (architecture == null) {
            return Optional.empty();
        }
        for (Family f : values()) {
            if (f.ggufName().equals(architecture)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    boolean gemma() {
        return this == GEMMA2 || this == GEMMA3;
    }
}
