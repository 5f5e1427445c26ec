package io.jknife.chat;

/**
 * Brings a Jinja template's source to the form Jinjava renders as Jinja would, for the lexer
 * settings transformers uses: newlines normalised to {@code \n} and one trailing newline dropped
 * ({@code keep_trailing_newline=False}), then {@code trim_blocks} (the first newline after a block
 * or comment tag goes) and {@code lstrip_blocks} (spaces and tabs between a line start and a block
 * or comment tag go), honouring the {@code +} modifiers that turn them off per tag.
 *
 * <p>Done on the source, with Jinja's rules, because Jinjava's own {@code lstripBlocks} also
 * strips blanks before tags in the middle of a line ({@code "a {% if x %}"} loses its space) and
 * does not trim after comments.
 */
final class JinjaSource {

    private JinjaSource() {
    }

    static String normalize(String source) {
        String s = source.replace("\r\n", "\n").replace('\r', '\n');
        if (s.endsWith("\n")) {
            s = s.substring(0, s.length() - 1);
        }
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        int n = s.length();
        boolean lineStarting = true;
        while (i < n) {
            int open = nextOpen(s, i);
            if (open < 0) {
                out.append(s, i, n);
                break;
            }
            String text = s.substring(i, open);
            char kind = s.charAt(open + 1);
            char sign = open + 2 < n ? s.charAt(open + 2) : 0;
            boolean blockOrComment = kind == '%' || kind == '#';
            if (blockOrComment && sign != '-' && sign != '+') {
                int lineStart = text.lastIndexOf('\n') + 1;
                if ((lineStart > 0 || lineStarting) && isBlank(text, lineStart)) {
                    text = text.substring(0, lineStart);
                }
            }
            out.append(text);
            int close = closeOf(s, open, kind);
            if (close < 0) {
                // unterminated: leave the rest for Jinjava to report
                out.append(s, open, n);
                break;
            }
            String tag = s.substring(open, close);
            // "{%+" and "+%}" only switch the stripping off; Jinjava does not know them
            if (blockOrComment && sign == '+') {
                tag = tag.substring(0, 2) + tag.substring(3);
            }
            boolean keepNewline = blockOrComment && tag.length() >= 3 && tag.charAt(tag.length() - 3) == '+';
            if (keepNewline) {
                tag = tag.substring(0, tag.length() - 3) + tag.substring(tag.length() - 2);
            }
            out.append(tag);
            i = close;
            lineStarting = false;
            if (blockOrComment && !keepNewline && i < n && s.charAt(i) == '\n') {
                i++;
                lineStarting = true;
            }
            if (kind == '%' && isRawStart(tag)) {
                int end = rawEnd(s, i);
                out.append(s, i, end);
                i = end;
                lineStarting = false;
            }
        }
        return out.toString();
    }

    /**
     * The names of the filters the template applies ({@code x|name}), to refuse at parse time the
     * ones the engine lacks: Jinjava renders an unknown filter silently as nothing, which would
     * drop text from the prompt.
     */
    static java.util.Set<String> filterNames(String source) {
        java.util.Set<String> names = new java.util.TreeSet<>();
        int i = 0;
        while (true) {
            int open = nextOpen(source, i);
            if (open < 0) {
                return names;
            }
            char kind = source.charAt(open + 1);
            int close = closeOf(source, open, kind);
            if (close < 0) {
                return names;
            }
            if (kind != '#') {
                String code = withoutStrings(source.substring(open + 2, close - 2));
                for (int p = code.indexOf('|'); p >= 0; p = code.indexOf('|', p + 1)) {
                    if ((p > 0 && code.charAt(p - 1) == '|') || (p + 1 < code.length() && code.charAt(p + 1) == '|')) {
                        continue;
                    }
                    int start = p + 1;
                    while (start < code.length() && Character.isWhitespace(code.charAt(start))) {
                        start++;
                    }
                    int end = start;
                    while (end < code.length() && (Character.isLetterOrDigit(code.charAt(end)) || code.charAt(end) == '_')) {
                        end++;
                    }
                    if (end > start) {
                        names.add(code.substring(start, end));
                    }
                }
            }
            i = close;
        }
    }

    /** Expression text with its string literals blanked out. */
    private static String withoutStrings(String code) {
        StringBuilder b = new StringBuilder(code.length());
        char quote = 0;
        for (int i = 0; i < code.length(); i++) {
            char c = code.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
                b.append(' ');
            } else if (c == '\'' || c == '"') {
                quote = c;
                b.append(' ');
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** The next {@code {{}, {@code {%} or {@code {#} at or after {@code from}, or -1. */
    private static int nextOpen(String s, int from) {
        for (int i = s.indexOf('{', from); i >= 0 && i + 1 < s.length(); i = s.indexOf('{', i + 1)) {
            char c = s.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') {
                return i;
            }
        }
        return -1;
    }

    /** The index just past the tag opened at {@code open}; strings inside expressions are skipped. */
    private static int closeOf(String s, int open, char kind) {
        if (kind == '#') {
            int end = s.indexOf("#}", open + 2);
            return end < 0 ? -1 : end + 2;
        }
        char closer = kind == '{' ? '}' : '%';
        char quote = 0;
        for (int i = open + 2; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == closer && i + 1 < s.length() && s.charAt(i + 1) == '}') {
                return i + 2;
            }
        }
        return -1;
    }

    private static boolean isBlank(String text, int from) {
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != ' ' && c != '\t') {
                return false;
            }
        }
        return true;
    }

    private static boolean isRawStart(String tag) {
        String body = tag.substring(2, tag.length() - 2).replace("-", "").replace("+", "").strip();
        return body.equals("raw");
    }

    /** Where the literal content of a raw block ends: the start of its {@code {% endraw %}} tag. */
    private static int rawEnd(String s, int from) {
        for (int i = s.indexOf("{%", from); i >= 0; i = s.indexOf("{%", i + 2)) {
            int close = s.indexOf("%}", i + 2);
            if (close < 0) {
                break;
            }
            String body = s.substring(i + 2, close).replace("-", "").replace("+", "").strip();
            if (body.equals("endraw")) {
                return i;
            }
        }
        return s.length();
    }
}
