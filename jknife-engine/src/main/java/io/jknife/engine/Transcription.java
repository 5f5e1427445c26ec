package io.jknife.engine;

import java.util.List;

/**
 * The result of a speech-to-text request.
 *
 * @param task     {@code transcribe} or {@code translate}
 * @param language the language of the audio: the one requested, {@code en} for English-only
 *                 models, or null when it was detected but the engine cannot report which
 * @param duration the audio's length in seconds
 * @param segments the segments in order
 * @param millis   time the engine took, in milliseconds
 */
public record Transcription(String task, String language, double duration, List<Segment> segments, double millis) {
    public Transcription {
        segments = List.copyOf(segments);
    }

    /** The whole text: the segments' texts joined, surrounding whitespace removed. */
    public String text() {
        StringBuilder sb = new StringBuilder();
        for (Segment s : segments) {
            sb.append(s.text());
        }
        return sb.toString().strip();
    }

    /** Real-time factor: processing seconds per second of audio (below 1 is faster than real time); 0 when unmeasured. */
    public double realTimeFactor() {
        return millis > 0 && duration > 0 ? millis / 1000.0 / duration : 0;
    }
}
