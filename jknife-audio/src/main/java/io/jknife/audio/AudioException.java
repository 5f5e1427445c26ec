package io.jknife.audio;

import java.io.Serial;

/** One clear, user-facing message; never a stack trace for bad input. */
public final class AudioException extends Exception {

    @Serial
    private static final long serialVersionUID = 1L;

    /** Set when the container is ours but its codec is not: an installed ffmpeg may decode it. */
    private final boolean ffmpegMayDecode;

    public AudioException(String message) {
        this(message, false);
    }

    AudioException(String message, boolean ffmpegMayDecode) {
        super(message);
        this.ffmpegMayDecode = ffmpegMayDecode;
    }

    public AudioException(String message, Throwable cause) {
        super(message, cause);
        this.ffmpegMayDecode = false;
    }

    boolean ffmpegMayDecode() {
        return ffmpegMayDecode;
    }
}
