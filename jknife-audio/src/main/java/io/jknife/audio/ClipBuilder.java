package io.jknife.audio;

/** Receives a decoder's mono stream, resamples it on the fly and collects the clip. */
final class ClipBuilder implements MonoSink {

    /** The highest source rate we accept (a corrupt header can claim anything up to 4 GHz). */
    static final int MAX_RATE = 1_536_000;

    /** The output rate, or 0 for the source's own rate. */
    private final int targetRate;
    private int outputRate;
    private Resampler resampler;
    private SampleAccumulator out;
    private long inputSamples;

    ClipBuilder(int targetRate) {
        this.targetRate = targetRate;
    }

    @Override
    public void begin(int sampleRate, long expectedFrames) throws AudioException {
        if (out != null) {
            throw new IllegalStateException("begin called twice");
        }
        if (sampleRate <= 0 || sampleRate > MAX_RATE) {
            throw new AudioException("unsupported sample rate: " + Integer.toUnsignedString(sampleRate) + " Hz");
        }
        outputRate = targetRate > 0 ? targetRate : sampleRate;
        resampler = sampleRate == outputRate ? null : new Resampler(sampleRate, outputRate);
        long expectedOut = expectedFrames < 0 ? -1
                : resampler == null ? expectedFrames : resampler.outputLength(expectedFrames) + 1;
        out = new SampleAccumulator(expectedOut);
    }

    @Override
    public void accept(float[] samples, int offset, int length) {
        inputSamples += length;
        if (resampler == null) {
            out.add(samples, offset, length);
        } else {
            resampler.process(samples, offset, length, out);
        }
    }

    boolean started() {
        return out != null;
    }

    /** Samples received so far, at the source rate. */
    long inputSamples() {
        return inputSamples;
    }

    AudioClip finish() {
        if (resampler != null) {
            resampler.finish(out);
        }
        return new AudioClip(out.toArray(), outputRate);
    }
}
