package io.jknife.formats.ggml;

/**
 * The hyper-parameters at the start of a whisper.cpp GGML model, in file order (eleven int32).
 *
 * @param ftype as stored: {@code qntvr * 1000 + base}, see {@link #ftypeBase()}
 */
public record WhisperHparams(int nVocab, int nAudioCtx, int nAudioState, int nAudioHead, int nAudioLayer,
                             int nTextCtx, int nTextState, int nTextHead, int nTextLayer, int nMels, int ftype) {
    /** ggml's GGML_QNT_VERSION_FACTOR: quantized files store {@code version * 1000 + ftype}. */
    public static final int QNT_VERSION_FACTOR = 1000;

    /** English-only vocabulary size. */
    public static final int N_VOCAB_ENGLISH = 51864;
    /** Multilingual vocabulary size (large-v3 has {@code 51866}). */
    public static final int N_VOCAB_MULTILINGUAL = 51865;

    /** The ggml ftype proper ({@code ftype % 1000}): 0 all-F32, 1 mostly-F16, 2+ quantized. */
    public int ftypeBase() {
        return ftype % QNT_VERSION_FACTOR;
    }

    /** The quantization version ({@code ftype / 1000}). */
    public int quantizationVersion() {
        return ftype / QNT_VERSION_FACTOR;
    }

    /** whisper.cpp's rule: multilingual iff {@code n_vocab >= 51865}. */
    public boolean multilingual() {
        return nVocab >= N_VOCAB_MULTILINGUAL;
    }

    /** Hyper-parameters of OpenAI's tiny model with the given vocabulary size and ftype. */
    public static WhisperHparams tiny(int nVocab, int ftype) {
        return new WhisperHparams(nVocab, 1500, 384, 6, 4, 448, 384, 6, 4, 80, ftype);
    }

    public WhisperHparams withNVocab(int v) {
        return new WhisperHparams(v, nAudioCtx, nAudioState, nAudioHead, nAudioLayer, nTextCtx, nTextState, nTextHead, nTextLayer, nMels, ftype);
    }

    public WhisperHparams withFtype(int v) {
        return new WhisperHparams(nVocab, nAudioCtx, nAudioState, nAudioHead, nAudioLayer, nTextCtx, nTextState, nTextHead, nTextLayer, nMels, v);
    }

    public WhisperHparams withState(int state, int heads) {
        return new WhisperHparams(nVocab, nAudioCtx, state, heads, nAudioLayer, nTextCtx, state, heads, nTextLayer, nMels, ftype);
    }

    public WhisperHparams withLayers(int audio, int text) {
        return new WhisperHparams(nVocab, nAudioCtx, nAudioState, nAudioHead, audio, nTextCtx, nTextState, nTextHead, text, nMels, ftype);
    }
}
