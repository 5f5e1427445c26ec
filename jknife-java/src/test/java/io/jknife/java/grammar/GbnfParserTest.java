package io.jknife.java.grammar;

import io.jknife.java.grammar.Grammar.CharClass;
import io.jknife.java.grammar.Grammar.RuleRef;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GBNF syntax: every construct, read back through the parsed records and the matcher; errors with their place. */
class GbnfParserTest {

    private static GrammarMatcher m(String gbnf) {
        return GrammarMatcher.of(gbnf);
    }

    private static void assertError(String gbnf, String... parts) {
        GrammarException e = assertThrows(GrammarException.class, () -> GbnfParser.parse(gbnf), gbnf);
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + e.getMessage() + "' should contain '" + p + "'");
        }
    }

    @Test
    void rulesAlternativesAndReferencesBecomeRecords() {
        Grammar g = GbnfParser.parse("root ::= a | \"x\" b\na ::= [a-c0-9]\nb ::= [^\"\\\\]");
        assertEquals("root", g.rules().get(g.root()).name());
        Grammar.Rule root = g.rules().get(g.root());
        assertEquals(2, root.alternatives().size());
        assertEquals(List.of(new RuleRef(g.indexOf("a"))), root.alternatives().get(0));
        assertEquals(List.of(CharClass.of('x'), new RuleRef(g.indexOf("b"))), root.alternatives().get(1));
        assertEquals(List.of(List.of(new CharClass(new int[]{'a', 'c', '0', '9'}, false))),
                g.rules().get(g.indexOf("a")).alternatives());
        assertEquals(List.of(List.of(new CharClass(new int[]{'"', '"', '\\', '\\'}, true))),
                g.rules().get(g.indexOf("b")).alternatives());
    }

    @Test
    void groupsAndRepetitionsBecomeGeneratedRules() {
        Grammar g = GbnfParser.parse("root ::= (\"a\" | \"b\")+ \"c\"?");
        assertTrue(g.indexOf("root_1") >= 0, g.toString());
        GrammarMatcher m = new GrammarMatcher(g);
        for (String ok : List.of("a", "ab", "bbbac", "c".repeat(0) + "bc")) {
            assertTrue(m.matches(ok), ok);
        }
        for (String bad : List.of("", "c", "acc", "abd")) {
            assertFalse(m.matches(bad), bad);
        }
    }

    @Test
    void boundedRepetitions() {
        GrammarMatcher exact = m("root ::= [0-9]{3}");
        GrammarMatcher atLeast = m("root ::= [0-9]{2,}");
        GrammarMatcher between = m("root ::= \"-\"? [1-9] [0-9]{0,2}");
        GrammarMatcher upTo = m("root ::= \"ab\"{,2}");
        GrammarMatcher spaced = m("root ::= \"x\"{ 1 , 2 }");
        assertTrue(exact.matches("123"));
        assertFalse(exact.matches("12"));
        assertFalse(exact.matches("1234"));
        assertFalse(atLeast.matches("1"));
        assertTrue(atLeast.matches("12"));
        assertTrue(atLeast.matches("1234567890"));
        assertTrue(between.matches("7"));
        assertTrue(between.matches("-999"));
        assertFalse(between.matches("1000"));
        assertFalse(between.matches("07"));
        assertTrue(upTo.matches(""));
        assertTrue(upTo.matches("abab"));
        assertFalse(upTo.matches("ababab"));
        assertFalse(upTo.matches("aba"));
        assertTrue(spaced.matches("xx"));
        assertFalse(spaced.matches("xxx"));
        assertTrue(m("root ::= \"a\"{0} \"b\"").matches("b"));
    }

    @Test
    void escapesInLiteralsAndClasses() {
        GrammarMatcher m = m("root ::= \"\\n\\t\\r\\\\\\\"\\x41\\u00e9\\U0001F600\" [\\[\\]\\-] [\\x00-\\x1F]");
        assertTrue(m.matches("\n\t\r\\\"A\u00e9\uD83D\uDE00]\u0001"));
        assertTrue(m.matches("\n\t\r\\\"A\u00e9\uD83D\uDE00-\u001F"));
        assertFalse(m.matches("\n\t\r\\\"A\u00e9\uD83D\uDE00a\u0001"));
        assertTrue(m("root ::= [\\U00010000-\\UFFFFFFFF]").matches("\uD83D\uDE00"), "upper bounds past U+10FFFF are fine");
    }

    @Test
    void anyCharacterCommentsAndMultiLineRules() {
        GrammarMatcher m = m("""
                # a comment line
                root ::= # after the operator
                  "<" item ( ","   # inside a group
                    item )* ">"
                item ::= .
                  | "[" . "]"   # a continued alternative
                """);
        assertTrue(m.matches("<a>"));
        assertTrue(m.matches("<a,\u00e9,[x],#>"));
        assertFalse(m.matches("<>"));
        assertFalse(m.matches("<ab>"));
    }

    @Test
    void emptyAlternativesAndNamesWithDigitsAndDashes() {
        GrammarMatcher m = m("root ::= x-1 \"!\"\nx-1 ::= \"a\" x-1 | ");
        assertTrue(m.matches("!"));
        assertTrue(m.matches("aaa!"));
        assertFalse(m.matches("aa"));
    }

    @Test
    void syntaxErrorsNameLineAndColumn() {
        assertError("root ::= \"a\"\nitem := \"b\"", "line 2, column 6", "'::='");
        assertError("root ::= \"abc", "line 1, column 10", "unterminated string");
        assertError("root ::= [a-z", "line 1, column 10", "unterminated character class");
        assertError("root ::= (\"a\" | \"b\"", "line 1, column 10", "unclosed '('");
        assertError("root ::= *", "line 1, column 10", "nothing to repeat");
        assertError("root ::= \"a\"{3,1}", "maximum is below the minimum");
        assertError("root ::= \"a\"{x}", "expected a number");
        assertError("root ::= \"\\q\"", "line 1, column 11", "unknown escape");
        assertError("root ::= \"\\x4\"", "hex digits");
        assertError("root ::= [z-a]", "higher to lower");
        assertError("root ::= \"a\" @", "line 1, column 14", "unexpected '@'");
        assertError("::= \"a\"", "line 1, column 1", "expected a rule name");
    }

    @Test
    void undefinedRulesMissingRootAndDuplicatesAreRefused() {
        assertError("root ::= \"a\" thing\n", "line 1, column 14", "undefined rule 'thing'");
        assertError("start ::= \"a\"", "no rule 'root'");
        assertError("root ::= \"a\"\nroot ::= \"b\"", "line 2, column 1", "defined twice");
        assertError("", "no rule 'root'");
    }

    @Test
    void leftRecursionIsRefusedAtParseTime() {
        assertError("root ::= root \"a\" | \"b\"", "left-recursive", "root -> root");
        assertError("root ::= x\nx ::= y \"a\"\ny ::= \"\" | x", "left-recursive");
        assertError("root ::= (\"a\"?)*", "left-recursive");
        // right recursion and recursion after a character are fine
        assertTrue(m("root ::= \"a\" root | \"b\"").matches("aab"));
        assertTrue(m("root ::= \"(\" root? \")\"").matches("((()))"));
    }
}
