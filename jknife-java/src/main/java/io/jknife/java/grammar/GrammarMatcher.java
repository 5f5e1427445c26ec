package io.jknife.java.grammar;

import io.jknife.java.grammar.Grammar.CharClass;
import io.jknife.java.grammar.Grammar.Element;
import io.jknife.java.grammar.Grammar.RuleRef;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Matches code points against a {@link Grammar} as llama.cpp's pushdown automaton does: a state
 * is a set of stacks of positions in the rules' sequences; the top of every stack is a character
 * class, the frames below are where to go on when the rule above ends. {@link #accept} moves
 * every stack whose top matches and expands rule references until characters are on top again.
 * States are immutable (stacks share their tails), so a candidate can be tried without committing.
 * Thread-safe: one matcher serves any number of generations.
 */
public final class GrammarMatcher {
    /** The sequences of all rules, each followed by a null (its end); positions index this. */
    private final Element[] program;
    /** Per rule, where each of its alternatives starts in {@link #program}. */
    private final int[][] alternatives;
    private final GrammarState start;

    public GrammarMatcher(Grammar grammar) {
        List<Element> prog = new ArrayList<>();
        alternatives = new int[grammar.rules().size()][];
        for (int r = 0; r < grammar.rules().size(); r++) {
            List<List<Element>> alts = grammar.rules().get(r).alternatives();
            alternatives[r] = new int[alts.size()];
            for (int a = 0; a < alts.size(); a++) {
                alternatives[r][a] = prog.size();
                prog.addAll(alts.get(a));
                prog.add(null);
            }
        }
        program = prog.toArray(new Element[0]);
        Set<Frame> stacks = new LinkedHashSet<>();
        boolean[] complete = {false};
        expandRule(grammar.root(), null, stacks, complete);
        start = new GrammarState(List.copyOf(stacks), complete[0]);
    }

    /** Parses GBNF text into a matcher. */
    public static GrammarMatcher of(String gbnf) {
        return new GrammarMatcher(GbnfParser.parse(gbnf));
    }

    /** The state before any character. */
    public GrammarState start() {
        return start;
    }

    /** The state after {@code codePoint}; {@link GrammarState#isDead()} when no stack takes it. */
    public GrammarState accept(GrammarState state, int codePoint) {
        Set<Frame> out = new LinkedHashSet<>();
        boolean[] complete = {false};
        for (Frame f : state.stacks) {
            if (((CharClass) program[f.pos]).matches(codePoint)) {
                advance(next(f.pos, f.next), out, complete);
            }
        }
        return new GrammarState(List.copyOf(out), complete[0]);
    }

    /** Whether some stack can take a code point in {@code [lo, hi]} (for a character still being decoded). */
    boolean acceptsSomeIn(GrammarState state, int lo, int hi) {
        for (Frame f : state.stacks) {
            CharClass c = (CharClass) program[f.pos];
            int[] r = c.ranges();
            boolean covered = false;
            boolean overlaps = false;
            for (int i = 0; i < r.length; i += 2) {
                covered |= r[i] <= lo && r[i + 1] >= hi;
                overlaps |= r[i] <= hi && r[i + 1] >= lo;
            }
            // negated: possible unless one range covers it all (ranges that cover it together are missed: a cheap bound)
            if (c.negated() ? !covered : overlaps) {
                return true;
            }
        }
        return false;
    }

    /** Whether all of {@code text} is accepted and the grammar may end after it. */
    public boolean matches(String text) {
        GrammarState s = start;
        for (int cp : text.codePoints().toArray()) {
            s = accept(s, cp);
            if (s.isDead()) {
                return false;
            }
        }
        return s.canEnd();
    }

    /** The stack after the element at {@code pos} is consumed. */
    private Frame next(int pos, Frame below) {
        return program[pos + 1] == null ? below : new Frame(pos + 1, below);
    }

    /** Expands references on top of {@code stack} until a character class is on top (or the stack is empty). */
    private void advance(Frame stack, Set<Frame> out, boolean[] complete) {
        if (stack == null) {
            complete[0] = true;
            return;
        }
        Element e = program[stack.pos];
        if (e instanceof RuleRef ref) {
            expandRule(ref.index(), next(stack.pos, stack.next), out, complete);
        } else {
            out.add(stack);
        }
    }

    private void expandRule(int rule, Frame below, Set<Frame> out, boolean[] complete) {
        for (int startPos : alternatives[rule]) {
            advance(program[startPos] == null ? below : new Frame(startPos, below), out, complete);
        }
    }

    /** One stack: a position and the stack below it; equal by content, hash kept. */
    static final class Frame {
        final int pos;
        final Frame next;
        private final int hash;

        Frame(int pos, Frame next) {
            this.pos = pos;
            this.next = next;
            this.hash = pos * 31 + (next == null ? 0 : next.hash * 1_000_003);
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) {
                return true;
            }
            if (!(o instanceof Frame f) || f.hash != hash) {
                return false;
            }
            Frame a = this;
            Frame b = f;
            while (a != null && b != null) {
                if (a == b) {
                    return true;
                }
                if (a.pos != b.pos) {
                    return false;
                }
                a = a.next;
                b = b.next;
            }
            return a == b;
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
