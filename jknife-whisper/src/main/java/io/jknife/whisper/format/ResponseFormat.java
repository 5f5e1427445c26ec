package io.jknife.whisper.format;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** The output formats of a transcription, as OpenAI's {@code response_format} names them. */
public enum ResponseFormat {
    JSON("json", "application/json"),
    TEXT("text", "text/plain; charset=utf-8"),
    VERBOSE_JSON("verbose_json", "application/json"),
    SRT("srt", "application/x-subrip; charset=utf-8"),
    VTT("vtt", "text/vtt; charset=utf-8");

    private final String word;
    private final String contentType;

    ResponseFormat(String word, String contentType) {
        this.word = word;
        this.contentType = contentType;
    }

    /** The name as OpenAI writes it, e.g. {@code verbose_json}. */
    public String word() {
        return word;
    }

    /** The HTTP content type of the formatted text. */
    public String contentType() {
        return contentType;
    }

    /** The format named {@code word} (case-insensitive), or empty. */
    public static Optional<ResponseFormat> parse(String word) {
        if (word == null) {
            return Optional.empty();
        }
        String w = word.strip().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(f -> f.word.equals(w)).findFirst();
    }

    /** The names, comma-separated, for error messages. */
    public static String names() {
        return String.join(", ", Arrays.stream(values()).map(ResponseFormat::word).toList());
    }

    @Override
    public String toString() {
        return word;
    }
}
