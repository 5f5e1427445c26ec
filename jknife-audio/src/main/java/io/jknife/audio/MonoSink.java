package io.jknife.audio;

/**
 * Where a source decoder delivers its audio: mono samples at the source's own rate. Decoders
 * downmix themselves, so every format passes one stream of floats and nothing per channel.
 */
interface MonoSink {

    /**
     * Called once, before any sample.
     *
     * @param expectedFrames an estimate of the sample count used to size the output, or -1 when unknown
     */
    void begin(int sampleRate, long expectedFrames) throws AudioException;

    /** Mono samples, nominally in [-1, 1]. */
    void accept(float[] samples, int offset, int length);
}
