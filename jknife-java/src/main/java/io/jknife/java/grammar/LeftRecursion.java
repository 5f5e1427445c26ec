package io.jknife.java.grammar;

import io.jknife.java.grammar.Grammar.Element;
import io.jknife.java.grammar.Grammar.RuleRef;

import java.util.ArrayList;
import java.util.List;

/**
 * Refuses left-recursive grammars: a rule that can reach itself before consuming a character
 * would make the matcher expand forever (llama.cpp refuses them too). A reference counts as
 * "first" when everything before it in its alternative can match the empty string.
 */
final class LeftRecursion {
    private LeftRecursion() {
    }

    static void refuse(Grammar g) {
        int n = g.rules().size();
        boolean[] nullable = nullable(g);
        List<List<Integer>> first = new ArrayList<>();
        for (Grammar.Rule r : g.rules()) {
            List<Integer> targets = new ArrayList<>();
            for (List<Element> alt : r.alternatives()) {
                for (Element e : alt) {
                    if (!(e instanceof RuleRef ref)) {
                        break;
                    }
                    targets.add(ref.index());
                    if (!nullable[ref.index()]) {
                        break;
                    }
                }
            }
            first.add(targets);
        }
        int[] color = new int[n]; // 0 new, 1 on the path, 2 done
        List<Integer> path = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            visit(i, g, first, color, path);
        }
    }

    private static void visit(int r, Grammar g, List<List<Integer>> first, int[] color, List<Integer> path) {
        if (color[r] == 2) {
            return;
        }
        if (color[r] == 1) {
            List<String> cycle = new ArrayList<>();
            for (int i = path.indexOf(r); i < path.size(); i++) {
                cycle.add(g.rules().get(path.get(i)).name());
            }
            cycle.add(g.rules().get(r).name());
            throw new GrammarException("the grammar is left-recursive: " + String.join(" -> ", cycle)
                    + " (a rule reaches itself before matching a character)");
        }
        color[r] = 1;
        path.add(r);
        for (int t : first.get(r)) {
            visit(t, g, first, color, path);
        }
        path.removeLast();
        color[r] = 2;
    }

    /** Which rules can match the empty string (a fixpoint). */
    static boolean[] nullable(Grammar g) {
        int n = g.rules().size();
        boolean[] nullable = new boolean[n];
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int i = 0; i < n; i++) {
                if (nullable[i]) {
                    continue;
                }
                for (List<Element> alt : g.rules().get(i).alternatives()) {
                    boolean all = true;
                    for (Element e : alt) {
                        if (!(e instanceof RuleRef ref) || !nullable[ref.index()]) {
                            all = false;
                            break;
                        }
                    }
                    if (all) {
                        nullable[i] = true;
                        changed = true;
                        break;
                    }
                }
            }
        }
        return nullable;
    }
}
