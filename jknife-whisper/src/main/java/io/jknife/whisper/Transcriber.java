package io.jknife.whisper;

import io.jknife.audio.AudioClip;
import io.jknife.audio.AudioDecoder;
import io.jknife.audio.AudioException;
import io.jknife.engine.EngineException;
import io.jknife.engine.LoadOptions;
import io.jknife.engine.SpeechEngine;
import io.jknife.engine.SpeechEngineCatalog;
import io.jknife.engine.SpeechModel;
import io.jknife.store.ModelInfo;

import java.nio.file.Path;

/** The steps between a checked request and a result that the CLI and the server share. */
public final class Transcriber {
    private Transcriber() {
    }

    /** Mono 16 kHz samples of an audio file; the decoder's message when it cannot be read. */
    public static float[] decode(Path audio) throws AudioException {
        AudioClip clip = AudioDecoder.decode16kMono(audio);
        if (clip.sampleRate() != AudioDecoder.WHISPER_RATE) {
            throw new AudioException("decoder returned " + clip.sampleRate() + " Hz, expected " + AudioDecoder.WHISPER_RATE);
        }
        if (clip.samples().length == 0) {
            throw new AudioException("the audio file holds no samples");
        }
        return clip.samples();
    }

    /** Loads a model the preflight accepted with the speech engine the routing policy chose. */
    public static SpeechModel load(ModelInfo m, SpeechEngineCatalog engines, LoadOptions options) throws EngineException {
        SpeechEngine engine = engines.get(m.engine()).orElseThrow(() -> new EngineException(
                "The speech engine '" + m.engine() + "' is not installed (found: " + engines.ids() + ")"));
        return engine.load(m.entry(), m.probe(), options);
    }
}
