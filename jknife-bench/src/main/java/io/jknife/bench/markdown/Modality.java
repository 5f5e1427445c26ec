package io.jknife.bench.markdown;

import java.util.Locale;

/** The rows of the per-model table, in order; records without a modality are Unknown, never dropped. */
enum Modality {
    VISION("Vision"), TEXT("Text"), AUDIO("Audio"), VIDEO("Video"), UNKNOWN("Unknown");

    final String label;

    Modality(String label) {
        this.label = label;
    }

    static Modality of(String value) {
        if (value == null) {
            return UNKNOWN;
        }
        try {
            return valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return UNKNOWN;
        }
    }
}
