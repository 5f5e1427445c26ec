package io.jknife.java.grammar;

import io.jknife.java.grammar.Grammar.CharClass;
import io.jknife.java.grammar.Grammar.Element;
import io.jknife.java.grammar.Grammar.RuleRef;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses GBNF, llama.cpp's grammar dialect: {@code name ::= ...} rules (names of letters, digits
 * and {@code -}), alternatives {@code |}, sequences, groups {@code ( )}, repetitions {@code * + ?}
 * {@code {m} {m,} {m,n} {,n}}, string literals and character classes (also negated {@code [^...]})
 * with the escapes {@code \n \t \r \\ \" \[ \] \- \xHH} <code>&#92;uHHHH</code> {@code \UHHHHHHHH}, {@code .} for any
 * character, {@code #} comments. A rule goes on over several lines after {@code ::=}, inside
 * parentheses, and where the next line starts with {@code |}.
 *
 * <p>Repetitions become generated right-recursive rules (as llama.cpp rewrites them), so the
 * matcher knows only sequences, alternatives and references. Undefined rules, a missing
 * {@code root}, duplicate definitions and left recursion are refused with a {@link GrammarException}
 * that names the place.
 */
public final class GbnfParser {
    private final int[] src;
    private int pos;
    private final Map<String, Integer> ids = new HashMap<>();
    private final List<String> names = new ArrayList<>();
    private final List<List<List<Element>>> bodies = new ArrayList<>();
    private final List<Integer> firstUse = new ArrayList<>();
    private final Map<String, Integer> generatedCount = new HashMap<>();

    private GbnfParser(String text) {
        this.src = text.codePoints().toArray();
    }

    /** Parses {@code text}; its start rule is {@code root}. */
    public static Grammar parse(String text) {
        if (text == null) {
            throw new GrammarException("the grammar is null");
        }
        return new GbnfParser(text).grammar();
    }

    private Grammar grammar() {
        skipSpace(true);
        while (pos < src.length) {
            rule();
            skipSpace(true);
        }
        for (int i = 0; i < names.size(); i++) {
            if (bodies.get(i) == null) {
                throw error(firstUse.get(i), "undefined rule '" + names.get(i) + "'");
            }
        }
        Integer root = ids.get("root");
        if (root == null) {
            throw new GrammarException("the grammar has no rule 'root'");
        }
        List<Grammar.Rule> rules = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            rules.add(new Grammar.Rule(names.get(i), bodies.get(i)));
        }
        Grammar g = new Grammar(rules, root);
        LeftRecursion.refuse(g);
        return g;
    }

    private void rule() {
        int start = pos;
        String name = name();
        if (name.isEmpty()) {
            throw error(pos, "expected a rule name, found " + describe(pos));
        }
        skipSpace(false);
        if (!lookingAt("::=")) {
            throw error(pos, "expected '::=' after the rule name '" + name + "', found " + describe(pos));
        }
        pos += 3;
        skipSpace(true);
        int id = idOf(name, -1);
        if (bodies.get(id) != null) {
            throw error(start, "rule '" + name + "' is defined twice");
        }
        bodies.set(id, List.of()); // defined (a reference to itself inside is fine)
        bodies.set(id, alternatives(name, false));
        skipSpace(false);
        if (pos < src.length && src[pos] != '\n' && src[pos] != '\r') {
            throw error(pos, "unexpected " + describe(pos) + " (expected an element, '|' or the end of the line)");
        }
    }

    private List<List<Element>> alternatives(String rule, boolean nested) {
        List<List<Element>> alts = new ArrayList<>();
        alts.add(sequence(rule, nested));
        while (true) {
            int save = pos;
            skipSpace(true);
            if (pos < src.length && src[pos] == '|') {
                pos++;
                skipSpace(true);
                alts.add(sequence(rule, nested));
            } else {
                pos = save;
                return alts;
            }
        }
    }

    private List<Element> sequence(String rule, boolean nested) {
        List<Element> seq = new ArrayList<>();
        int last = -1; // where the last element (what a repetition repeats) starts in seq
        while (true) {
            skipSpace(nested);
            if (pos >= src.length) {
                return seq;
            }
            int c = src[pos];
            if (c == '"') {
                last = seq.size();
                literal(seq);
            } else if (c == '[') {
                last = seq.size();
                seq.add(charClass());
            } else if (c == '.') {
                last = seq.size();
                pos++;
                seq.add(new CharClass(new int[0], true));
            } else if (isNameChar(c)) {
                last = seq.size();
                int at = pos;
                String ref = name();
                seq.add(new RuleRef(idOf(ref, at)));
            } else if (c == '(') {
                int open = pos;
                pos++;
                skipSpace(true);
                int id = generated(rule);
                bodies.set(id, alternatives(rule, true));
                skipSpace(true);
                if (pos >= src.length || src[pos] != ')') {
                    throw error(pos >= src.length ? open : pos, pos >= src.length
                            ? "unclosed '('" : "expected ')', found " + describe(pos));
                }
                pos++;
                last = seq.size();
                seq.add(new RuleRef(id));
            } else if (c == '*' || c == '+' || c == '?' || c == '{') {
                if (last < 0) {
                    throw error(pos, "'" + Character.toString(c) + "' has nothing to repeat");
                }
                repeat(seq, last, rule);
                last = -1;
            } else {
                return seq;
            }
        }
    }

    /** Applies the repetition at pos to seq[last..]. */
    private void repeat(List<Element> seq, int last, String rule) {
        int at = pos;
        int c = src[pos++];
        int min;
        int max; // -1: unbounded
        switch (c) {
            case '*' -> { min = 0; max = -1; }
            case '+' -> { min = 1; max = -1; }
            case '?' -> { min = 0; max = 1; }
            default -> {
                skipSpace(true);
                int lo = number();
                skipSpace(true);
                int hi;
                if (pos < src.length && src[pos] == ',') {
                    pos++;
                    skipSpace(true);
                    hi = pos < src.length && src[pos] == '}' ? -1 : number();
                    skipSpace(true);
                } else {
                    if (lo < 0) {
                        throw error(pos, "expected a number in '{...}'");
                    }
                    hi = lo;
                }
                if (pos >= src.length || src[pos] != '}') {
                    throw error(pos, "expected '}' to close the repetition, found " + describe(pos));
                }
                pos++;
                min = Math.max(lo, 0);
                max = hi;
                if (max >= 0 && max < min) {
                    throw error(at, "repetition {" + min + "," + max + "}: the maximum is below the minimum");
                }
            }
        }
        List<Element> item = new ArrayList<>(seq.subList(last, seq.size()));
        seq.subList(last, seq.size()).clear();
        for (int i = 0; i < min; i++) {
            seq.addAll(item);
        }
        if (max < 0) {
            int star = generated(rule); // star ::= item star |
            List<Element> loop = new ArrayList<>(item);
            loop.add(new RuleRef(star));
            bodies.set(star, List.of(loop, List.of()));
            seq.add(new RuleRef(star));
        } else if (max > min) {
            int inner = -1; // opt_k ::= item opt_{k-1} | : at most max - min more
            for (int k = 0; k < max - min; k++) {
                int opt = generated(rule);
                List<Element> body = new ArrayList<>(item);
                if (inner >= 0) {
                    body.add(new RuleRef(inner));
                }
                bodies.set(opt, List.of(body, List.of()));
                inner = opt;
            }
            seq.add(new RuleRef(inner));
        }
    }

    /** A non-negative decimal number, or -1 when there is none. */
    private int number() {
        int start = pos;
        long v = 0;
        while (pos < src.length && src[pos] >= '0' && src[pos] <= '9') {
            v = v * 10 + (src[pos++] - '0');
            if (v > 100_000) {
                throw error(start, "repetition count too large (at most 100000)");
            }
        }
        return pos == start ? -1 : (int) v;
    }

    private void literal(List<Element> seq) {
        int open = pos++;
        while (true) {
            if (pos >= src.length || src[pos] == '\n' || src[pos] == '\r') {
                throw error(open, "unterminated string literal");
            }
            if (src[pos] == '"') {
                pos++;
                return;
            }
            seq.add(CharClass.of(character()));
        }
    }

    private CharClass charClass() {
        int open = pos++;
        boolean negated = pos < src.length && src[pos] == '^';
        if (negated) {
            pos++;
        }
        List<Integer> ranges = new ArrayList<>();
        while (true) {
            if (pos >= src.length || src[pos] == '\n' || src[pos] == '\r') {
                throw error(open, "unterminated character class");
            }
            if (src[pos] == ']') {
                pos++;
                break;
            }
            int at = pos;
            int lo = character();
            int hi = lo;
            if (pos + 1 < src.length && src[pos] == '-' && src[pos + 1] != ']') {
                pos++;
                hi = character();
                if (hi < lo) {
                    throw error(at, "character range from higher to lower");
                }
            }
            ranges.add(lo);
            ranges.add(hi);
        }
        return new CharClass(ranges.stream().mapToInt(Integer::intValue).toArray(), negated);
    }

    /** One character of a literal or class, escapes decoded. */
    private int character() {
        int c = src[pos++];
        if (c != '\\') {
            return c;
        }
        if (pos >= src.length) {
            throw error(pos - 1, "a '\\' at the end of the grammar");
        }
        int at = pos - 1;
        int e = src[pos++];
        return switch (e) {
            case 'n' -> '\n';
            case 't' -> '\t';
            case 'r' -> '\r';
            case '\\', '"', '[', ']', '-', '/', '^', '\'' -> e;
            case 'x' -> hex(2, at);
            case 'u' -> hex(4, at);
            case 'U' -> hex(8, at);
            default -> throw error(at, "unknown escape '\\" + Character.toString(e) + "'");
        };
    }

    private int hex(int digits, int at) {
        long v = 0;
        for (int i = 0; i < digits; i++) {
            int d = pos < src.length ? Character.digit(src[pos], 16) : -1;
            if (d < 0) {
                throw error(at, "expected " + digits + " hex digits after '\\" + Character.toString(src[at + 1]) + "'");
            }
            v = v * 16 + d;
            pos++;
        }
        return (int) Math.min(v, Integer.MAX_VALUE); // beyond any code point: only an upper range bound
    }

    private String name() {
        int start = pos;
        while (pos < src.length && isNameChar(src[pos])) {
            pos++;
        }
        return new String(src, start, pos - start);
    }

    private static boolean isNameChar(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    }

    /** The id of rule {@code name}, registered on first sight; {@code at} is where it is used (-1: defined). */
    private int idOf(String name, int at) {
        Integer id = ids.get(name);
        if (id == null) {
            id = names.size();
            ids.put(name, id);
            names.add(name);
            bodies.add(null);
            firstUse.add(at);
        } else if (firstUse.get(id) < 0 && at >= 0) {
            firstUse.set(id, at);
        }
        return id;
    }

    /** A new generated rule {@code parent_N} (no GBNF name has '_'); its body is set by the caller. */
    private int generated(String parent) {
        int n = generatedCount.merge(parent, 1, Integer::sum);
        int id = idOf(parent + "_" + n, -1);
        bodies.set(id, List.of());
        return id;
    }

    private void skipSpace(boolean newlines) {
        while (pos < src.length) {
            int c = src[pos];
            if (c == ' ' || c == '\t') {
                pos++;
            } else if (c == '#') {
                while (pos < src.length && src[pos] != '\n' && src[pos] != '\r') {
                    pos++;
                }
            } else if ((c == '\n' || c == '\r') && newlines) {
                pos++;
            } else {
                return;
            }
        }
    }

    private boolean lookingAt(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (pos + i >= src.length || src[pos + i] != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private String describe(int at) {
        if (at >= src.length) {
            return "the end of the grammar";
        }
        int c = src[at];
        return c == '\n' || c == '\r' ? "the end of the line" : "'" + Character.toString(c) + "'";
    }

    private GrammarException error(int at, String message) {
        int line = 1;
        int column = 1;
        for (int i = 0; i < Math.min(at, src.length); i++) {
            if (src[i] == '\n') {
                line++;
                column = 1;
            } else {
                column++;
            }
        }
        return GrammarException.at(line, column, message);
    }
}
