package io.jknife.formats.ggml;

import io.jknife.formats.AtomicWrite;
import io.jknife.formats.GgmlType;
import io.jknife.formats.Gpt2ByteAlphabet;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Writes complete whisper.cpp GGML model files for tests: the layout of
 * {@code convert-pt-to-ggml.py} with seeded random weights. By default every tensor whisper.cpp
 * loads is present with its expected shape and type (F16 matrices and convolutions in a
 * mostly-F16 model, F32 biases, norms and positional embeddings), plus mel filters and a GPT-2
 * style vocabulary. Overrides build the broken variants the hazard checks must catch.
 * F32/F16 tensors get random values; any other type is written as zero blocks of the right size.
 */
public final class WhisperGgmlWriter {
    private final WhisperHparams hp;
    private long seed = 42;
    private List<byte[]> vocabulary;
    private int melCount;
    private int melFftBins = WhisperGgmlModel.WHISPER_FFT_BINS;
    private float[] melData;
    private final Map<String, GgmlType> typeOverrides = new HashMap<>();
    private final Map<String, long[]> shapeOverrides = new HashMap<>();
    private final Set<String> omitted = new HashSet<>();
    private final Map<String, Extra> extras = new LinkedHashMap<>();

    private record Extra(GgmlType type, long[] ne) {
    }

    public WhisperGgmlWriter(WhisperHparams hparams) {
        this.hp = Objects.requireNonNull(hparams);
        this.melCount = hparams.nMels();
        if (WhisperGgmlTypes.forFtype(hparams.ftypeBase()).isEmpty()) {
            throw new IllegalArgumentException("ftype " + hparams.ftype() + " is not a ggml file type");
        }
    }

    /** Seed of the random weights (default 42). */
    public WhisperGgmlWriter seed(long seed) {
        this.seed = seed;
        return this;
    }

    /** The stored vocabulary, token id order; default {@code gpt2Vocabulary(1024, true)}. */
    public WhisperGgmlWriter vocabulary(List<byte[]> tokens) {
        this.vocabulary = List.copyOf(tokens);
        return this;
    }

    /** Mel filter bank dimensions (default {@code n_mels} x 201), filled with triangular filters. */
    public WhisperGgmlWriter melFilters(int nMel, int nFft) {
        this.melCount = nMel;
        this.melFftBins = nFft;
        this.melData = null;
        return this;
    }

    /** Mel filter bank with explicit row-major data. */
    public WhisperGgmlWriter melFilters(int nMel, int nFft, float[] data) {
        if (data.length != (long) nMel * nFft) {
            throw new IllegalArgumentException("mel data has " + data.length + " values, not " + nMel + "x" + nFft);
        }
        this.melCount = nMel;
        this.melFftBins = nFft;
        this.melData = data.clone();
        return this;
    }

    /** Stores tensor {@code name} as {@code type} instead of the expected type. */
    public WhisperGgmlWriter tensorType(String name, GgmlType type) {
        typeOverrides.put(name, type);
        return this;
    }

    /** Stores tensor {@code name} with dims {@code ne} (ggml order) instead of the expected shape. */
    public WhisperGgmlWriter tensorShape(String name, long... ne) {
        shapeOverrides.put(name, ne.clone());
        return this;
    }

    /** Leaves tensor {@code name} out. */
    public WhisperGgmlWriter omitTensor(String name) {
        omitted.add(name);
        return this;
    }

    /** Appends a tensor whisper.cpp does not expect (or a second copy of one it does). */
    public WhisperGgmlWriter extraTensor(String name, GgmlType type, long... ne) {
        extras.put(name, new Extra(type, ne.clone()));
        return this;
    }

    /** Writes the model atomically. */
    public void write(Path file) throws IOException {
        List<byte[]> vocab = vocabulary != null ? vocabulary : gpt2Vocabulary(1024, true);
        float[] mel = melData != null ? melData : melFilterBank(melCount, melFftBins);
        SplittableRandom rnd = new SplittableRandom(seed);
        AtomicWrite.write(file, out -> {
            ByteBuffer head = le(4 * 12);
            head.putInt(WhisperGgmlReader.MAGIC);
            for (int v : new int[]{hp.nVocab(), hp.nAudioCtx(), hp.nAudioState(), hp.nAudioHead(), hp.nAudioLayer(),
                    hp.nTextCtx(), hp.nTextState(), hp.nTextHead(), hp.nTextLayer(), hp.nMels(), hp.ftype()}) {
                head.putInt(v);
            }
            out.write(head.array());
            ByteBuffer melHead = le(8 + 4 * mel.length);
            melHead.putInt(melCount).putInt(melFftBins);
            for (float f : mel) {
                melHead.putFloat(f);
            }
            out.write(melHead.array());
            out.write(le(4).putInt(vocab.size()).array());
            for (byte[] token : vocab) {
                out.write(le(4).putInt(token.length).array());
                out.write(token);
            }
            for (var e : WhisperTensorLayout.expected(hp)) {
                if (omitted.contains(e.name())) {
                    continue;
                }
                long[] ne = shapeOverrides.getOrDefault(e.name(), e.ne());
                writeTensor(out, e.name(), typeOverrides.getOrDefault(e.name(), e.type()), ne, rnd);
            }
            for (var x : extras.entrySet()) {
                writeTensor(out, x.getKey(), x.getValue().type(), x.getValue().ne(), rnd);
            }
        });
    }

    private static void writeTensor(OutputStream out, String name, GgmlType type, long[] ne, SplittableRandom rnd)
            throws IOException {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        ByteBuffer h = le(12 + 4 * ne.length);
        h.putInt(ne.length).putInt(nameBytes.length).putInt(type.id());
        long elements = 1;
        for (long d : ne) {
            h.putInt(Math.toIntExact(d));
            elements *= d;
        }
        out.write(h.array());
        out.write(nameBytes);
        long bytes = WhisperGgmlTypes.byteSize(type, ne.length == 0 ? 1 : ne[0], elements);
        if (bytes < 0) {
            throw new IllegalArgumentException(name + ": " + elements + " values do not fill whole " + type.ggmlName() + " blocks");
        }
        if (type == GgmlType.F32 || type == GgmlType.F16) {
            Init init = Init.of(name);
            ByteBuffer chunk = le(1 << 16);
            for (long i = 0; i < elements; i++) {
                float v = init.next(rnd);
                if (type == GgmlType.F32) {
                    chunk.putFloat(v);
                } else {
                    chunk.putShort(Float.floatToFloat16(v));
                }
                if (chunk.remaining() < 4) {
                    out.write(chunk.array(), 0, chunk.position());
                    chunk.clear();
                }
            }
            out.write(chunk.array(), 0, chunk.position());
        } else {
            // Zero blocks: a valid encoding of all-zero weights in every ggml type.
            byte[] zeros = new byte[1 << 16];
            for (long left = bytes; left > 0; ) {
                int k = (int) Math.min(left, zeros.length);
                out.write(zeros, 0, k);
                left -= k;
            }
        }
    }

    /** How the converter's tensors are typically initialised, scaled down: keeps activations tame. */
    private enum Init {
        NORM_WEIGHT, BIAS, WEIGHT;

        static Init of(String name) {
            if (name.endsWith("ln.weight") || name.endsWith("ln_post.weight")) {
                return NORM_WEIGHT;
            }
            return name.endsWith(".bias") ? BIAS : WEIGHT;
        }

        float next(SplittableRandom rnd) {
            double u = rnd.nextDouble(-1, 1);
            return (float) switch (this) {
                case NORM_WEIGHT -> 1 + 0.05 * u;
                case BIAS -> 0.01 * u;
                case WEIGHT -> 0.05 * u;
            };
        }
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Triangular filters spread over the bins: shaped like a mel bank, values are not librosa's. */
    static float[] melFilterBank(int nMel, int nFft) {
        float[] out = new float[Math.multiplyExact(nMel, nFft)];
        double spacing = (double) (nFft - 1) / (nMel + 1);
        for (int m = 0; m < nMel; m++) {
            double center = (m + 1) * spacing;
            for (int k = 0; k < nFft; k++) {
                double w = 1 - Math.abs(k - center) / Math.max(spacing, 1e-9);
                out[m * nFft + k] = w > 0 ? (float) (w * 0.02) : 0f;
            }
        }
        return out;
    }

    /**
     * GPT-2's byte alphabet in GPT-2's id order (ids 0–255: the printable bytes {@code !..~},
     * {@code ¡..¬}, {@code ®..ÿ}, then the rest), followed by word tokens up to {@code size}.
     * With {@code utf8Safe}, bytes outside printable ASCII are stored as GPT-2's printable stand-in
     * characters (e.g. {@code Ā} for 0x00) so that every token, and hence any concatenation of
     * tokens, is valid UTF-8 — what a random-weight test model needs, since it may emit any token.
     * Without it the tokens are the raw bytes a converted model holds. Either way id 220 is {@code " "}.
     */
    public static List<byte[]> gpt2Vocabulary(int size, boolean utf8Safe) {
        if (size < 256) {
            throw new IllegalArgumentException("a GPT-2 vocabulary has at least the 256 byte tokens, not " + size);
        }
        List<byte[]> out = new ArrayList<>(size);
        Set<String> seen = new LinkedHashSet<>();
        int[] codePoints = Gpt2ByteAlphabet.codePoints();
        for (int b : Gpt2ByteAlphabet.byteOrder()) {
            byte[] token = !utf8Safe || (b >= 0x20 && b <= 0x7E)
                    ? new byte[]{(byte) b}
                    : Character.toString(codePoints[b]).getBytes(StandardCharsets.UTF_8);
            out.add(token);
            seen.add(new String(token, StandardCharsets.ISO_8859_1));
        }
        for (String word : WORDS) {
            for (String t : new String[]{" " + word, word}) {
                if (out.size() < size && seen.add(new String(t.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1))) {
                    out.add(t.getBytes(StandardCharsets.UTF_8));
                }
            }
        }
        for (int i = 0; out.size() < size; i++) {
            String t = (i % 2 == 0 ? " " : "") + "w" + i;
            if (seen.add(t)) {
                out.add(t.getBytes(StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static final List<String> WORDS = List.of(
            "the", "and", "to", "of", "a", "in", "is", "it", "you", "that", "he", "was", "for", "on", "are", "with",
            "as", "I", "his", "they", "be", "at", "one", "have", "this", "from", "or", "had", "by", "hot", "word",
            "but", "what", "some", "we", "can", "out", "other", "were", "all", "there", "when", "up", "use", "your",
            "how", "said", "an", "each", "she", "which", "do", "their", "time", "if", "will", "way", "about", "many",
            "then", "them", "write", "would", "like", "so", "these", "her", "long", "make", "thing", "see", "him",
            "two", "has", "look", "more", "day", "could", "go", "come", "did", "number", "sound", "no", "most",
            "people", "my", "over", "know", "water", "than", "call", "first", "who", "may", "down", "side", "been",
            "now", "find", "hello", "world", "yes", "thank", "okay", "well", "right", "good", "morning", "music",
            "speech", "voice", "audio", "test", "one", "two", "three", "four", "five", "six", "seven", "eight",
            "nine", "ten", ".", ",", "?", "!", "'s", "n't", "'re", "'ll", "'ve", "ing", "ed", "er", "es", "ly");
}
