package io.jknife.whisper.format;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jknife.engine.Segment;
import io.jknife.engine.Transcription;

import java.io.UncheckedIOException;
import java.util.Locale;

/**
 * Writes a {@link Transcription} in OpenAI's response formats; shared by {@code run --audio} and
 * the server so both print the same bytes. {@code json} is {@code {"text"}}; {@code verbose_json}
 * adds task, language ({@code "unknown"} when the engine detected it but cannot say which),
 * duration and segments; {@code srt} and {@code vtt} are subtitle files with one cue per segment.
 */
public final class TranscriptFormatter {
    /** What {@code verbose_json} reports when the language was detected but is not known to us. */
    public static final String UNKNOWN_LANGUAGE = "unknown";

    private static final ObjectMapper JSON = new ObjectMapper();

    private TranscriptFormatter() {
    }

    /** The transcription in {@code format}; text formats end with a newline. */
    public static String format(Transcription t, ResponseFormat format) {
        return switch (format) {
            case JSON -> write(json(t, false));
            case VERBOSE_JSON -> write(json(t, true));
            case TEXT -> t.text() + "\n";
            case SRT -> srt(t);
            case VTT -> vtt(t);
        };
    }

    /** {@code json} ({@code verbose} false) or {@code verbose_json} as a tree, for embedding in other documents. */
    public static ObjectNode json(Transcription t, boolean verbose) {
        ObjectNode o = JSON.createObjectNode();
        if (verbose) {
            o.put("task", t.task());
            o.put("language", t.language() == null ? UNKNOWN_LANGUAGE : t.language());
            o.put("duration", round3(t.duration()));
        }
        o.put("text", t.text());
        if (verbose) {
            ArrayNode segs = o.putArray("segments");
            for (Segment s : t.segments()) {
                ObjectNode n = segs.addObject();
                n.put("id", s.id());
                n.put("start", round3(s.start()));
                n.put("end", round3(s.end()));
                n.put("text", s.text());
                ArrayNode tokens = n.putArray("tokens");
                s.tokens().forEach(tokens::add);
            }
        }
        return o;
    }

    static String srt(Transcription t) {
        StringBuilder sb = new StringBuilder();
        int cue = 0;
        for (Segment s : t.segments()) {
            String text = cueText(s.text());
            if (text.isEmpty()) {
                continue; // an empty cue would end the block early and break the file's structure
            }
            sb.append(++cue).append('\n')
                    .append(timestamp(s.start(), ',')).append(" --> ").append(timestamp(s.end(), ',')).append('\n')
                    .append(text).append("\n\n");
        }
        return sb.toString();
    }

    static String vtt(Transcription t) {
        StringBuilder sb = new StringBuilder("WEBVTT\n\n");
        for (Segment s : t.segments()) {
            String text = cueText(s.text()).replace("-->", "->"); // "-->" is not allowed in a cue's text
            if (text.isEmpty()) {
                continue;
            }
            sb.append(timestamp(s.start(), '.')).append(" --> ").append(timestamp(s.end(), '.')).append('\n')
                    .append(text).append("\n\n");
        }
        return sb.toString();
    }

    /**
     * {@code HH:MM:SS,mmm} (SRT, {@code separator} ',') or {@code HH:MM:SS.mmm} (WebVTT, '.'),
     * rounded to the millisecond; hours grow past two digits when needed.
     */
    public static String timestamp(double seconds, char separator) {
        long ms = Math.round(Math.max(0, seconds) * 1000);
        long h = ms / 3_600_000;
        long m = ms / 60_000 % 60;
        long s = ms / 1000 % 60;
        return String.format(Locale.ROOT, "%02d:%02d:%02d%c%03d", h, m, s, separator, ms % 1000);
    }

    /** A segment's text as one cue body: trimmed, no blank lines (they end a cue). */
    private static String cueText(String text) {
        return text.strip().replace("\r", "").replaceAll("\n\\s*\n+", "\n");
    }

    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private static String write(ObjectNode o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
