package io.jknife.audio;

/** A container recognised by its first bytes. */
public enum AudioFormat {
    /** RIFF/WAVE (or RF64). */
    WAV,
    /** MPEG audio: an ID3v2 tag or an MPEG frame sync at the start. */
    MP3,
    /** Native FLAC ({@code fLaC}). */
    FLAC,
    /** Anything else: decodable only through ffmpeg. */
    OTHER
}
