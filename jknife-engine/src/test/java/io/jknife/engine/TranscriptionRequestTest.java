package io.jknife.engine;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The speech request and result records. */
class TranscriptionRequestTest {
    @Test
    void autoAndBlankLanguagesMeanDetection() {
        assertNull(TranscriptionRequest.defaults().withLanguage("auto").language());
        assertNull(TranscriptionRequest.defaults().withLanguage(" ").language());
        assertEquals("de", TranscriptionRequest.defaults().withLanguage(" DE ").language());
        assertNull(TranscriptionRequest.defaults().withPrompt("  ").prompt());
    }

    @Test
    void temperatureAndThreadsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> TranscriptionRequest.defaults().withTemperature(1.5));
        assertThrows(IllegalArgumentException.class, () -> TranscriptionRequest.defaults().withTemperature(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> TranscriptionRequest.defaults().withThreads(-1));
        assertEquals(3, TranscriptionRequest.defaults().withThreads(3).effectiveThreads());
    }

    @Test
    void transcriptionTextAndRealTimeFactor() {
        Transcription t = new Transcription("transcribe", "en", 10, List.of(
                new Segment(0, 0, 4, " Hello", List.of()), new Segment(1, 4, 10, " world.", List.of())), 2500);
        assertEquals("Hello world.", t.text());
        assertEquals(0.25, t.realTimeFactor(), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> new Segment(0, 5, 4, "x", List.of()));
        assertThrows(IllegalArgumentException.class, () -> new Segment(0, -1, 4, "x", List.of()));
    }
}
