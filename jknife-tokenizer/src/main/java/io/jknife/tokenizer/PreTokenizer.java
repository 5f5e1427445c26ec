package io.jknife.tokenizer;

import io.jknife.formats.FormatException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits text into words before byte-level BPE, as llama.cpp does for {@code tokenizer.ggml.pre}:
 * a list of regexes, each applied to every piece the previous one left (matches and the text
 * between them both become pieces).
 *
 * <p>llama.cpp runs a regex that uses Unicode categories on a "collapsed" copy of the text: every
 * code point below 128 stays, whitespace above becomes U+000B, any other becomes one marker per
 * category (letter, number, punctuation, mark, symbol, other), and {@code \p{L}} etc. in the regex
 * become the marker plus the ASCII members of the category. Its ASCII lists differ from Unicode in
 * one place ({@code ~} is no symbol), and upper/lower-case classes only separate ASCII letters. To
 * give the same ids this class does exactly the same, with Java's regex engine (ordered
 * alternation and backtracking like ECMAScript's). A regex without categories runs on the text
 * with only non-ASCII whitespace replaced by U+000B, as llama.cpp's {@code std::wregex} path.
 */
final class PreTokenizer {
    private static final char OTHER = '\u00D0';
    private static final char NUMBER = '\u00D1';
    private static final char LETTER = '\u00D2';
    private static final char PUNCTUATION = '\u00D3';
    private static final char MARK = '\u00D4';
    private static final char SYMBOL = '\u00D5';

    /** llama.cpp's category names and what each becomes in a collapsed regex (marker + ASCII members). */
    private static final Map<String, String> CATEGORIES = Map.of(
            "\\p{N}", "\\x{D1}\\x30-\\x39",
            "\\p{L}", "\\x{D2}\\x41-\\x5A\\x61-\\x7A",
            "\\p{Lu}", "\\x{D2}\\x41-\\x5A\\x61-\\x7A",
            "\\p{Ll}", "\\x{D2}\\x41-\\x5A\\x61-\\x7A",
            "\\p{Lt}", "\\x{D2}\\x41-\\x5A\\x61-\\x7A",
            "\\p{Lm}", "\\x{D2}\\x41-\\x5A\\x61-\\x7A",
            "\\p{Lo}", "\\x{D2}\\x41-\\x5A\\x61-\\x7A",
            "\\p{P}", "\\x{D3}\\x21-\\x23\\x25-\\x2A\\x2C-\\x2F\\x3A-\\x3B\\x3F-\\x40\\x5B-\\x5D\\x5F\\x7B\\x7D",
            "\\p{M}", "\\x{D4}",
            "\\p{S}", "\\x{D5}\\x24\\x2B\\x3C-\\x3E\\x5E\\x60\\x7C");

    private static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
    private static final String CONTRACTIONS = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])";
    private static final String LLAMA3 = CONTRACTIONS + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String QWEN2 = CONTRACTIONS + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String UPPER_THEN_LOWER = "((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+";
    private static final String UPPER_THEN_LOWER2 = "((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*";
    private static final String TEKKEN = "[^\\r\\n\\p{L}\\p{N}]?" + UPPER_THEN_LOWER + "|[^\\r\\n\\p{L}\\p{N}]?"
            + UPPER_THEN_LOWER2 + "|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String GPT4O = "[^\\r\\n\\p{L}\\p{N}]?" + UPPER_THEN_LOWER + CONTRACTIONS + "?"
            + "|[^\\r\\n\\p{L}\\p{N}]?" + UPPER_THEN_LOWER2 + CONTRACTIONS + "?"
            + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String BLOOM = " ?[^(\\s|.,!?…。，、।۔،)]+";
    private static final String CJK = "[一-龥ࠀ-一가-퟿]+";

    /** Every {@code tokenizer.ggml.pre} value {@link #forType} accepts. */
    static final java.util.Set<String> TYPES = java.util.Set.of(
            "default", "llama3", "llama-v3", "llama-bpe", "falcon3", "pixtral", "dbrx", "smaug-bpe", "chatglm-bpe",
            "glm4", "deepseek-llm", "deepseek-coder", "deepseek-v3", "falcon", "starcoder", "refact", "command-r",
            "smollm", "codeshell", "exaone", "minerva-7b", "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat",
            "jina-v1-en", "jina-v2-es", "jina-v2-de", "jina-v2-code", "roberta-bpe", "mpt", "olmo", "jais", "exaone4",
            "qwen2", "deepseek-r1-qwen", "megrez", "stablelm2", "poro-chat", "bloom", "gpt3-finnish", "viking",
            "tekken", "chameleon", "gpt-4o", "llama4");

    /** The regexes of each pre-tokenizer type, by llama.cpp's type. */
    private static List<String> regexes(String pre) {
        return switch (pre) {
            case "default" -> List.of("[\\p{P}\\$\\+<=>\\^~\\|]+", GPT2, "\\p{N}+", "[0-9][0-9][0-9]");
            case "llama3", "llama-v3", "llama-bpe", "falcon3", "pixtral", "dbrx", "smaug-bpe", "chatglm-bpe", "glm4" ->
                    List.of(LLAMA3);
            // written as escapes: canonical singletons (Greek oxia/prosgegrammeni, Ohm and Kelvin signs) that
            // Unicode normalization of this source would silently change
            case "deepseek-llm" -> List.of("[\r\n]",
                    "\\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-\u1F7Dᾀ-ᾴᾶ-ᾼ\u1FBEῂ-ῄῆ-ῌῐ-\u1FD3ῖ-\u1FDBῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤ\u2126ℨ\u212A-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+",
                    "\\s?[!-/:-~！-／：-～‘-‟　-。]+", "\\s+$", CJK, "\\p{N}+");
            case "deepseek-coder" -> List.of("[\r\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", CJK, "\\p{N}");
            case "deepseek-v3" -> List.of("\\p{N}{1,3}", "[一-龥぀-ゟ゠-ヿ]+",
                    "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+"
                            + "| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+");
            case "falcon" -> List.of("[\\p{P}\\$\\+<=>\\^~\\|`]+", GPT2, "[0-9][0-9][0-9]");
            case "starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b" ->
                    List.of("\\p{N}", GPT2);
            case "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v1-en", "jina-v2-es", "jina-v2-de",
                 "jina-v2-code", "roberta-bpe", "mpt", "olmo", "jais", "exaone4" -> List.of(GPT2);
            case "qwen2", "deepseek-r1-qwen", "megrez", "stablelm2" -> List.of(QWEN2);
            case "poro-chat", "bloom", "gpt3-finnish" -> List.of(BLOOM);
            case "viking" -> List.of(BLOOM, "\\p{N}");
            case "tekken" -> List.of(TEKKEN);
            case "chameleon" -> List.of("<sentinel:[0-9]+>", "(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z",
                    "([\\t\\n]|    |  )", "\\p{N}", "[\\p{P}!-/:-@\\[-`{-~]", GPT2);
            case "gpt-4o", "llama4" -> List.of(GPT4O);
            default -> null;
        };
    }

    /** Pre-tokenizer types after which llama.cpp uses a whole word that is a token as is. */
    static boolean ignoresMerges(String pre) {
        return switch (pre) {
            case "llama3", "llama-v3", "llama-bpe", "falcon3", "pixtral", "tekken" -> true;
            default -> false;
        };
    }

    /** Whether llama.cpp adds a BOS for this type when the file does not say. */
    static boolean addsBosByDefault(String pre) {
        return switch (pre) {
            case "llama3", "llama-v3", "llama-bpe", "falcon3", "pixtral", "tekken", "chameleon" -> true;
            default -> false;
        };
    }

    private record Rule(Pattern pattern, boolean collapsed) {
    }

    private final String name;
    private final List<Rule> rules;

    private PreTokenizer(String name, List<Rule> rules) {
        this.name = name;
        this.rules = rules;
    }

    /** The pre-tokenizer llama.cpp uses for {@code tokenizer.ggml.pre} (missing or empty: "default"). */
    static PreTokenizer forType(String pre) throws FormatException {
        String type = pre == null || pre.isEmpty() ? "default" : pre;
        List<String> exprs = regexes(type);
        if (exprs == null) {
            throw new FormatException("unsupported pre-tokenizer type " + FormatException.clip(type)
                    + " (tokenizer.ggml.pre)");
        }
        List<Rule> rules = new ArrayList<>();
        for (String e : exprs) {
            boolean collapsed = CATEGORIES.keySet().stream().anyMatch(e::contains);
            String java = collapsed ? collapseRegex(e) : e.replace("\\s+$", "\\s+\\z");
            rules.add(new Rule(Pattern.compile(java), collapsed));
        }
        return new PreTokenizer(type, List.copyOf(rules));
    }

    String name() {
        return name;
    }

    /** The words of {@code text}, in order; they concatenate to {@code text}. */
    List<String> split(String text) {
        int[] cps = text.codePoints().toArray();
        // char offset of each code point, and one past the end
        int[] charAt = new int[cps.length + 1];
        for (int i = 0, c = 0; i < cps.length; i++) {
            charAt[i] = c;
            c += Character.charCount(cps[i]);
        }
        charAt[cps.length] = text.length();
        String collapsed = null;
        String spaced = null;
        // piece boundaries in code points
        List<int[]> pieces = new ArrayList<>();
        pieces.add(new int[]{0, cps.length});
        for (Rule rule : rules) {
            List<int[]> next = new ArrayList<>();
            if (rule.collapsed()) {
                if (collapsed == null) {
                    collapsed = collapse(cps);
                }
                // one char per code point: offsets are code point offsets
                Matcher m = rule.pattern().matcher(collapsed);
                for (int[] p : pieces) {
                    splitPiece(m, p[0], p[1], next, null);
                }
            } else {
                if (spaced == null) {
                    spaced = spaceFolded(text, cps);
                }
                Matcher m = rule.pattern().matcher(spaced);
                for (int[] p : pieces) {
                    splitPiece(m, charAt[p[0]], charAt[p[1]], next, charAt);
                }
            }
            pieces = next;
        }
        List<String> words = new ArrayList<>(pieces.size());
        for (int[] p : pieces) {
            words.add(text.substring(charAt[p[0]], charAt[p[1]]));
        }
        return words;
    }

    /** Adds the matches of {@code m} in [from, to) and the gaps between them, as code point ranges. */
    private static void splitPiece(Matcher m, int from, int to, List<int[]> out, int[] charAt) {
        m.region(from, to);
        int last = from;
        while (m.find()) {
            if (m.end() == m.start()) {
                continue;
            }
            if (m.start() > last) {
                out.add(range(last, m.start(), charAt));
            }
            out.add(range(m.start(), m.end(), charAt));
            last = m.end();
        }
        if (last < to) {
            out.add(range(last, to, charAt));
        }
    }

    private static int[] range(int from, int to, int[] charAt) {
        if (charAt == null) {
            return new int[]{from, to};
        }
        return new int[]{cpIndex(charAt, from), cpIndex(charAt, to)};
    }

    private static int cpIndex(int[] charAt, int charOffset) {
        int i = java.util.Arrays.binarySearch(charAt, charOffset);
        if (i < 0) {
            throw new IllegalStateException("regex split inside a surrogate pair");
        }
        return i;
    }

    /** llama.cpp's collapsed text: one char per code point. */
    private static String collapse(int[] cps) {
        char[] out = new char[cps.length];
        for (int i = 0; i < cps.length; i++) {
            int cp = cps[i];
            out[i] = cp < 128 ? (char) cp : isWhitespace(cp) ? '\u000B' : category(cp);
        }
        return new String(out);
    }

    private static String spaceFolded(String text, int[] cps) {
        StringBuilder b = new StringBuilder(text.length());
        for (int cp : cps) {
            if (cp > 0x7F && isWhitespace(cp)) {
                b.append('\u000B');
            } else {
                b.appendCodePoint(cp);
            }
        }
        return b.toString();
    }

    /** Unicode's White_Space property (llama.cpp's whitespace table). */
    static boolean isWhitespace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }

    private static char category(int cp) {
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> LETTER;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK -> MARK;
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> PUNCTUATION;
            case Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL,
                 Character.OTHER_SYMBOL -> SYMBOL;
            default -> OTHER;
        };
    }

    /** The regex with each category class replaced by its collapsed form, as llama.cpp rewrites it. */
    static String collapseRegex(String regex) {
        StringBuilder out = new StringBuilder();
        boolean inside = false;
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '[' && (i == 0 || regex.charAt(i - 1) != '\\')) {
                out.append('[');
                inside = true;
                continue;
            }
            if (inside && c == ']' && regex.charAt(i - 1) != '\\') {
                out.append(']');
                inside = false;
                continue;
            }
            if (c == '\\' && i + 3 < regex.length() && regex.charAt(i + 1) == 'p' && regex.charAt(i + 2) == '{') {
                int close = regex.indexOf('}', i + 3);
                if (close >= 0 && close <= i + 10) {
                    String cls = CATEGORIES.get(regex.substring(i, close + 1));
                    if (cls != null) {
                        out.append(inside ? cls : "[" + cls + "]");
                        i = close;
                        continue;
                    }
                }
            }
            out.append(c);
        }
        return out.toString();
    }
}
