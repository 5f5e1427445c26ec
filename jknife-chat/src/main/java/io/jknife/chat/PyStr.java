package io.jknife.chat;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Python {@code str} methods as chat templates call them ({@code content.startswith('<think>')},
 * {@code content.split('</think>')[-1].lstrip('\n')}, ...), with Python's semantics: literal (not
 * regex) separators, {@code maxsplit}, optional {@code chars} for the strip family, negative
 * {@code start}/{@code end} indices, Unicode whitespace as {@code str.isspace} sees it.
 *
 * <p>Indices count UTF-16 units, not code points; templates only pass indices they obtained from
 * {@code find} on the same string, so the two agree.
 */
final class PyStr {

    private PyStr() {
    }

    /** The method names {@link #call} answers; anything else is not a Python string method here. */
    static boolean isMethod(String name) {
        return switch (name) {
            case "startswith", "endswith", "split", "rsplit", "splitlines", "strip", "lstrip", "rstrip",
                 "upper", "lower", "title", "capitalize", "swapcase", "replace", "find", "rfind", "index",
                 "rindex", "count", "join", "removeprefix", "removesuffix", "isspace", "isdigit",
                 "isalpha", "isalnum", "isupper", "islower", "zfill", "center", "ljust", "rjust" -> true;
            default -> false;
        };
    }

    /**
     * Calls Python's {@code s.name(args...)}.
     *
     * @throws IllegalArgumentException for wrong arguments, as Python raises TypeError/ValueError
     */
    static Object call(String s, String name, Object[] args) {
        Object[] a = args == null ? new Object[0] : args;
        return switch (name) {
            case "startswith" -> affix(s, a, true);
            case "endswith" -> affix(s, a, false);
            case "split" -> split(s, optStr(a, 0, "sep"), optInt(a, 1, -1));
            case "rsplit" -> rsplit(s, optStr(a, 0, "sep"), optInt(a, 1, -1));
            case "splitlines" -> splitlines(s, a.length > 0 && truthy(a[0]));
            case "strip" -> strip(s, optStr(a, 0, "chars"), true, true);
            case "lstrip" -> strip(s, optStr(a, 0, "chars"), true, false);
            case "rstrip" -> strip(s, optStr(a, 0, "chars"), false, true);
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "lower" -> s.toLowerCase(Locale.ROOT);
            case "title" -> title(s);
            case "capitalize" -> s.isEmpty() ? s
                    : s.substring(0, s.offsetByCodePoints(0, 1)).toUpperCase(Locale.ROOT)
                      + s.substring(s.offsetByCodePoints(0, 1)).toLowerCase(Locale.ROOT);
            case "swapcase" -> swapcase(s);
            case "replace" -> replace(s, reqStr(a, 0, "old"), reqStr(a, 1, "new"), optInt(a, 2, -1));
            case "find" -> find(s, a, false);
            case "rfind" -> find(s, a, true);
            case "index", "rindex" -> {
                long i = find(s, a, name.equals("rindex"));
                if (i < 0) {
                    throw new IllegalArgumentException("substring not found");
                }
                yield i;
            }
            case "count" -> count(s, a);
            case "join" -> join(s, a.length > 0 ? a[0] : null);
            case "removeprefix" -> {
                String p = reqStr(a, 0, "prefix");
                yield s.startsWith(p) ? s.substring(p.length()) : s;
            }
            case "removesuffix" -> {
                String p = reqStr(a, 0, "suffix");
                yield !p.isEmpty() && s.endsWith(p) ? s.substring(0, s.length() - p.length()) : s;
            }
            case "isspace" -> !s.isEmpty() && s.codePoints().allMatch(PyStr::isSpace);
            case "isdigit" -> !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
            case "isalpha" -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
            case "isalnum" -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit);
            case "isupper" -> hasCased(s) && s.equals(s.toUpperCase(Locale.ROOT));
            case "islower" -> hasCased(s) && s.equals(s.toLowerCase(Locale.ROOT));
            case "zfill" -> zfill(s, (int) reqInt(a, 0, "width"));
            case "center", "ljust", "rjust" -> pad(s, name, (int) reqInt(a, 0, "width"), optStr(a, 1, "fillchar"));
            default -> throw new IllegalArgumentException("'str' object has no attribute '" + name + "'");
        };
    }

    /** Python's {@code str.isspace} for one code point. */
    static boolean isSpace(int c) {
        return c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f) || c == 0x85
                || Character.isWhitespace(c) || Character.isSpaceChar(c);
    }

    static List<String> split(String s, String sep, long maxsplit) {
        List<String> out = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            int n = s.length();
            while (true) {
                while (i < n && isSpace(s.charAt(i))) {
                    i++;
                }
                if (i >= n) {
                    return out;
                }
                if (maxsplit >= 0 && out.size() >= maxsplit) {
                    out.add(s.substring(i));
                    return out;
                }
                int j = i;
                while (j < n && !isSpace(s.charAt(j))) {
                    j++;
                }
                out.add(s.substring(i, j));
                i = j;
            }
        }
        if (sep.isEmpty()) {
            throw new IllegalArgumentException("empty separator");
        }
        int from = 0;
        while (maxsplit < 0 || out.size() < maxsplit) {
            int at = s.indexOf(sep, from);
            if (at < 0) {
                break;
            }
            out.add(s.substring(from, at));
            from = at + sep.length();
        }
        out.add(s.substring(from));
        return out;
    }

    static List<String> rsplit(String s, String sep, long maxsplit) {
        if (maxsplit < 0) {
            return split(s, sep, -1);
        }
        List<String> out = new ArrayList<>();
        if (sep == null) {
            int j = s.length();
            while (true) {
                while (j > 0 && isSpace(s.charAt(j - 1))) {
                    j--;
                }
                if (j <= 0) {
                    break;
                }
                if (out.size() >= maxsplit) {
                    out.add(s.substring(0, j));
                    break;
                }
                int i = j;
                while (i > 0 && !isSpace(s.charAt(i - 1))) {
                    i--;
                }
                out.add(s.substring(i, j));
                j = i;
            }
            return out.reversed();
        }
        if (sep.isEmpty()) {
            throw new IllegalArgumentException("empty separator");
        }
        int end = s.length();
        while (out.size() < maxsplit) {
            int at = s.lastIndexOf(sep, end - sep.length());
            if (at < 0) {
                break;
            }
            out.add(s.substring(at + sep.length(), end));
            end = at;
        }
        out.add(s.substring(0, end));
        return out.reversed();
    }

    static String strip(String s, String chars, boolean left, boolean right) {
        int i = 0;
        int j = s.length();
        if (left) {
            while (i < j && stripped(s.codePointAt(i), chars)) {
                i += Character.charCount(s.codePointAt(i));
            }
        }
        if (right) {
            while (j > i && stripped(s.codePointBefore(j), chars)) {
                j -= Character.charCount(s.codePointBefore(j));
            }
        }
        return s.substring(i, j);
    }

    private static boolean stripped(int c, String chars) {
        return chars == null ? isSpace(c) : chars.indexOf(c) >= 0;
    }

    private static List<String> splitlines(String s, boolean keepends) {
        List<String> out = new ArrayList<>();
        int i = 0;
        int start = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            int eol = switch (c) {
                case '\r' -> i + 1 < n && s.charAt(i + 1) == '\n' ? 2 : 1;
                case '\n', 0x0b, 0x0c, 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029 -> 1;
                default -> 0;
            };
            if (eol > 0) {
                out.add(s.substring(start, keepends ? i + eol : i));
                i += eol;
                start = i;
            } else {
                i++;
            }
        }
        if (start < n) {
            out.add(s.substring(start));
        }
        return out;
    }

    private static String title(String s) {
        StringBuilder b = new StringBuilder(s.length());
        boolean prevCased = false;
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            boolean cased = Character.isUpperCase(c) || Character.isLowerCase(c) || Character.isTitleCase(c);
            if (cased) {
                b.appendCodePoint(prevCased ? Character.toLowerCase(c) : Character.toTitleCase(c));
            } else {
                b.appendCodePoint(c);
            }
            prevCased = cased;
        }
        return b.toString();
    }

    private static String swapcase(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> b.appendCodePoint(Character.isUpperCase(c) ? Character.toLowerCase(c)
                : Character.isLowerCase(c) ? Character.toUpperCase(c) : c));
        return b.toString();
    }

    private static boolean hasCased(String s) {
        return s.codePoints().anyMatch(c -> Character.isUpperCase(c) || Character.isLowerCase(c));
    }

    private static String replace(String s, String old, String rep, long count) {
        if (count < 0) {
            if (old.isEmpty()) {
                return replaceEmpty(s, rep, Long.MAX_VALUE);
            }
            return s.replace(old, rep);
        }
        if (old.isEmpty()) {
            return replaceEmpty(s, rep, count);
        }
        StringBuilder b = new StringBuilder();
        int from = 0;
        long done = 0;
        while (done < count) {
            int at = s.indexOf(old, from);
            if (at < 0) {
                break;
            }
            b.append(s, from, at).append(rep);
            from = at + old.length();
            done++;
        }
        return b.append(s.substring(from)).toString();
    }

    private static String replaceEmpty(String s, String rep, long count) {
        StringBuilder b = new StringBuilder();
        long done = 0;
        int i = 0;
        while (true) {
            if (done < count) {
                b.append(rep);
                done++;
            }
            if (i >= s.length()) {
                return b.toString();
            }
            int c = s.codePointAt(i);
            b.appendCodePoint(c);
            i += Character.charCount(c);
        }
    }

    private static long find(String s, Object[] a, boolean reverse) {
        String sub = reqStr(a, 0, "sub");
        int[] range = range(s, a, 1);
        String window = s.substring(range[0], Math.max(range[0], range[1]));
        if (range[0] > s.length()) {
            return -1;
        }
        int at = reverse ? window.lastIndexOf(sub) : window.indexOf(sub);
        return at < 0 ? -1 : at + range[0];
    }

    private static long count(String s, Object[] a) {
        String sub = reqStr(a, 0, "sub");
        int[] range = range(s, a, 1);
        if (range[0] > s.length()) {
            return 0;
        }
        String window = s.substring(range[0], Math.max(range[0], range[1]));
        if (sub.isEmpty()) {
            return window.codePointCount(0, window.length()) + 1;
        }
        long n = 0;
        int from = 0;
        while (true) {
            int at = window.indexOf(sub, from);
            if (at < 0) {
                return n;
            }
            n++;
            from = at + sub.length();
        }
    }

    /** {@code [start, end]} of Python's optional start/end arguments at {@code a[first]}, {@code a[first+1]}. */
    private static int[] range(String s, Object[] a, int first) {
        int len = s.length();
        int start = clampIndex(a.length > first && a[first] != null ? toLong(a[first], "start") : 0, len);
        int end = clampIndex(a.length > first + 1 && a[first + 1] != null ? toLong(a[first + 1], "end") : len, len);
        return new int[] {start, end};
    }

    private static int clampIndex(long i, int len) {
        if (i < 0) {
            i += len;
            if (i < 0) {
                i = 0;
            }
        }
        return (int) Math.min(i, len + 1L);
    }

    private static boolean affix(String s, Object[] a, boolean prefix) {
        if (a.length == 0 || a[0] == null) {
            throw new IllegalArgumentException((prefix ? "startswith" : "endswith") + " takes at least 1 argument");
        }
        int[] range = range(s, a, 1);
        if (range[0] > s.length()) {
            return false;
        }
        String window = s.substring(range[0], Math.max(range[0], range[1]));
        List<String> candidates = new ArrayList<>();
        if (a[0] instanceof Collection<?> c) {
            for (Object o : c) {
                candidates.add(String.valueOf(o));
            }
        } else if (a[0] instanceof Object[] arr) {
            for (Object o : arr) {
                candidates.add(String.valueOf(o));
            }
        } else {
            candidates.add(a[0].toString());
        }
        for (String c : candidates) {
            if (prefix ? window.startsWith(c) : window.endsWith(c)) {
                return true;
            }
        }
        return false;
    }

    private static String join(String sep, Object iterable) {
        if (iterable == null) {
            throw new IllegalArgumentException("can only join an iterable");
        }
        StringBuilder b = new StringBuilder();
        boolean first = true;
        Iterable<?> items;
        if (iterable instanceof Map<?, ?> m) {
            items = m.keySet();
        } else if (iterable instanceof Iterable<?> it) {
            items = it;
        } else if (iterable instanceof Object[] arr) {
            items = List.of(arr);
        } else if (iterable instanceof CharSequence cs) {
            List<String> chars = new ArrayList<>();
            cs.codePoints().forEach(c -> chars.add(Character.toString(c)));
            items = chars;
        } else {
            throw new IllegalArgumentException("can only join an iterable");
        }
        for (Object o : items) {
            if (!first) {
                b.append(sep);
            }
            b.append(o == null ? "None" : o);
            first = false;
        }
        return b.toString();
    }

    private static String zfill(String s, int width) {
        if (s.length() >= width) {
            return s;
        }
        String zeros = "0".repeat(width - s.length());
        if (!s.isEmpty() && (s.charAt(0) == '+' || s.charAt(0) == '-')) {
            return s.charAt(0) + zeros + s.substring(1);
        }
        return zeros + s;
    }

    private static String pad(String s, String how, int width, String fill) {
        String f = fill == null ? " " : fill;
        if (f.length() != 1) {
            throw new IllegalArgumentException("The fill character must be exactly one character long");
        }
        int total = width - s.length();
        if (total <= 0) {
            return s;
        }
        return switch (how) {
            case "ljust" -> s + f.repeat(total);
            case "rjust" -> f.repeat(total) + s;
            default -> {
                int left = total / 2 + (total & width & 1);
                yield f.repeat(left) + s + f.repeat(total - left);
            }
        };
    }

    private static boolean truthy(Object o) {
        return o != null && !Boolean.FALSE.equals(o) && !(o instanceof Number n && n.doubleValue() == 0);
    }

    private static String optStr(Object[] a, int i, String what) {
        if (a.length <= i || a[i] == null) {
            return null;
        }
        return a[i].toString();
    }

    private static String reqStr(Object[] a, int i, String what) {
        return Optional.ofNullable(optStr(a, i, what))
                .orElseThrow(() -> new IllegalArgumentException("missing argument '" + what + "'"));
    }

    private static long optInt(Object[] a, int i, long def) {
        return a.length <= i || a[i] == null ? def : toLong(a[i], "argument " + (i + 1));
    }

    private static long reqInt(Object[] a, int i, String what) {
        if (a.length <= i || a[i] == null) {
            throw new IllegalArgumentException("missing argument '" + what + "'");
        }
        return toLong(a[i], what);
    }

    private static long toLong(Object o, String what) {
        if (o instanceof Number n) {
            return n.longValue();
        }
        try {
            return Long.parseLong(o.toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " must be an integer, got '" + o + "'");
        }
    }
}
