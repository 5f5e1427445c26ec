package io.jknife.tokenizer;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * A GGUF vocabulary as llama.cpp holds it: token texts, scores and attributes by id, the reverse
 * lookup, and the special ids with the BOS/EOS policy.
 */
final class Vocabulary {
    /**
     * Token texts that end a generation when the vocabulary has them (the list of llama.cpp
     * b4916, the build we ship and compare against: {@code <|end_of_text|>} is not among them).
     */
    static final Set<String> END_OF_GENERATION_TEXTS = Set.of(
            "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|eom_id|>", "<EOT>",
            "_<EOT>", "<｜end▁of▁sentence｜>");
    /** Texts of fill-in-the-middle tokens that llama.cpp marks as control tokens. */
    private static final Set<String> FIM_TEXTS = Set.of(
            "<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>",
            "<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>",
            "<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>",
            "<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "<|fim_repo|>", "<|repo_name|>", "<fim-repo>",
            "<REPO>", "<reponame>", "<|file_sep|>");

    private final String[] texts;
    private final float[] scores;
    private final int[] attrs;
    private final Map<String, Integer> ids;
    final int bos;
    final int eos;
    final int eot;
    final int eom;
    final int unk;
    final boolean addBos;
    final boolean addEos;
    final Set<Integer> endOfGeneration;

    /**
     * @param bos etc.: ids, or -1 for none; attrs is modified (end tokens become control tokens,
     *            as llama.cpp does)
     */
    Vocabulary(String[] texts, float[] scores, int[] attrs, Map<String, Integer> ids, int bos, int eos, int eot,
               int eom, int unk, boolean addBos, boolean addEos) {
        this.texts = texts;
        this.scores = scores;
        this.attrs = attrs;
        this.ids = ids;
        this.bos = bos;
        this.eos = eos;
        this.unk = unk;
        this.addBos = addBos;
        this.addEos = addEos;
        int eotId = eot;
        int eomId = eom;
        Set<Integer> eog = new LinkedHashSet<>();
        for (int id = 0; id < texts.length; id++) {
            String t = texts[id];
            boolean end = END_OF_GENERATION_TEXTS.contains(t);
            if (end) {
                eog.add(id);
            }
            if (eotId < 0 && (end && !t.equals("<|eom_id|>"))) {
                eotId = id;
            }
            if (eomId < 0 && t.equals("<|eom_id|>")) {
                eomId = id;
            }
            if (end || FIM_TEXTS.contains(t)) {
                attrs[id] |= TokenAttr.CONTROL;
            }
        }
        this.eot = eotId;
        this.eom = eomId;
        for (int id : new int[]{eos, eotId, eomId}) {
            if (id >= 0) {
                eog.add(id);
            }
        }
        this.endOfGeneration = Collections.unmodifiableSet(eog);
    }

    int size() {
        return texts.length;
    }

    String text(int id) {
        return texts[id];
    }

    float score(int id) {
        return scores[id];
    }

    int attr(int id) {
        return attrs[id];
    }

    /** The id of a token text, or -1. */
    int id(String text) {
        Integer id = ids.get(text);
        return id == null ? -1 : id;
    }
}
