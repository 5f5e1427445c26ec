package io.jknife.whisper.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jknife.engine.Segment;
import io.jknife.engine.Transcription;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TranscriptFormatterTest {
    private static final Transcription T = new Transcription("transcribe", null, 3725.5, List.of(
            new Segment(0, 0, 2.5, " Hello there.", List.of(1, 2)),
            new Segment(1, 2.5, 3661.5004, " A long pause --> then\n\nmore.", List.of()),
            new Segment(2, 3661.5, 3661.5, "   ", List.of()),
            new Segment(3, 3700, 3725.5, " The end.", List.of())), 1234);

    @Test
    void timestampsAreFormattedForEachFormat() {
        assertEquals("00:00:00,000", TranscriptFormatter.timestamp(0, ','));
        assertEquals("01:01:01,500", TranscriptFormatter.timestamp(3661.5, ','));
        assertEquals("00:01:00.000", TranscriptFormatter.timestamp(59.9996, '.'));
        assertEquals("00:00:02.346", TranscriptFormatter.timestamp(2.3456, '.'));
        assertEquals("100:00:00,000", TranscriptFormatter.timestamp(360000, ','));
        assertEquals("00:00:00,000", TranscriptFormatter.timestamp(-1, ','));
    }

    @Test
    void jsonAndVerboseJson() throws Exception {
        ObjectMapper m = new ObjectMapper();
        JsonNode json = m.readTree(TranscriptFormatter.format(T, ResponseFormat.JSON));
        assertEquals(1, json.size());
        assertEquals("Hello there. A long pause --> then\n\nmore.    The end.", json.get("text").asText());
        JsonNode v = m.readTree(TranscriptFormatter.format(T, ResponseFormat.VERBOSE_JSON));
        assertEquals("transcribe", v.get("task").asText());
        assertEquals("unknown", v.get("language").asText());
        assertEquals(3725.5, v.get("duration").asDouble());
        assertEquals(4, v.get("segments").size());
        assertEquals(3661.5, v.get("segments").get(1).get("end").asDouble(), "rounded to the millisecond");
        assertEquals("[1,2]", v.get("segments").get(0).get("tokens").toString());
    }

    @Test
    void srtHasNumberedCuesWithoutBlankLinesInside() {
        String srt = TranscriptFormatter.format(T, ResponseFormat.SRT);
        assertEquals("""
                1
                00:00:00,000 --> 00:00:02,500
                Hello there.

                2
                00:00:02,500 --> 01:01:01,500
                A long pause --> then
                more.

                3
                01:01:40,000 --> 01:02:05,500
                The end.

                """, srt);
        assertTrue(Pattern.compile("(\\d+\\n\\d{2,}:\\d{2}:\\d{2},\\d{3} --> \\d{2,}:\\d{2}:\\d{2},\\d{3}\\n([^\\n]+\\n)+\\n)+")
                .matcher(srt).matches());
    }

    @Test
    void vttHasTheHeaderAndNoArrowInText() {
        String vtt = TranscriptFormatter.format(T, ResponseFormat.VTT);
        assertTrue(vtt.startsWith("WEBVTT\n\n00:00:00.000 --> 00:00:02.500\nHello there.\n\n"), vtt);
        assertTrue(vtt.contains("A long pause -> then\nmore."), vtt);
        assertEquals(3, vtt.split(" --> ").length - 1, "one arrow per cue, none from the text");
        assertFalse(vtt.contains("\n\n\n"));
    }

    @Test
    void textEndsWithANewline() {
        assertTrue(TranscriptFormatter.format(T, ResponseFormat.TEXT).endsWith("The end.\n"));
    }

    @Test
    void formatsParseByName() {
        assertEquals(ResponseFormat.VERBOSE_JSON, ResponseFormat.parse(" Verbose_JSON ").orElseThrow());
        assertTrue(ResponseFormat.parse("docx").isEmpty());
        assertEquals("json, text, verbose_json, srt, vtt", ResponseFormat.names());
    }
}
