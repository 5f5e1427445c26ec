package io.jknife.whisper;

import java.util.List;

/**
 * The language codes whisper.cpp 1.7.1 knows, in its order (the position is the language's token
 * offset). Checked in Java: whisper.cpp maps an unknown code to id -1 and builds a bad prompt from it.
 */
public final class WhisperLanguages {
    private static final List<String> CODES = List.of(
            "en", "zh", "de", "es", "ru", "ko", "fr", "ja", "pt", "tr", "pl", "ca", "nl", "ar", "sv", "it", "id", "hi",
            "fi", "vi", "he", "uk", "el", "ms", "cs", "ro", "da", "hu", "ta", "no", "th", "ur", "hr", "bg", "lt", "la",
            "mi", "ml", "cy", "sk", "te", "fa", "lv", "bn", "sr", "az", "sl", "kn", "et", "mk", "br", "eu", "is", "hy",
            "ne", "mn", "bs", "kk", "sq", "sw", "gl", "mr", "pa", "si", "km", "sn", "yo", "so", "af", "oc", "ka", "be",
            "tg", "sd", "gu", "am", "yi", "lo", "uz", "fo", "ht", "ps", "tk", "nn", "mt", "sa", "lb", "my", "bo", "tl",
            "mg", "as", "tt", "haw", "ln", "ha", "ba", "jw", "su", "yue");

    private WhisperLanguages() {
    }

    /**
     * Codes a model with {@code languageCount} language tokens accepts (99 before large-v3, 100
     * from it: {@code yue} would otherwise land on another special token).
     */
    public static List<String> codes(int languageCount) {
        return CODES.subList(0, Math.min(languageCount, CODES.size()));
    }

    /** Whether {@code code} is one of the first {@code languageCount} codes. */
    public static boolean known(String code, int languageCount) {
        return code != null && codes(languageCount).contains(code);
    }
}
