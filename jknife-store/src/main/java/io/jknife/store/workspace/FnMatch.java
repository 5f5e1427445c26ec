package io.jknife.store.workspace;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Python {@code fnmatch.fnmatch} semantics on POSIX (which is {@code fnmatchcase}): case-sensitive,
 * {@code *} matches any run of characters (including none, {@code /} and newlines), {@code ?}
 * exactly one code point, {@code [seq]} / {@code [!seq]} a set or its complement, everything else
 * literal ({@code $ . { } \} included).
 *
 * <p>The pattern is translated to a {@link Pattern} following CPython's {@code fnmatch.translate}
 * step for step, including its corner cases: an unclosed {@code [} is literal, a {@code ]} right
 * after {@code [} or {@code [!} belongs to the set, a {@code -} that cannot start a range is literal,
 * reversed ranges ({@code [z-a]}) are dropped, an empty set never matches and {@code [!]}-like
 * leftovers match any character. {@code FileSystem.getPathMatcher("glob:…")} is deliberately not
 * used: its {@code {}}, {@code \} and {@code /} rules differ.
 */
public final class FnMatch {

    private static final int CACHE_LIMIT = 1024;
    private static final Map<String, Pattern> CACHE = new ConcurrentHashMap<>();

    private FnMatch() {
    }

    /** Whether {@code name} matches the fnmatch {@code pattern} (whole string, case-sensitive). */
    public static boolean matches(String name, String pattern) {
        return compile(pattern).matcher(name).matches();
    }

    /** The compiled regular expression for a pattern (cached). */
    public static Pattern compile(String pattern) {
        Pattern p = CACHE.get(pattern);
        if (p == null) {
            p = Pattern.compile(translate(pattern), Pattern.DOTALL);
            if (CACHE.size() >= CACHE_LIMIT) {
                CACHE.clear();
            }
            CACHE.put(pattern, p);
        }
        return p;
    }

    /** The Java regular expression (to be compiled with {@link Pattern#DOTALL}) for a pattern. */
    public static String translate(String pattern) {
        int[] pat = pattern.codePoints().toArray();
        int n = pat.length;
        int i = 0;
        StringBuilder re = new StringBuilder();
        boolean lastStar = false;
        while (i < n) {
            int c = pat[i++];
            if (c == '*') {
                if (!lastStar) {
                    re.append(".*");
                }
                lastStar = true;
                continue;
            }
            lastStar = false;
            if (c == '?') {
                re.append('.');
            } else if (c == '[') {
                int j = i;
                if (j < n && pat[j] == '!') {
                    j++;
                }
                if (j < n && pat[j] == ']') {
                    j++;
                }
                while (j < n && pat[j] != ']') {
                    j++;
                }
                if (j >= n) {
                    literal(re, '[');
                } else {
                    bracket(re, pat, i, j);
                    i = j + 1;
                }
            } else {
                literal(re, c);
            }
        }
        return re.toString();
    }

    /** The set {@code pat[start, end)} (the text between {@code [} and its closing {@code ]}). */
    private static void bracket(StringBuilder re, int[] pat, int start, int end) {
        // Split into chunks the way CPython does: consecutive chunks are joined by a range
        // operator (last char of one .. first char of the next); chars inside a chunk are literal.
        List<int[]> chunks = new ArrayList<>();
        boolean hasHyphen = false;
        for (int k = start; k < end; k++) {
            if (pat[k] == '-') {
                hasHyphen = true;
                break;
            }
        }
        if (!hasHyphen) {
            chunks.add(Arrays.copyOfRange(pat, start, end));
        } else {
            int i = start;
            int k = pat[i] == '!' ? i + 2 : i + 1;
            while (true) {
                k = find(pat, '-', k, end);
                if (k < 0) {
                    break;
                }
                chunks.add(Arrays.copyOfRange(pat, i, k));
                i = k + 1;
                k = k + 3;
            }
            int[] last = Arrays.copyOfRange(pat, i, end);
            if (last.length > 0) {
                chunks.add(last);
            } else {
                int[] prev = chunks.getLast();
                int[] grown = Arrays.copyOf(prev, prev.length + 1);
                grown[prev.length] = '-';
                chunks.set(chunks.size() - 1, grown);
            }
            // Remove empty (reversed) ranges, dropping both end points.
            for (int m = chunks.size() - 1; m > 0; m--) {
                int[] a = chunks.get(m - 1);
                int[] b = chunks.get(m);
                if (a.length > 0 && b.length > 0 && a[a.length - 1] > b[0]) {
                    int[] merged = new int[a.length - 1 + b.length - 1];
                    System.arraycopy(a, 0, merged, 0, a.length - 1);
                    System.arraycopy(b, 1, merged, a.length - 1, b.length - 1);
                    chunks.set(m - 1, merged);
                    chunks.remove(m);
                }
            }
        }
        if (chunks.size() == 1 && chunks.getFirst().length == 0) {
            re.append("(?!)"); // empty set: never matches
            return;
        }
        if (chunks.size() == 1 && chunks.getFirst().length == 1 && chunks.getFirst()[0] == '!') {
            re.append('.'); // negated empty set: any character
            return;
        }
        boolean negate = false;
        int[] first = chunks.getFirst();
        if (first.length > 0 && first[0] == '!') {
            negate = true;
            chunks.set(0, Arrays.copyOfRange(first, 1, first.length));
        }
        re.append('[');
        if (negate) {
            re.append('^');
        }
        for (int m = 0; m < chunks.size(); m++) {
            int[] ch = chunks.get(m);
            // The last char of a chunk followed by another chunk starts a range; the first char of
            // a chunk after the first one ends it.
            int from = m > 0 ? 1 : 0;
            int to = m < chunks.size() - 1 ? ch.length - 1 : ch.length;
            if (m > 0) {
                int[] prev = chunks.get(m - 1);
                if (prev.length > 0 && ch.length > 0) {
                    hex(re, prev[prev.length - 1]);
                    re.append('-');
                    hex(re, ch[0]);
                } else { // cannot happen with CPython's chunking; keep the hyphen literal
                    hex(re, '-');
                    from = 0;
                }
            }
            for (int q = from; q < to; q++) {
                hex(re, ch[q]);
            }
        }
        re.append(']');
    }

    private static int find(int[] pat, int c, int from, int end) {
        for (int k = from; k < end; k++) {
            if (pat[k] == c) {
                return k;
            }
        }
        return -1;
    }

    private static void literal(StringBuilder re, int c) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
            re.append((char) c);
        } else {
            hex(re, c);
        }
    }

    private static void hex(StringBuilder re, int c) {
        re.append("\\x{").append(Integer.toHexString(c)).append('}');
    }
}
