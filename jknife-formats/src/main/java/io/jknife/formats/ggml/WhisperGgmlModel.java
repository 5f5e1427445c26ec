package io.jknife.formats.ggml;

import io.jknife.formats.FormatException;
import io.jknife.formats.GgmlType;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A parsed whisper.cpp GGML model: header, vocabulary facts and tensor table (no weights).
 *
 * @param path             the file read
 * @param fileSize         its size
 * @param hparams          hyper-parameters
 * @param melCount         mel filter bands stored ({@code n_mel})
 * @param melFftBins       mel filter frequency bins stored ({@code n_fft}, 201 in every real model)
 * @param melFiltersOffset absolute offset of the float32 filter data
 * @param vocab            vocabulary size and the facts hazard checks need
 * @param tensors          the tensor table in file order
 */
public record WhisperGgmlModel(Path path, long fileSize, WhisperHparams hparams, int melCount, int melFftBins,
                               long melFiltersOffset, WhisperVocabInfo vocab, List<WhisperGgmlTensor> tensors) {
    /** Frequency bins whisper.cpp's STFT produces: {@code 1 + WHISPER_N_FFT / 2}. */
    public static final int WHISPER_FFT_BINS = 201;

    private static final Set<String> CONV_WEIGHTS = Set.of("encoder.conv1.weight", "encoder.conv2.weight");

    public WhisperGgmlModel {
        tensors = List.copyOf(tensors);
    }

    /** whisper.cpp's rule: {@code n_vocab >= 51865}. */
    public boolean multilingual() {
        return hparams.multilingual();
    }

    /** Tokens stored in the file. */
    public int storedVocabSize() {
        return vocab.storedCount();
    }

    /** The weight type of the file's ftype (F16 for converted models). */
    public GgmlType weightType() {
        return WhisperGgmlTypes.forFtype(hparams.ftypeBase()).orElseThrow(); // the reader rejected bad ftypes
    }

    /**
     * {@code tiny}, {@code base}, {@code small}, {@code medium} or {@code large}: from
     * {@code n_audio_layer} as whisper.cpp names it (4, 6, 12, 24, 32), else from the audio width
     * (384, 512, 768, 1024, 1280), else {@code unknown}.
     */
    public String modelSizeName() {
        return switch (hparams.nAudioLayer()) {
            case 4 -> "tiny";
            case 6 -> "base";
            case 12 -> "small";
            case 24 -> "medium";
            case 32 -> "large";
            default -> switch (hparams.nAudioState()) {
                case 384 -> "tiny";
                case 512 -> "base";
                case 768 -> "small";
                case 1024 -> "medium";
                case 1280 -> "large";
                default -> "unknown";
            };
        };
    }

    /** Sum of the element counts of all stored tensors. */
    public long parameterCount() {
        long n = 0;
        for (WhisperGgmlTensor t : tensors) {
            n += t.elementCount();
        }
        return n;
    }

    public Optional<WhisperGgmlTensor> tensor(String name) {
        for (WhisperGgmlTensor t : tensors) {
            if (t.name().equals(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** Tensors whisper.cpp creates for these hparams that the file lacks, in whisper's order. */
    public List<String> missingTensors() {
        Set<String> present = new HashSet<>();
        tensors.forEach(t -> present.add(t.name()));
        List<String> out = new ArrayList<>();
        for (var e : WhisperTensorLayout.expected(hparams)) {
            if (!present.contains(e.name())) {
                out.add(e.name());
            }
        }
        return out;
    }

    /** Stored tensors whisper.cpp does not know for these hparams (it refuses the file). */
    public List<String> unexpectedTensors() {
        Set<String> known = new HashSet<>();
        WhisperTensorLayout.expected(hparams).forEach(e -> known.add(e.name()));
        return tensors.stream().map(WhisperGgmlTensor::name).filter(n -> !known.contains(n)).distinct().toList();
    }

    /** Whether the tensor table holds exactly what whisper.cpp loads, with the right shapes and types. */
    public boolean tensorTableComplete() {
        return tensorHazards().isEmpty();
    }

    /**
     * Reasons the native whisper-jni 1.7.1 binding (whisper.cpp 1.7.1) would refuse, abort or
     * misbehave on this file although its bytes are well-formed; empty when it is safe to hand over.
     * Each entry is one human-readable line.
     */
    public List<String> nativeHazards() {
        List<String> out = new ArrayList<>();
        WhisperHparams hp = hparams;
        if (hp.nVocab() < WhisperHparams.N_VOCAB_ENGLISH || hp.nVocab() > 51866) {
            out.add("n_vocab " + hp.nVocab() + " is outside 51864..51866: whisper.cpp indexes its fixed special and "
                    + "timestamp token ids (up to " + (WhisperHparams.N_VOCAB_ENGLISH - 1) + ") without checks");
        }
        if (hp.nAudioState() != hp.nTextState()) {
            out.add("n_audio_state " + hp.nAudioState() + " differs from n_text_state " + hp.nTextState()
                    + ": cross-attention shapes do not match and ggml aborts");
        }
        if (hp.nAudioState() % hp.nAudioHead() != 0) {
            out.add("n_audio_state " + hp.nAudioState() + " is not divisible by n_audio_head " + hp.nAudioHead());
        }
        if (hp.nTextState() % hp.nTextHead() != 0) {
            out.add("n_text_state " + hp.nTextState() + " is not divisible by n_text_head " + hp.nTextHead());
        }
        if (melCount != hp.nMels()) {
            out.add("mel filters have " + melCount + " bands but n_mels is " + hp.nMels());
        }
        if (melFftBins != WHISPER_FFT_BINS) {
            out.add("mel filters have " + melFftBins + " frequency bins; whisper.cpp computes " + WHISPER_FFT_BINS);
        }
        out.addAll(tensorHazards());
        for (String conv : CONV_WEIGHTS) {
            tensor(conv).filter(t -> t.type() == GgmlType.F32).ifPresent(t -> out.add(conv
                    + " is stored as f32: whisper-jni 1.7.1 aborts inside whisper_full() (its im2col needs f16 kernels)"));
        }
        if (!vocab.hasSpaceToken()) {
            out.add("vocabulary lacks the token \" \": whisper_full() looks it up unchecked and aborts");
        }
        if (vocab.invalidUtf8Count() > 0) {
            out.add("vocabulary has " + vocab.invalidUtf8Count() + " token(s) that cannot occur in UTF-8 text (ids "
                    + join(vocab.invalidUtf8Ids().stream().map(String::valueOf).toList(), vocab.invalidUtf8Count())
                    + "): segment text would not be valid UTF-8");
        }
        return out;
    }

    /**
     * Things that load and run but change behaviour: a 2-decoder-layer model (not large-v3's
     * vocabulary) is taken for a first-release distilled model and timestamps are dropped.
     */
    public List<String> warnings() {
        List<String> out = new ArrayList<>();
        if (hparams.nTextLayer() == 2 && hparams.nVocab() != 51866) {
            out.add("n_text_layer 2: whisper.cpp treats this as a distilled model and forces no timestamps");
        }
        return out;
    }

    /** Whether the first-release-distilled rule applies (see {@link #warnings()}). */
    public boolean treatedAsDistilled() {
        return hparams.nTextLayer() == 2 && hparams.nVocab() != 51866;
    }

    private List<String> tensorHazards() {
        List<String> out = new ArrayList<>();
        if (tensors.isEmpty()) {
            out.add("no tensors: whisper.cpp loads it as an empty test model and crashes when run");
            return out;
        }
        Map<String, WhisperTensorLayout.Expected> expected = new LinkedHashMap<>();
        WhisperTensorLayout.expected(hparams).forEach(e -> expected.put(e.name(), e));
        List<String> missing = missingTensors();
        if (!missing.isEmpty()) {
            out.add("missing tensors (" + missing.size() + "): " + join(missing, missing.size()));
        }
        List<String> unexpected = unexpectedTensors();
        if (!unexpected.isEmpty()) {
            out.add("unexpected tensors (" + unexpected.size() + "): " + join(unexpected.stream()
                    .map(FormatException::clip).toList(), unexpected.size()));
        }
        Set<String> seen = new HashSet<>();
        for (WhisperGgmlTensor t : tensors) {
            if (!seen.add(t.name())) {
                out.add("tensor " + FormatException.clip(t.name()) + " is stored more than once");
                continue;
            }
            WhisperTensorLayout.Expected e = expected.get(t.name());
            if (e == null) {
                continue;
            }
            if (!e.shapeMatches(t.dims())) {
                out.add("tensor " + t.name() + " has shape " + Arrays.toString(t.dims()) + ", whisper.cpp expects "
                        + Arrays.toString(e.ne()));
            } else if (t.type() != e.type() && !(CONV_WEIGHTS.contains(t.name()) && t.type() == GgmlType.F32)) {
                out.add("tensor " + t.name() + " is stored as " + t.type().ggmlName() + ", whisper.cpp expects "
                        + e.type().ggmlName() + " for ftype " + hparams.ftypeBase());
            }
        }
        return out;
    }

    private static String join(List<String> items, int total) {
        int shown = Math.min(items.size(), 5);
        String s = String.join(", ", items.subList(0, shown));
        return total > shown ? s + ", ... " + (total - shown) + " more" : s;
    }
}
