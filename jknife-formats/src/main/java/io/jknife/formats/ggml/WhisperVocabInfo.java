package io.jknife.formats.ggml;

import java.util.List;

/**
 * What the reader keeps of a whisper.cpp vocabulary: its size and the facts the native hazard
 * checks need, not the ~50k token strings (see {@link WhisperGgmlReader#readVocabulary}).
 *
 * @param storedCount       tokens stored in the file (whisper.cpp invents the rest up to n_vocab)
 * @param offset            absolute file offset of the vocabulary's count field
 * @param hasSpaceToken     whether the token {@code " "} is present (whisper.cpp looks it up unchecked)
 * @param invalidUtf8Count  tokens that cannot occur in valid UTF-8 text (see the reader for the rule)
 * @param invalidUtf8Ids    ids of the first few such tokens
 */
public record WhisperVocabInfo(int storedCount, long offset, boolean hasSpaceToken, int invalidUtf8Count,
                               List<Integer> invalidUtf8Ids) {
    public WhisperVocabInfo {
        invalidUtf8Ids = List.copyOf(invalidUtf8Ids);
    }
}
