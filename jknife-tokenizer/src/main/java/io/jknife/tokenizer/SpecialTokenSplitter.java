package io.jknife.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Cuts written special tokens out of a text, as llama.cpp's {@code tokenizer_st_partition}: one
 * special token at a time, longest first, over every text fragment left. Control and unknown
 * tokens are only matched when parsing specials; user-defined tokens always are (as Hugging Face
 * tokenizers treat added tokens).
 */
final class SpecialTokenSplitter {
    private final Vocabulary vocab;
    private final int[] specials; // longest text first

    SpecialTokenSplitter(Vocabulary vocab) {
        this.vocab = vocab;
        List<Integer> ids = new ArrayList<>();
        for (int id = 0; id < vocab.size(); id++) {
            if ((vocab.attr(id) & (TokenAttr.CONTROL | TokenAttr.USER_DEFINED | TokenAttr.UNKNOWN)) != 0) {
                ids.add(id);
            }
        }
        // stable sort: among equal lengths the lower id comes first
        ids.sort((a, b) -> Integer.compare(vocab.text(b).length(), vocab.text(a).length()));
        this.specials = ids.stream().mapToInt(Integer::intValue).toArray();
    }

    List<Fragment> split(String text, boolean parseSpecial) {
        List<Fragment> fragments = new ArrayList<>();
        if (text.isEmpty()) {
            return fragments;
        }
        fragments.add(Fragment.text(text));
        for (int id : specials) {
            int attr = vocab.attr(id);
            if (!parseSpecial && (attr & (TokenAttr.CONTROL | TokenAttr.UNKNOWN)) != 0) {
                continue;
            }
            String special = vocab.text(id);
            boolean rstrip = (attr & TokenAttr.RSTRIP) != 0;
            List<Fragment> next = null;
            for (int f = 0; f < fragments.size(); f++) {
                Fragment frag = fragments.get(f);
                int at = frag.isText() ? frag.text().indexOf(special) : -1;
                if (at < 0) {
                    if (next != null) {
                        next.add(frag);
                    }
                    continue;
                }
                if (next == null) {
                    next = new ArrayList<>(fragments.subList(0, f));
                }
                String s = frag.text();
                int from = 0;
                while (at >= 0) {
                    if (at > from) {
                        next.add(Fragment.text(s.substring(from, at)));
                    }
                    next.add(Fragment.token(id));
                    from = at + special.length();
                    if (rstrip) {
                        while (from < s.length() && isSpace(s.charAt(from))) {
                            from++;
                        }
                    }
                    at = s.indexOf(special, from);
                }
                if (from < s.length()) {
                    next.add(Fragment.text(s.substring(from)));
                }
            }
            if (next != null) {
                fragments = next;
            }
        }
        return fragments;
    }

    /** C's isspace in the "C" locale, which llama.cpp uses for stripping. */
    private static boolean isSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }
}
