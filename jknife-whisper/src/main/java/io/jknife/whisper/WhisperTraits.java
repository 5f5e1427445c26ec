package io.jknife.whisper;

import io.jknife.formats.ggml.WhisperHparams;
import io.jknife.store.probe.ModelProbe;

import java.util.Optional;

/**
 * What a whisper model can do, decided from its hyper-parameters (never from its name):
 * English-only or multilingual, how many languages, whether it translates, whether whisper.cpp
 * keeps its timestamps.
 */
public record WhisperTraits(int nVocab, int audioLayers, int textLayers, int mels) {
    /** large-v3's vocabulary: one more language ({@code yue}). */
    static final int N_VOCAB_V3 = 51866;

    public static WhisperTraits of(WhisperHparams hp) {
        return new WhisperTraits(hp.nVocab(), hp.nAudioLayer(), hp.nTextLayer(), hp.nMels());
    }

    /** From the probe's metadata (what {@code show} lists); empty when the probe did not read the header. */
    public static Optional<WhisperTraits> of(ModelProbe probe) {
        var m = probe.metadata();
        if (m.get("n_vocab") instanceof Number v && m.get("n_audio_layer") instanceof Number a
                && m.get("n_text_layer") instanceof Number t && m.get("n_mels") instanceof Number mels) {
            return Optional.of(new WhisperTraits(v.intValue(), a.intValue(), t.intValue(), mels.intValue()));
        }
        return Optional.empty();
    }

    /** whisper.cpp's rule: {@code n_vocab >= 51865}. English-only models ignore language and translate. */
    public boolean multilingual() {
        return nVocab >= WhisperHparams.N_VOCAB_MULTILINGUAL;
    }

    /** Language tokens the vocabulary has (0 for English-only models). */
    public int languageCount() {
        return !multilingual() ? 0 : nVocab >= N_VOCAB_V3 ? 100 : 99;
    }

    /** whisper.cpp's first-release-distilled rule: 2 decoder layers (not large-v3) force no timestamps. */
    public boolean timestamps() {
        return !(textLayers == 2 && nVocab != N_VOCAB_V3);
    }

    /** large-v3-turbo's shape: 4 decoder layers over 128 mel bins. */
    public boolean turbo() {
        return textLayers == 4 && mels == 128;
    }

    /** Why the model cannot translate to English, or null when it can. */
    public String translateRefusal() {
        if (!multilingual()) {
            return "the model is English-only (n_vocab " + nVocab + "): it cannot translate";
        }
        if (turbo()) {
            return "the model is large-v3-turbo shaped (4 decoder layers, 128 mel bins), which was not trained to translate";
        }
        if (textLayers < audioLayers) {
            return "the model is distilled (" + textLayers + " decoder layers for " + audioLayers
                    + " encoder layers) and was not trained to translate";
        }
        return null;
    }

    /** Why {@code language} (a code, or null for automatic detection) does not fit the model, or null when it does. */
    public String languageRefusal(String language) {
        if (language == null) {
            return null;
        }
        if (!multilingual()) {
            return language.equals("en") ? null
                    : "the model is English-only (n_vocab " + nVocab + "): language '" + language + "' cannot be transcribed";
        }
        if (!WhisperLanguages.known(language, languageCount())) {
            return "unknown language '" + language + "' (whisper knows ISO 639-1 codes such as en, de, fr, es, zh, ja; or auto)";
        }
        return null;
    }
}
