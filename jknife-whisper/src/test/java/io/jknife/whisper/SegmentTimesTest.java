package io.jknife.whisper;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** whisper.cpp's centiseconds to clamped seconds. */
class SegmentTimesTest {
    @Test
    void centisecondsBecomeSeconds() {
        assertArrayEquals(new double[]{12.34, 15.0}, SegmentTimes.span(1234, 1500, 65));
    }

    @Test
    void theLastSegmentEndsAtTheAudiosEnd() {
        assertArrayEquals(new double[]{60.22, 65.0}, SegmentTimes.span(6022, 8012, 65));
    }

    @Test
    void negativeStartsOfRunsWithoutTimestampsBecomeZero() {
        assertArrayEquals(new double[]{0, 3.0}, SegmentTimes.span(-100, 300, 65));
        assertEquals(0, SegmentTimes.seconds(Long.MIN_VALUE, 5));
    }

    @Test
    void anEndBeforeItsStartIsRaised() {
        assertArrayEquals(new double[]{4.0, 4.0}, SegmentTimes.span(400, 200, 65));
        assertArrayEquals(new double[]{65.0, 65.0}, SegmentTimes.span(9000, 9100, 65));
    }
}
