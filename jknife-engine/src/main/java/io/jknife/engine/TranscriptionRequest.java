package io.jknife.engine;

/**
 * One speech-to-text request.
 *
 * @param language    ISO 639-1 code of the spoken language, or null for automatic detection
 * @param translate   translate to English instead of transcribing
 * @param prompt      text that conditions the first window (names, spelling), or null
 * @param temperature sampling temperature; 0 is greedy decoding (the engine falls back to higher
 *                    temperatures on its own when a window decodes badly)
 * @param timestamps  whether segments need timestamps (false lets the engine skip them)
 * @param threads     CPU threads; 0 means one per available core
 */
public record TranscriptionRequest(String language, boolean translate, String prompt, double temperature,
                                   boolean timestamps, int threads) {
    public static final String AUTO = "auto";

    public TranscriptionRequest {
        if (language != null && (language.isBlank() || language.equalsIgnoreCase(AUTO))) {
            language = null;
        }
        if (language != null) {
            language = language.strip().toLowerCase(java.util.Locale.ROOT);
        }
        if (prompt != null && prompt.isBlank()) {
            prompt = null;
        }
        if (!(temperature >= 0 && temperature <= 1)) {
            throw new IllegalArgumentException("temperature must be between 0 and 1, got " + temperature);
        }
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be >= 0, got " + threads);
        }
    }

    /** Transcription with automatic language detection, greedy, with timestamps. */
    public static TranscriptionRequest defaults() {
        return new TranscriptionRequest(null, false, null, 0, true, 0);
    }

    public TranscriptionRequest withLanguage(String code) {
        return new TranscriptionRequest(code, translate, prompt, temperature, timestamps, threads);
    }

    public TranscriptionRequest withTranslate(boolean on) {
        return new TranscriptionRequest(language, on, prompt, temperature, timestamps, threads);
    }

    public TranscriptionRequest withPrompt(String text) {
        return new TranscriptionRequest(language, translate, text, temperature, timestamps, threads);
    }

    public TranscriptionRequest withTemperature(double t) {
        return new TranscriptionRequest(language, translate, prompt, t, timestamps, threads);
    }

    public TranscriptionRequest withThreads(int n) {
        return new TranscriptionRequest(language, translate, prompt, temperature, timestamps, n);
    }

    public int effectiveThreads() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }
}
