package io.jknife.server;

import io.javalin.http.Context;
import io.jknife.audio.AudioException;
import io.jknife.engine.EngineException;
import io.jknife.engine.Transcription;
import io.jknife.engine.TranscriptionRequest;
import io.jknife.whisper.Transcriber;
import io.jknife.whisper.format.ResponseFormat;
import io.jknife.whisper.format.TranscriptFormatter;

import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * OpenAI's audio endpoints: {@code POST /v1/audio/transcriptions} and {@code /v1/audio/translations},
 * {@code multipart/form-data} with {@code file}, {@code model}, {@code language}, {@code prompt},
 * {@code temperature}, {@code response_format} and {@code timestamp_granularities[]}. The upload goes
 * to a temporary file (at most {@value #MAX_FILE_BYTES} bytes, 413 beyond), deleted when the request ends.
 */
final class AudioEndpoints {
    /** OpenAI's limit per uploaded file. */
    static final long MAX_FILE_BYTES = 50L * 1024 * 1024;
    private static final int MAX_FIELD_BYTES = 64 * 1024;
    /** Room for the text fields and multipart framing around a file of the maximum size. */
    private static final long FORM_OVERHEAD = 1024 * 1024;
    private static final Set<String> TEXT_FIELDS = Set.of("model", "language", "prompt", "temperature",
            "response_format", "timestamp_granularities[]", "timestamp_granularities");

    private final ModelManager models;
    private final ServerConfig config;
    private final Consumer<String> log;

    AudioEndpoints(ModelManager models, ServerConfig config, Consumer<String> log) {
        this.models = models;
        this.config = config;
        this.log = log;
    }

    void transcriptions(Context ctx) throws Exception {
        handle(ctx, false);
    }

    void translations(Context ctx) throws Exception {
        handle(ctx, true);
    }

    private void handle(Context ctx, boolean translate) throws Exception {
        String contentType = ctx.header("Content-Type");
        MultipartForm.boundary(contentType); // 400 before reading anything
        long declared = ctx.req().getContentLengthLong();
        if (declared > MAX_FILE_BYTES + FORM_OVERHEAD) {
            throw new ApiException(413, "invalid_request_error", "file_too_large", "file",
                    "The request body (" + declared + " bytes) exceeds the limit of " + MAX_FILE_BYTES + " bytes per file", null);
        }
        MultipartForm read;
        try {
            read = MultipartForm.read(ctx.req().getInputStream(), contentType, MAX_FILE_BYTES, MAX_FIELD_BYTES);
        } catch (IOException e) {
            throw ApiException.badRequest("Could not read the request body: " + e.getMessage());
        }
        try (MultipartForm form = read) {
            Request r = request(form, translate);
            ModelManager.Resolved resolved = models.resolveSpeech(r.model(), r.transcription());
            float[] samples;
            try {
                samples = Transcriber.decode(r.file().path());
            } catch (AudioException e) {
                throw new ApiException(400, "invalid_request_error", "invalid_audio", "file",
                        "Could not decode the audio file '" + r.file().filename() + "': " + e.getMessage(), null);
            }
            Transcription t;
            try (ModelManager.SpeechLease lease = models.acquireSpeech(resolved)) {
                t = lease.model().transcribe(samples, r.transcription());
            } catch (EngineException e) {
                throw new ApiException(500, "server_error", "transcription_failed", null,
                        "Model '" + resolved.id() + "' failed to transcribe: " + e.getMessage(), null);
            }
            log.accept((translate ? "translated " : "transcribed ") + String.format("%.1f", t.duration()) + " s of audio with "
                    + resolved.id() + " in " + Math.round(t.millis()) + " ms");
            ctx.contentType(r.format().contentType()).result(TranscriptFormatter.format(t, r.format()));
        }
    }

    /** The checked form fields of one request. */
    private record Request(MultipartForm.Part file, String model, ResponseFormat format, TranscriptionRequest transcription) {
    }

    private Request request(MultipartForm form, boolean translate) {
        List<MultipartForm.Part> files = form.all("file");
        if (files.isEmpty()) {
            throw invalid("file", "'file' is required: upload the audio as a multipart file part");
        }
        if (files.size() > 1) {
            throw invalid("file", "Exactly one 'file' is accepted (got " + files.size() + ")");
        }
        MultipartForm.Part file = files.getFirst();
        if (!file.isFile()) {
            throw invalid("file", "'file' must be a file upload (a part with a filename), not a text field");
        }
        if (file.size() == 0) {
            throw invalid("file", "The uploaded file '" + file.filename() + "' is empty");
        }
        for (MultipartForm.Part p : form.parts()) {
            if (p.isFile() && TEXT_FIELDS.contains(p.name())) {
                throw invalid(p.name(), "'" + p.name() + "' must be a text field, not a file");
            }
        }
        String model = text(form, "model");
        if (model == null || model.isBlank()) {
            model = config.defaultModel();
        }
        if (model == null || model.isBlank()) {
            throw invalid("model", "'model' is required");
        }
        String formatWord = text(form, "response_format");
        ResponseFormat format = formatWord == null || formatWord.isBlank() ? ResponseFormat.JSON
                : ResponseFormat.parse(formatWord).orElseThrow(() -> invalid("response_format",
                "Unsupported response_format '" + formatWord + "' (use " + ResponseFormat.names() + ")"));
        for (String g : granularities(form)) {
            if (!g.equals("segment")) {
                throw invalid("timestamp_granularities[]",
                        "Unsupported timestamp granularity '" + g + "' (only 'segment' is available)");
            }
        }
        double temperature = 0;
        String t = text(form, "temperature");
        if (t != null && !t.isBlank()) {
            try {
                temperature = Double.parseDouble(t.strip());
            } catch (NumberFormatException e) {
                throw invalid("temperature", "'temperature' must be a number between 0 and 1 (got '" + t + "')");
            }
            if (!(temperature >= 0 && temperature <= 1)) {
                throw invalid("temperature", "'temperature' must be between 0 and 1 (got " + t.strip() + ")");
            }
        }
        String language = text(form, "language");
        TranscriptionRequest req = new TranscriptionRequest(language, translate, text(form, "prompt"), temperature, true,
                config.threads());
        return new Request(file, model.strip(), format, req);
    }

    /** A bad form field: 400 as OpenAI answers (not 422). */
    private static ApiException invalid(String param, String message) {
        return new ApiException(400, "invalid_request_error", "invalid_value", param, message, null);
    }

    /** A text field given at most once; null when absent. */
    private static String text(MultipartForm form, String name) {
        List<MultipartForm.Part> ps = form.all(name);
        if (ps.size() > 1) {
            throw invalid(name, "'" + name + "' is given " + ps.size() + " times");
        }
        return ps.isEmpty() ? null : ps.getFirst().text();
    }

    private static List<String> granularities(MultipartForm form) {
        List<MultipartForm.Part> ps = new java.util.ArrayList<>(form.all("timestamp_granularities[]"));
        ps.addAll(form.all("timestamp_granularities"));
        return ps.stream().map(p -> p.text().strip()).filter(s -> !s.isEmpty()).toList();
    }
}
