package io.jknife.cli.commands;

import io.jknife.audio.AudioException;
import io.jknife.cli.CommandFailure;
import io.jknife.cli.Context;
import io.jknife.engine.EngineException;
import io.jknife.engine.LoadOptions;
import io.jknife.engine.SpeechEngineCatalog;
import io.jknife.engine.SpeechModel;
import io.jknife.engine.Transcription;
import io.jknife.engine.TranscriptionRequest;
import io.jknife.store.ModelEntry;
import io.jknife.store.ModelInfo;
import io.jknife.whisper.SpeechPreflight;
import io.jknife.whisper.Transcriber;
import io.jknife.whisper.format.ResponseFormat;
import io.jknife.whisper.format.TranscriptFormatter;

import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code run MODEL --audio FILE}: checks the request against the model's metadata (refusing before
 * loading), decodes the audio, loads the speech model, transcribes and prints the result in
 * {@code --format} (or returns the {@code --json} envelope's data).
 */
final class AudioRun {
    private final Context ctx;
    private final AudioOptions audio;
    private final EngineOptions engineOptions;
    private final boolean json;

    AudioRun(Context ctx, AudioOptions audio, EngineOptions engineOptions, boolean json) {
        this.ctx = ctx;
        this.audio = audio;
        this.engineOptions = engineOptions;
        this.json = json;
    }

    /** Runs the transcription; returns the envelope's data with {@code --json}, else prints and returns null. */
    Object run(String model, List<String> words) {
        if (!words.isEmpty()) {
            throw failure("--audio takes no prompt words (got '" + String.join(" ", words) + "'); use --prompt TEXT to guide the transcription");
        }
        ResponseFormat format;
        TranscriptionRequest request;
        LoadOptions loadOptions;
        try {
            format = audio.responseFormat();
            loadOptions = engineOptions.loadOptions();
            request = new TranscriptionRequest(audio.language, audio.translate, audio.prompt, audio.temperature(), true,
                    loadOptions.threads());
        } catch (IllegalArgumentException e) {
            throw failure(e.getMessage());
        }
        if (!Files.isRegularFile(audio.audio)) {
            throw failure("Audio file not found: " + audio.audio);
        }
        ModelEntry entry;
        try {
            entry = Resolve.one(ctx.store(), model);
        } catch (CommandFailure f) {
            throw failure(f.getMessage());
        }
        ModelInfo info = engineOptions.catalog(ctx.catalog()).describe(entry);
        SpeechPreflight.check(model, info, request).ifPresent(reason -> {
            throw failure(reason);
        });
        float[] samples;
        try {
            samples = Transcriber.decode(audio.audio);
        } catch (AudioException e) {
            throw failure("Cannot read " + audio.audio.getFileName() + ": " + e.getMessage());
        }
        Transcription t;
        try (SpeechModel m = Transcriber.load(info, SpeechEngineCatalog.discover(), loadOptions)) {
            t = m.transcribe(samples, request);
        } catch (EngineException e) {
            throw failure(e.getMessage());
        }
        if (json) {
            return data(model, format, t);
        }
        ctx.out().print(TranscriptFormatter.format(t, format) + (format == ResponseFormat.JSON || format == ResponseFormat.VERBOSE_JSON ? "\n" : ""));
        ctx.out().flush();
        return null;
    }

    private Map<String, Object> data(String model, ResponseFormat format, Transcription t) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("model", model);
        d.put("audio", audio.audio.toString());
        d.put("format", format.word());
        TranscriptFormatter.json(t, true).properties().forEach(e -> d.put(e.getKey(), e.getValue()));
        d.put("formatted", format == ResponseFormat.JSON || format == ResponseFormat.VERBOSE_JSON ? null
                : TranscriptFormatter.format(t, format));
        d.put("processing_ms", Math.round(t.millis() * 10) / 10.0);
        d.put("real_time_factor", Math.round(t.realTimeFactor() * 10000) / 10000.0);
        return d;
    }

    private static CommandFailure failure(String message) {
        return new CommandFailure("execution_error", message);
    }
}
