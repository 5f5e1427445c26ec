package io.jknife.engine;

import java.util.List;

/**
 * One segment of a transcription.
 *
 * @param id     position in the transcription, from 0
 * @param start  start in seconds, within the audio
 * @param end    end in seconds ({@code >= start}, at most the audio's duration)
 * @param text   the segment's text, as the model wrote it (leading space included)
 * @param tokens token ids, empty when the engine does not expose them
 */
public record Segment(int id, double start, double end, String text, List<Integer> tokens) {
    public Segment {
        if (!(start >= 0 && end >= start)) {
            throw new IllegalArgumentException("bad segment times " + start + ".." + end);
        }
        text = text == null ? "" : text;
        tokens = tokens == null ? List.of() : List.copyOf(tokens);
    }
}
