package io.jknife.whisper;

/**
 * whisper.cpp's segment times to seconds. It counts in centiseconds; the last segment may end
 * past the audio (its window is padded to 30 s), runs without timestamps give negative or
 * meaningless starts, and confused decoding can give an end before the start. Times are clamped
 * into the audio, and an end never precedes its start.
 */
final class SegmentTimes {
    private SegmentTimes() {
    }

    /** Seconds of a whisper.cpp time in centiseconds, clamped to [0, duration]. */
    static double seconds(long centiseconds, double duration) {
        double s = centiseconds / 100.0;
        if (!(s > 0)) {
            return 0;
        }
        return Math.min(s, duration);
    }

    /** [start, end] of a segment in seconds, within [0, duration], end >= start. */
    static double[] span(long t0, long t1, double duration) {
        double start = seconds(t0, duration);
        double end = seconds(t1, duration);
        if (end < start) {
            end = start;
        }
        return new double[]{start, end};
    }
}
