package io.jknife.engine;

/**
 * A loaded speech-to-text model. Unlike {@link LoadedModel} it serves several requests at once:
 * each {@link #transcribe} call gets its own decoding state. {@link #close()} waits for running
 * requests, then frees all memory.
 */
public interface SpeechModel extends AutoCloseable {
    /** The engine's id, as the routing policy names it. */
    String engine();

    /** Whether the model knows languages other than English (false: language and translate do not apply). */
    boolean multilingual();

    /** Why the model cannot translate to English, or null when it can. */
    String translateRefusal();

    /** Whether segments carry real timestamps (false for models the engine runs without them). */
    boolean timestamps();

    /**
     * Transcribes (or translates) mono 16 kHz samples in [-1, 1]. Long audio is processed in the
     * engine's own windows; the samples are not copied per window.
     *
     * @throws EngineException for a request the model refuses (unknown language, translate on a
     *                         model that cannot) or a failure of the engine
     */
    Transcription transcribe(float[] samples16k, TranscriptionRequest request) throws EngineException;

    @Override
    void close();
}
