package io.jknife.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.OptionalInt;
import java.util.Set;

/**
 * What both GGUF tokenizer models share: special-token splitting, BOS/EOS, the per-token bytes
 * (computed once, as llama.cpp's piece cache) and decoding. Subclasses tokenize plain text.
 */
abstract class GgufTokenizer implements Tokenizer {
    protected final Vocabulary vocab;
    private final SpecialTokenSplitter splitter;
    private final byte[][] pieces;

    GgufTokenizer(Vocabulary vocab) {
        this.vocab = vocab;
        this.splitter = new SpecialTokenSplitter(vocab);
        this.pieces = new byte[vocab.size()][];
        for (int id = 0; id < pieces.length; id++) {
            int attr = vocab.attr(id);
            String text = vocab.text(id);
            if ((attr & (TokenAttr.CONTROL | TokenAttr.UNKNOWN | TokenAttr.USER_DEFINED)) != 0) {
                pieces[id] = text.getBytes(StandardCharsets.UTF_8);
            } else if ((attr & TokenAttr.NORMAL) != 0) {
                pieces[id] = normalPiece(text);
            } else if ((attr & TokenAttr.BYTE) != 0) {
                pieces[id] = new byte[]{(byte) byteTokenValue(text)};
            } else {
                // unused and undefined tokens stand for nothing (llama.cpp writes no piece)
                pieces[id] = new byte[0];
            }
        }
    }

    /** The bytes of a normal token's text (byte-level BPE: mapped back; SentencePiece: ▁ as space). */
    abstract byte[] normalPiece(String text);

    /** Appends the ids of one plain-text fragment; {@code afterSpecial}: at the start or after a special token. */
    abstract void encodeText(String text, boolean afterSpecial, IntList out);

    /** Whether decoding drops the space SentencePiece put before the first word. */
    @Override
    public abstract boolean stripsLeadingSpace();

    /** The value of a {@code <0xNN>} byte token, or 0 if the text has another form. */
    static int byteTokenValue(String text) {
        if (text.length() == 6 && text.startsWith("<0x") && text.endsWith(">")) {
            try {
                return Integer.parseInt(text.substring(3, 5), 16);
            } catch (NumberFormatException e) {
                return 0;
            }
        }
        return 0;
    }

    @Override
    public int vocabularySize() {
        return vocab.size();
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        IntList out = new IntList(Math.max(8, text.length() / 3));
        if (addSpecial && vocab.addBos) {
            out.add(vocab.bos);
        }
        boolean afterSpecial = true;
        for (Fragment f : splitter.split(text, parseSpecial)) {
            if (f.isText()) {
                encodeText(f.text(), afterSpecial, out);
                afterSpecial = false;
            } else {
                out.add(f.token());
                afterSpecial = true;
            }
        }
        if (addSpecial && vocab.addEos) {
            out.add(vocab.eos);
        }
        return out.toArray();
    }

    @Override
    public byte[] tokenBytes(int id) {
        check(id);
        return pieces[id].clone();
    }

    /**
     * All tokens' bytes concatenated, control tokens included as their text. For SentencePiece,
     * the space put before the first word (the first token, or the first after a leading BOS)
     * is dropped, so that {@code decode(encode(text))} gives the text back.
     */
    @Override
    public String decode(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length * 4);
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            check(id);
            byte[] p = pieces[id];
            boolean firstWord = i == 0 || (i == 1 && ids[0] == vocab.bos && vocab.bos >= 0);
            if (firstWord && stripsLeadingSpace() && p.length > 0 && p[0] == ' '
                    && (vocab.attr(id) & TokenAttr.NORMAL) != 0) {
                out.write(p, 1, p.length - 1);
            } else {
                out.write(p, 0, p.length);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Override
    public boolean isControl(int id) {
        check(id);
        return (vocab.attr(id) & (TokenAttr.CONTROL | TokenAttr.UNKNOWN)) != 0;
    }

    @Override
    public OptionalInt bos() {
        return vocab.bos >= 0 ? OptionalInt.of(vocab.bos) : OptionalInt.empty();
    }

    @Override
    public OptionalInt eos() {
        return vocab.eos >= 0 ? OptionalInt.of(vocab.eos) : OptionalInt.empty();
    }

    @Override
    public Set<Integer> endOfGeneration() {
        return vocab.endOfGeneration;
    }

    private void check(int id) {
        if (id < 0 || id >= pieces.length) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of "
                    + pieces.length + " tokens");
        }
    }
}
