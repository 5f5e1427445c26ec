package io.jknife.cli.commands;

import io.jknife.whisper.format.ResponseFormat;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The speech-to-text options of {@code run} (picocli mixin): {@code --audio FILE} switches {@code run}
 * to transcription. {@code --temperature} is the command's own option; for audio it defaults to 0.
 */
public final class AudioOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--audio", paramLabel = "FILE", description = "Transcribe this audio file (WAV, MP3, FLAC; others through ffmpeg) with a speech-to-text model.")
    Path audio;

    @Option(names = "--language", paramLabel = "CODE", description = "With --audio: the spoken language (ISO 639-1, e.g. en, de) or auto (default).")
    String language;

    @Option(names = "--translate", description = "With --audio: translate the speech to English.")
    boolean translate;

    @Option(names = "--prompt", paramLabel = "TEXT", description = "With --audio: text that guides the transcription (names, spelling).")
    String prompt;

    @Option(names = "--format", paramLabel = "FORMAT", description = "With --audio: text (default), json, verbose_json, srt or vtt.")
    String format;

    /** Whether {@code run} transcribes. */
    boolean requested() {
        return audio != null;
    }

    /** Audio-only options given without {@code --audio}. */
    List<String> strayOptions() {
        List<String> out = new ArrayList<>();
        if (language != null) {
            out.add("--language");
        }
        if (translate) {
            out.add("--translate");
        }
        if (prompt != null) {
            out.add("--prompt");
        }
        if (format != null) {
            out.add("--format");
        }
        return out;
    }

    /** The output format; {@code text} when not given. */
    ResponseFormat responseFormat() {
        if (format == null) {
            return ResponseFormat.TEXT;
        }
        return ResponseFormat.parse(format).orElseThrow(() -> new IllegalArgumentException(
                "Unknown --format '" + format + "' (use " + ResponseFormat.names() + ")"));
    }

    /** {@code --temperature} when given on the command line, else 0 (the text default does not apply). */
    double temperature() {
        if (spec == null || spec.commandLine() == null || spec.commandLine().getParseResult() == null
                || !spec.commandLine().getParseResult().hasMatchedOption("--temperature")) {
            return 0;
        }
        OptionSpec t = spec.findOption("--temperature");
        return t == null ? 0 : ((Number) t.getValue()).doubleValue();
    }
}
