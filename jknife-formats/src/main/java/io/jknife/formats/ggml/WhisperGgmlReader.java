package io.jknife.formats.ggml;

import io.jknife.formats.FileChannels;
import io.jknife.formats.FormatException;
import io.jknife.formats.GgmlType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import static io.jknife.formats.FormatException.clip;

/**
 * Reads whisper.cpp's legacy GGML model files ({@code ggml-*.bin}), as written by
 * {@code models/convert-pt-to-ggml.py} and {@code quantize}, all little-endian:
 *
 * <ol>
 *   <li>magic {@code 0x67676d6c} ("ggml") as uint32;</li>
 *   <li>eleven int32 hyper-parameters ({@link WhisperHparams}, file order);</li>
 *   <li>mel filters: int32 {@code n_mel}, int32 {@code n_fft}, then {@code n_mel*n_fft} float32;</li>
 *   <li>vocabulary: int32 count, then per token a uint32 length and that many raw bytes (GPT-2
 *       byte-level tokens decoded to bytes, so not necessarily UTF-8 on their own);</li>
 *   <li>tensors until end of file: int32 {@code n_dims}, int32 name length, int32 ggml type,
 *       {@code n_dims} int32 dims ({@code ne[0]} first), the name, then the data, unaligned.</li>
 * </ol>
 *
 * Every count, length and offset is checked against the file size before it is used, so a
 * hostile or truncated file fails with a {@link FormatException}. Files that parse but that
 * whisper.cpp would refuse or crash on are reported by {@link WhisperGgmlModel#nativeHazards()}.
 */
public final class WhisperGgmlReader {
    public static final int MAGIC = 0x67676d6c;
    /** Longest tensor name accepted; whisper's longest is under 50 bytes. */
    public static final int MAX_NAME_LENGTH = 256;
    /** Most tensors accepted; large-v3 has about 1,300. */
    public static final int MAX_TENSORS = 100_000;
    /** Largest vocabulary accepted. */
    public static final int MAX_VOCAB = 1_000_000;
    /** Longest single token accepted. */
    public static final int MAX_TOKEN_LENGTH = 1 << 16;

    private WhisperGgmlReader() {
    }

    /** Reads the header, vocabulary facts and tensor table of {@code path}; tensor data is skipped. */
    public static WhisperGgmlModel read(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ChannelInput in = new ChannelInput(ch, ch.size());
            WhisperHparams hp = readHparams(in);
            int nMel = in.readInt("mel filter n_mel");
            int nFft = in.readInt("mel filter n_fft");
            long melOffset = in.position();
            skipMelFilters(in, nMel, nFft);
            WhisperVocabInfo vocab = readVocab(in, null);
            List<WhisperGgmlTensor> tensors = readTensors(in);
            return new WhisperGgmlModel(path, in.size(), hp, nMel, nFft, melOffset, vocab, tensors);
        }
    }

    /**
     * The stored vocabulary as raw token bytes (index = token id). Meant for tests and tools; the
     * full multilingual vocabulary is about 50k small arrays.
     */
    public static List<byte[]> readVocabulary(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ChannelInput in = new ChannelInput(ch, ch.size());
            readHparams(in);
            int nMel = in.readInt("mel filter n_mel");
            int nFft = in.readInt("mel filter n_fft");
            skipMelFilters(in, nMel, nFft);
            List<byte[]> tokens = new ArrayList<>();
            readVocab(in, tokens);
            return tokens;
        }
    }

    /** The mel filter bank, row-major {@code [n_mel, n_fft]}. */
    public static float[] readMelFilters(Path path) throws IOException {
        WhisperGgmlModel m = read(path);
        long count = (long) m.melCount() * m.melFftBins();
        if (count > Integer.MAX_VALUE - 16) {
            throw new FormatException("whisper ggml mel filters too large: " + m.melCount() + "x" + m.melFftBins());
        }
        ByteBuffer buf = ByteBuffer.allocate((int) (count * 4)).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            FileChannels.readFully(ch, buf, m.melFiltersOffset(),
                    end -> "whisper ggml file truncated inside the mel filters");
        }
        buf.flip();
        float[] out = new float[(int) count];
        buf.asFloatBuffer().get(out);
        return out;
    }

    private static void skipMelFilters(ChannelInput in, int nMel, int nFft) throws IOException {
        if (nMel < 0 || nFft < 0) {
            throw new FormatException("whisper ggml mel filter dims " + nMel + "x" + nFft + " are negative");
        }
        long cells = (long) nMel * nFft; // below 2^62
        if (cells > in.remaining() / 4) {
            throw new FormatException("whisper ggml file truncated: mel filters " + nMel + "x" + nFft + " need " + cells
                    + " float32 values at offset " + in.position() + " but the file is " + in.size() + " bytes");
        }
        in.skip(cells * 4, "mel filters");
    }

    private static WhisperHparams readHparams(ChannelInput in) throws IOException {
        int magic = in.readInt("magic");
        if (magic != MAGIC) {
            throw new FormatException(String.format("not a whisper ggml file: magic 0x%08x, expected 0x%08x", magic, MAGIC));
        }
        int[] v = new int[11];
        String[] names = {"n_vocab", "n_audio_ctx", "n_audio_state", "n_audio_head", "n_audio_layer", "n_text_ctx",
                "n_text_state", "n_text_head", "n_text_layer", "n_mels", "ftype"};
        for (int i = 0; i < v.length; i++) {
            v[i] = in.readInt("hparam " + names[i]);
        }
        // Bounds keep later arithmetic (expected tensor shapes, element counts) far from overflow;
        // the largest real models use n_vocab 51866, state 1280, 32 layers, ctx 1500.
        range(names[0], v[0], 1, 1_000_000);
        range(names[1], v[1], 1, 1_000_000);
        range(names[2], v[2], 1, 1 << 16);
        range(names[3], v[3], 1, 1 << 12);
        range(names[4], v[4], 0, 1 << 10);
        range(names[5], v[5], 1, 1_000_000);
        range(names[6], v[6], 1, 1 << 16);
        range(names[7], v[7], 1, 1 << 12);
        range(names[8], v[8], 0, 1 << 10);
        range(names[9], v[9], 1, 1 << 12);
        if (v[10] < 0 || WhisperGgmlTypes.forFtype(v[10] % WhisperHparams.QNT_VERSION_FACTOR).isEmpty()) {
            // ggml_ftype_to_ggml_type asserts (aborts) on these, so there is nothing to salvage.
            throw new FormatException("whisper ggml ftype " + v[10] + " is not a ggml file type");
        }
        return new WhisperHparams(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10]);
    }

    private static void range(String name, int value, int min, int max) throws FormatException {
        if (value < min || value > max) {
            throw new FormatException("whisper ggml hparam " + name + " = " + value + " is outside " + min + ".." + max);
        }
    }

    /** Reads the vocabulary, collecting the hazard facts; also keeps the tokens when {@code keep} is non-null. */
    private static WhisperVocabInfo readVocab(ChannelInput in, List<byte[]> keep) throws IOException {
        long offset = in.position();
        int count = in.readInt("vocabulary size");
        if (count < 0 || count > MAX_VOCAB) {
            throw new FormatException("whisper ggml vocabulary size " + count + " is outside 0.." + MAX_VOCAB);
        }
        // Each token needs at least its 4-byte length: rejects absurd counts before looping.
        if (4L * count > in.remaining()) {
            throw new FormatException("whisper ggml vocabulary of " + count + " tokens cannot fit in the remaining "
                    + in.remaining() + " bytes");
        }
        boolean space = false;
        int invalid = 0;
        List<Integer> invalidIds = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int len = in.readInt("length of token " + i);
            if (len < 0 || len > MAX_TOKEN_LENGTH) {
                throw new FormatException("whisper ggml token " + i + " length " + Integer.toUnsignedString(len)
                        + " exceeds " + MAX_TOKEN_LENGTH);
            }
            byte[] token = in.readBytes(len, "token " + i);
            if (len == 1 && token[0] == ' ') {
                space = true;
            }
            if (!utf8Compatible(i, token)) {
                invalid++;
                if (invalidIds.size() < 5) {
                    invalidIds.add(i);
                }
            }
            if (keep != null) {
                keep.add(token);
            }
        }
        return new WhisperVocabInfo(count, offset, space, invalid, invalidIds);
    }

    /**
     * Whether token {@code id} can occur in valid UTF-8 text. Byte-level BPE splits characters
     * across tokens, so a token may start with continuation bytes and end inside a sequence; what
     * cannot happen is a byte that never occurs in UTF-8, a malformed or overlong sequence, or an
     * encoded surrogate. The 256 single-byte tokens at ids 0–255 are GPT-2's byte alphabet, present
     * (invalid bytes included) in every real model, and are accepted.
     */
    static boolean utf8Compatible(int id, byte[] b) {
        if (b.length == 1 && id < 256) {
            return true;
        }
        int n = b.length;
        int i = 0;
        while (i < n && i < 3 && (b[i] & 0xC0) == 0x80) {
            i++;
        }
        while (i < n) {
            int c = b[i] & 0xFF;
            if (c < 0x80) {
                i++;
                continue;
            }
            int need;
            int lo = 0x80;
            int hi = 0xBF;
            if (c >= 0xC2 && c <= 0xDF) {
                need = 1;
            } else if (c == 0xE0) {
                need = 2;
                lo = 0xA0;
            } else if (c == 0xED) {
                need = 2;
                hi = 0x9F;
            } else if (c >= 0xE1 && c <= 0xEF) {
                need = 2;
            } else if (c == 0xF0) {
                need = 3;
                lo = 0x90;
            } else if (c == 0xF4) {
                need = 3;
                hi = 0x8F;
            } else if (c >= 0xF1 && c <= 0xF3) {
                need = 3;
            } else {
                return false; // stray continuation byte, C0/C1, or F5..FF
            }
            for (int k = 1; k <= need; k++) {
                if (i + k >= n) {
                    return true; // sequence continues in the next token
                }
                int d = b[i + k] & 0xFF;
                if (k == 1 ? d < lo || d > hi : (d & 0xC0) != 0x80) {
                    return false;
                }
            }
            i += need + 1;
        }
        return true;
    }

    private static List<WhisperGgmlTensor> readTensors(ChannelInput in) throws IOException {
        List<WhisperGgmlTensor> out = new ArrayList<>();
        var decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        while (in.remaining() > 0) {
            int index = out.size();
            if (index >= MAX_TENSORS) {
                throw new FormatException("whisper ggml file has more than " + MAX_TENSORS + " tensors");
            }
            long headerAt = in.position();
            if (in.remaining() < 12) {
                throw new FormatException("whisper ggml file truncated: " + in.remaining()
                        + " stray bytes at offset " + headerAt + " where tensor " + index + " should start");
            }
            int nDims = in.readInt("tensor n_dims");
            int nameLen = in.readInt("tensor name length");
            int typeId = in.readInt("tensor type");
            if (nDims < 0 || nDims > 4) {
                throw new FormatException("whisper ggml tensor " + index + " at offset " + headerAt + " has n_dims " + nDims
                        + " (whisper.cpp reads at most 4)");
            }
            if (nameLen <= 0 || nameLen > MAX_NAME_LENGTH) {
                throw new FormatException("whisper ggml tensor " + index + " at offset " + headerAt + " has name length "
                        + nameLen + " (1.." + MAX_NAME_LENGTH + " allowed)");
            }
            GgmlType type = WhisperGgmlTypes.byId(typeId).orElseThrow(() -> new FormatException(
                    "whisper ggml tensor " + index + " at offset " + headerAt + " has unknown ggml type " + typeId));
            long[] dims = new long[nDims];
            long elements = 1;
            for (int d = 0; d < nDims; d++) {
                int ne = in.readInt("tensor dims");
                if (ne < 0) {
                    throw new FormatException("whisper ggml tensor " + index + " has negative dimension " + ne);
                }
                dims[d] = ne;
                if (ne != 0 && elements > Long.MAX_VALUE / ne) {
                    throw new FormatException("whisper ggml tensor " + index + " element count overflows");
                }
                elements *= ne;
            }
            String name = decoder.decode(ByteBuffer.wrap(in.readBytes(nameLen, "tensor name"))).toString();
            long ne0 = nDims == 0 ? 1 : dims[0];
            long bytes = WhisperGgmlTypes.byteSize(type, ne0, elements);
            if (bytes < 0) {
                throw new FormatException("whisper ggml tensor " + clip(name) + " row of " + ne0 + " values is not a whole number of "
                        + type.ggmlName() + " blocks of " + type.blockSize());
            }
            long dataAt = in.position();
            if (bytes > in.remaining()) {
                throw new FormatException("whisper ggml tensor " + clip(name) + " data (" + bytes + " bytes at offset " + dataAt
                        + ") runs past the end of the file (" + in.size() + " bytes)");
            }
            in.skip(bytes, "tensor data");
            out.add(new WhisperGgmlTensor(name, dims, type, dataAt, bytes));
        }
        return out;
    }
}
