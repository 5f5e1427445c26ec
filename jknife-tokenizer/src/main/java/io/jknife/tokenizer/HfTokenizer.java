package io.jknife.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.jknife.formats.FormatException;

import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A Hugging Face tokenizer (see {@link HfTokenizers#from}). Encoding and decoding run in the
 * tokenizers library; token bytes and special flags come from {@code tokenizer.json} itself.
 * Holds native memory: {@link #close()} frees it.
 */
public final class HfTokenizer implements Tokenizer, AutoCloseable {
    /** Makes the second tokenizer, for text whose special tokens must stay text. */
    interface Loader {
        HuggingFaceTokenizer load() throws FormatException;
    }

    private final HuggingFaceTokenizer djl;
    private final Loader plainLoader;
    private volatile HuggingFaceTokenizer plain;
    private final HfVocabulary vocab;
    private final int bos;
    private final int eos;
    private final Set<Integer> endOfGeneration;

    HfTokenizer(HuggingFaceTokenizer djl, Loader plainLoader, HfVocabulary vocab, int bos, int eos, Set<Integer> eog) {
        this.djl = djl;
        this.plainLoader = plainLoader;
        this.vocab = vocab;
        this.bos = bos;
        this.eos = eos;
        this.endOfGeneration = Collections.unmodifiableSet(new LinkedHashSet<>(eog));
    }

    @Override
    public int vocabularySize() {
        return vocab.size();
    }

    /**
     * {@code addSpecial}: the post-processor's tokens (BOS, EOS, CLS/SEP as {@code tokenizer.json}
     * declares). Without {@code parseSpecial}, written special tokens are tokenized as text
     * (transformers' {@code split_special_tokens}); non-special added tokens are always matched.
     */
    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        HuggingFaceTokenizer t = parseSpecial ? djl : plain();
        long[] ids = t.encode(text, addSpecial, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    private HuggingFaceTokenizer plain() {
        HuggingFaceTokenizer p = plain;
        if (p == null) {
            synchronized (this) {
                p = plain;
                if (p == null) {
                    try {
                        p = plainLoader.load();
                    } catch (FormatException e) {
                        throw new UncheckedIOException(e);
                    }
                    plain = p;
                }
            }
        }
        return p;
    }

    /**
     * The bytes of one token by the rules of the declared decoder (ByteLevel: GPT-2's byte
     * alphabet; Metaspace / Replace ▁: ▁ as a space and {@code <0xNN>} as that byte), so that a
     * Metaspace decoder over BPE pieces (EuroLLM) gives spaces and whole UTF-8, not byte-level
     * garbage. Special tokens as their text.
     */
    @Override
    public byte[] tokenBytes(int id) {
        check(id);
        return vocab.bytes(id);
    }

    /** The tokenizers library's decode with special tokens kept. */
    @Override
    public String decode(int[] ids) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            check(ids[i]);
            l[i] = ids[i];
        }
        return djl.decode(l, false);
    }

    /** Whether decoding drops the space before the first word (SentencePiece-style decoders). */
    @Override
    public boolean stripsLeadingSpace() {
        return vocab.stripsLeadingSpace;
    }

    @Override
    public boolean isControl(int id) {
        check(id);
        return vocab.isSpecial(id);
    }

    @Override
    public OptionalInt bos() {
        return bos >= 0 ? OptionalInt.of(bos) : OptionalInt.empty();
    }

    @Override
    public OptionalInt eos() {
        return eos >= 0 ? OptionalInt.of(eos) : OptionalInt.empty();
    }

    @Override
    public Set<Integer> endOfGeneration() {
        return endOfGeneration;
    }

    private void check(int id) {
        if (id < 0 || id >= vocab.size()) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of " + vocab.size()
                    + " tokens");
        }
    }

    @Override
    public synchronized void close() {
        djl.close();
        if (plain != null) {
            plain.close();
        }
    }

    @Override
    public String toString() {
        return "HfTokenizer[" + vocab.size() + " tokens, " + vocab.decoding + ", specials "
                + Arrays.toString(endOfGeneration.toArray()) + "]";
    }
}
