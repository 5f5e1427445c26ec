package io.jknife.testkit;

import io.jknife.formats.GgmlType;
import io.jknife.formats.ggml.WhisperGgmlWriter;
import io.jknife.formats.ggml.WhisperHparams;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Tiny whisper.cpp GGML models ({@code ggml-*.bin}) with real layout and real vocabulary sizes
 * (51865 multilingual, 51864 English-only) but 16-wide layers, so a file is about 2 MB. The
 * defaults avoid every native hazard {@code WhisperGgmlModel.nativeHazards()} knows: complete
 * tensor table, F16 convolutions, a vocabulary with {@code " "} in which every token is complete
 * UTF-8, 4 decoder layers (2 would be taken for a distilled model). The {@code hazard*} options
 * produce the broken variants on purpose.
 *
 * <pre>{@code
 * Path model = TinyWhisper.write(dir.resolve("ggml-tiny.bin"));
 * Path en    = TinyWhisper.write(dir.resolve("ggml-tiny.en.bin"), Options.defaults().withMultilingual(false));
 * }</pre>
 */
public final class TinyWhisper {

    /**
     * @param multilingual         n_vocab 51865 (true) or 51864 (English-only)
     * @param state                audio and text width
     * @param heads                attention heads (must divide state)
     * @param audioLayers          encoder layers (4 makes {@code modelSizeName()} "tiny")
     * @param textLayers           decoder layers (2 triggers the distilled-model warning)
     * @param ftype                0 all-F32 (whose F32 convolutions are a hazard) or 1 mostly-F16
     * @param storedVocab          tokens stored in the file (whisper.cpp invents the rest); at least 256
     * @param seed                 seed of the random weights
     * @param hazardConvF32        store the convolution weights as F32
     * @param hazardNoSpaceToken   leave the token {@code " "} out of the vocabulary
     * @param hazardInvalidUtf8    add a token that is not UTF-8
     * @param hazardMissingTensor  leave {@code decoder.ln.bias} out
     */
    public record Options(boolean multilingual, int state, int heads, int audioLayers, int textLayers, int ftype,
                          int storedVocab, long seed, boolean hazardConvF32, boolean hazardNoSpaceToken,
                          boolean hazardInvalidUtf8, boolean hazardMissingTensor) {
        public Options {
            if (state <= 0 || heads <= 0 || state % heads != 0 || audioLayers < 0 || textLayers < 0) {
                throw new IllegalArgumentException("bad dims: state " + state + ", heads " + heads);
            }
            if (storedVocab < 256) {
                throw new IllegalArgumentException("storedVocab must hold the 256 byte tokens");
            }
            if (ftype != 0 && ftype != 1) {
                throw new IllegalArgumentException("ftype must be 0 (F32) or 1 (F16)");
            }
        }

        public static Options defaults() {
            return new Options(true, 16, 2, 4, 4, 1, 1024, 42, false, false, false, false);
        }

        public Options withMultilingual(boolean on) {
            return new Options(on, state, heads, audioLayers, textLayers, ftype, storedVocab, seed, hazardConvF32,
                    hazardNoSpaceToken, hazardInvalidUtf8, hazardMissingTensor);
        }

        public Options withDims(int width, int headCount, int audio, int text) {
            return new Options(multilingual, width, headCount, audio, text, ftype, storedVocab, seed, hazardConvF32,
                    hazardNoSpaceToken, hazardInvalidUtf8, hazardMissingTensor);
        }

        public Options withFtype(int f) {
            return new Options(multilingual, state, heads, audioLayers, textLayers, f, storedVocab, seed, hazardConvF32,
                    hazardNoSpaceToken, hazardInvalidUtf8, hazardMissingTensor);
        }

        public Options withStoredVocab(int n) {
            return new Options(multilingual, state, heads, audioLayers, textLayers, ftype, n, seed, hazardConvF32,
                    hazardNoSpaceToken, hazardInvalidUtf8, hazardMissingTensor);
        }

        public Options withSeed(long s) {
            return new Options(multilingual, state, heads, audioLayers, textLayers, ftype, storedVocab, s, hazardConvF32,
                    hazardNoSpaceToken, hazardInvalidUtf8, hazardMissingTensor);
        }

        public Options withConvF32() {
            return new Options(multilingual, state, heads, audioLayers, textLayers, ftype, storedVocab, seed, true,
                    hazardNoSpaceToken, hazardInvalidUtf8, hazardMissingTensor);
        }

        public Options withoutSpaceToken() {
            return new Options(multilingual, state, heads, audioLayers, textLayers, ftype, storedVocab, seed, hazardConvF32,
                    true, hazardInvalidUtf8, hazardMissingTensor);
        }

        public Options withInvalidUtf8Token() {
            return new Options(multilingual, state, heads, audioLayers, textLayers, ftype, storedVocab, seed, hazardConvF32,
                    hazardNoSpaceToken, true, hazardMissingTensor);
        }

        public Options withMissingTensor() {
            return new Options(multilingual, state, heads, audioLayers, textLayers, ftype, storedVocab, seed, hazardConvF32,
                    hazardNoSpaceToken, hazardInvalidUtf8, true);
        }

        /** The hyper-parameters written. */
        public WhisperHparams hparams() {
            int nVocab = multilingual ? WhisperHparams.N_VOCAB_MULTILINGUAL : WhisperHparams.N_VOCAB_ENGLISH;
            return new WhisperHparams(nVocab, 1500, state, heads, audioLayers, 448, state, heads, textLayers, 80, ftype);
        }
    }

    private TinyWhisper() {
    }

    /** Writes a hazard-free tiny multilingual model. */
    public static Path write(Path file) throws IOException {
        return write(file, Options.defaults());
    }

    /** Writes a tiny model as {@code o} says; returns {@code file}. */
    public static Path write(Path file, Options o) throws IOException {
        List<byte[]> vocab = new ArrayList<>(WhisperGgmlWriter.gpt2Vocabulary(o.storedVocab(), true));
        if (o.hazardNoSpaceToken()) {
            vocab.set(220, "\u0120".getBytes(StandardCharsets.UTF_8)); // GPT-2's printable stand-in for the space byte
        }
        if (o.hazardInvalidUtf8()) {
            vocab.set(vocab.size() - 1, new byte[]{'x', (byte) 0xFF, (byte) 0xFE});
        }
        WhisperGgmlWriter w = new WhisperGgmlWriter(o.hparams()).seed(o.seed()).vocabulary(vocab);
        if (o.hazardConvF32()) {
            w.tensorType("encoder.conv1.weight", GgmlType.F32).tensorType("encoder.conv2.weight", GgmlType.F32);
        }
        if (o.hazardMissingTensor()) {
            w.omitTensor("decoder.ln.bias");
        }
        w.write(file);
        return file;
    }
}
