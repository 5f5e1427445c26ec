package io.jknife.java.grammar;

import java.util.List;

/**
 * A parsed GBNF grammar, flattened as llama.cpp does: every rule is a list of alternatives, every
 * alternative a sequence of character classes and rule references. Groups and repetitions have
 * become generated rules (named {@code parent_N}, a name the dialect cannot write).
 *
 * @param rules the rules, by index
 * @param root  the index of {@code root}
 */
public record Grammar(List<Rule> rules, int root) {
    public Grammar {
        rules = List.copyOf(rules);
    }

    /** One rule: {@code name ::= alt | alt ...}; an empty alternative matches the empty string. */
    public record Rule(String name, List<List<Element>> alternatives) {
        public Rule {
            alternatives = alternatives.stream().map(List::copyOf).toList();
        }
    }

    /** One element of a sequence. */
    public sealed interface Element permits CharClass, RuleRef {
    }

    /** A reference to the rule at {@code index}. */
    public record RuleRef(int index) implements Element {
    }

    /**
     * One code point from inclusive ranges {@code [lo0, hi0, lo1, hi1, ...]}, or (negated) one outside
     * all of them; {@code .} is the negated empty class. A literal character is a one-range class.
     */
    public record CharClass(int[] ranges, boolean negated) implements Element {
        public CharClass {
            ranges = ranges.clone();
        }

        public static CharClass of(int codePoint) {
            return new CharClass(new int[]{codePoint, codePoint}, false);
        }

        public boolean matches(int codePoint) {
            for (int i = 0; i < ranges.length; i += 2) {
                if (codePoint >= ranges[i] && codePoint <= ranges[i + 1]) {
                    return !negated;
                }
            }
            return negated;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof CharClass c && c.negated == negated && java.util.Arrays.equals(c.ranges, ranges);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(ranges) * 31 + (negated ? 1 : 0);
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder(negated ? "[^" : "[");
            for (int i = 0; i < ranges.length; i += 2) {
                sb.append(String.format("%X", ranges[i]));
                if (ranges[i + 1] != ranges[i]) {
                    sb.append('-').append(String.format("%X", ranges[i + 1]));
                }
                sb.append(i + 2 < ranges.length ? " " : "");
            }
            return sb.append(']').toString();
        }
    }

    /** The rule called {@code name}, or -1. */
    public int indexOf(String name) {
        for (int i = 0; i < rules.size(); i++) {
            if (rules.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }
}
