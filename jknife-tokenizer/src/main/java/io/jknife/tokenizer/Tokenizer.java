package io.jknife.tokenizer;

import java.util.OptionalInt;
import java.util.Set;

/** Text to token ids and back, for one model's vocabulary. Implementations are thread-safe. */
public interface Tokenizer {

    /** Number of token ids (valid ids are 0 .. vocabularySize()-1). */
    int vocabularySize();

    /**
     * The ids for {@code text}.
     *
     * @param addSpecial   prepend BOS (and append EOS) as the vocabulary's metadata says
     *                     ({@code tokenizer.ggml.add_bos_token}, {@code add_eos_token})
     * @param parseSpecial written special tokens such as {@code <|eot_id|>} become their ids;
     *                     when false they are tokenized as plain text
     */
    int[] encode(String text, boolean addSpecial, boolean parseSpecial);

    /**
     * The raw bytes one token stands for: byte-level BPE mapped back to bytes, SentencePiece's
     * ▁ as a space, {@code <0xNN>} byte tokens as that byte; control tokens as their text.
     * Streaming decoders assemble UTF-8 from these (one token may hold part of a character).
     */
    byte[] tokenBytes(int id);

    /** The whole text of {@code ids}; invalid UTF-8 is replaced with U+FFFD. */
    String decode(int[] ids);

    /** Special/control tokens that are not shown in generated text. */
    boolean isControl(int id);

    OptionalInt bos();

    OptionalInt eos();

    /** Ids that end a generation: eos, eot, eom ... as the metadata declares. */
    Set<Integer> endOfGeneration();

    /**
     * Whether {@link #decode} drops the space that SentencePiece-style tokenization puts before
     * the first word (so a streaming decoder should drop it from the start of its text too).
     */
    default boolean stripsLeadingSpace() {
        return false;
    }
}
