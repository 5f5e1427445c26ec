package io.jknife.java.grammar;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pushdown matcher on small grammars, and the token-level matcher on UTF-8 bytes. */
class GrammarMatcherTest {
    /** llama.cpp's grammars/json.gbnf in spirit: any JSON value. */
    static final String JSON = """
            root   ::= object
            value  ::= object | array | string | number | ("true" | "false" | "null") ws
            object ::= "{" ws ( string ":" ws value ("," ws string ":" ws value)* )? "}" ws
            array  ::= "[" ws ( value ("," ws value)* )? "]" ws
            string ::= "\\"" ( [^"\\\\\\x7F\\x00-\\x1F] | "\\\\" (["\\\\/bfnrt] | "u" [0-9a-fA-F]{4}) )* "\\"" ws
            number ::= ("-"? ([0-9] | [1-9] [0-9]{0,15})) ("." [0-9]+)? ([eE] [-+]? [0-9]+)? ws
            ws     ::= | " " | "\\n" [ \\t]{0,20}
            """;

    @Test
    void jsonDocumentsAreAcceptedAndBrokenOnesRefused() {
        GrammarMatcher m = GrammarMatcher.of(JSON);
        for (String ok : List.of("{}", "{ }", "{\"a\":1}", "{\"a\": [1, -2.5e+3, true, null, \"x\\n\\u00e9\"]}",
                "{\"k\\\"ey\": {\"nested\": {\"deep\": []}}}", "{\"\u00fc\u00f1\u00ee\u00e7\u00f8d\u00e9 \uD83D\uDE00\": 0}",
                "{\n\t\"a\": 1}")) {
            assertTrue(m.matches(ok), ok);
        }
        for (String bad : List.of("", "[]", "{", "{\"a\"}", "{\"a\":01}", "{'a':1}", "{\"a\":1,}", "{\"a\":tru}",
                "{\"a\":\"\u0001\"}", "{\"a\":\"\\x\"}", "{} {}", "{\"a\":1}}", "{  }")) {
            assertFalse(m.matches(bad), bad);
        }
    }

    @Test
    void statesAreImmutableSoCandidatesCanBeTriedFreely() {
        GrammarMatcher m = GrammarMatcher.of("root ::= \"ab\" | \"ac\" | \"b\"");
        GrammarState s = m.start();
        assertFalse(s.canEnd());
        GrammarState a = m.accept(s, 'a');
        assertTrue(m.accept(s, 'x').isDead());
        assertTrue(m.accept(a, 'b').canEnd());
        assertTrue(m.accept(a, 'c').canEnd());
        assertFalse(m.accept(a, 'c').canContinue());
        GrammarState b = m.accept(s, 'b');
        assertTrue(b.canEnd() && !b.canContinue());
        assertTrue(m.accept(a, 'a').isDead());
        assertFalse(a.isDead() || a.canEnd());
    }

    @Test
    void negatedClassesAndAnyCharacterCoverUnicode() {
        GrammarMatcher m = GrammarMatcher.of("root ::= [^a-z\\u00e0-\\u00ff]+ . [\\u4e00-\\u9fff]");
        assertTrue(m.matches("AB\uD83D\uDE00x\u4e2d"));
        assertFalse(m.matches("Ab\uD83D\uDE00x\u4e2d"), "b is excluded");
        assertFalse(m.matches("A\u00e9xx\u4e2d"), "\u00e9 is excluded");
        assertFalse(m.matches("AAxa"), "the last character must be CJK");
    }

    @Test
    void ambiguousGrammarsKeepEveryStack() {
        // "a"* "a" "b": the matcher must not commit to one reading of the a's
        GrammarMatcher m = GrammarMatcher.of("root ::= \"a\"* \"a\" \"b\" | \"a\"+ \"c\"");
        assertTrue(m.matches("aaab"));
        assertTrue(m.matches("ab"));
        assertTrue(m.matches("aac"));
        assertFalse(m.matches("b"));
        assertFalse(m.matches("aa"));
    }

    @Test
    void tokensMaySplitCharactersAcrossTheirBytes() {
        TokenMatcher t = new TokenMatcher(GrammarMatcher.of("root ::= \"\u00e9\" \"\u4e2d\" [0-9]"));
        byte[] e = "\u00e9".getBytes(StandardCharsets.UTF_8); // C3 A9
        byte[] zh = "\u4e2d".getBytes(StandardCharsets.UTF_8); // E4 B8 AD
        TokenState s = t.advance(t.start(), new byte[]{e[0]});
        assertNotNull(s, "a lead byte whose character the grammar may take");
        assertEquals(1, s.needed());
        assertFalse(s.canEnd());
        s = t.advance(s, new byte[]{e[1], zh[0], zh[1]});
        assertNotNull(s);
        assertEquals(1, s.needed());
        assertNull(t.advance(s, new byte[]{(byte) 0xAE}), "U+4E2E is not U+4E2D");
        s = t.advance(s, new byte[]{zh[2], '7'});
        assertNotNull(s);
        assertTrue(s.canEnd() && s.isFinished());
        assertNull(t.advance(s, new byte[]{'8'}));
    }

    @Test
    void partialCharactersTheGrammarCannotTakeAndInvalidUtf8AreRefused() {
        TokenMatcher ascii = new TokenMatcher(GrammarMatcher.of("root ::= [a-z]+"));
        assertNull(ascii.advance(ascii.start(), new byte[]{'a', (byte) 0xC3}), "no 2-byte character is in [a-z]");
        TokenMatcher any = new TokenMatcher(GrammarMatcher.of("root ::= .+"));
        assertNotNull(any.advance(any.start(), new byte[]{(byte) 0xF0, (byte) 0x9F}));
        assertNull(any.advance(any.start(), new byte[]{(byte) 0xC0, (byte) 0x80}), "overlong");
        assertNull(any.advance(any.start(), new byte[]{(byte) 0xED, (byte) 0xA0, (byte) 0x80}), "a surrogate");
        assertNull(any.advance(any.start(), new byte[]{(byte) 0x80}), "a stray continuation byte");
        assertNull(any.advance(any.start(), new byte[]{(byte) 0xC3, 'a'}), "a lead byte without its continuation");
        assertNull(any.advance(any.start(), new byte[]{(byte) 0xF8}), "not a UTF-8 lead byte");
        TokenMatcher notE = new TokenMatcher(GrammarMatcher.of("root ::= [^\\u00e9]"));
        assertNotNull(notE.advance(notE.start(), new byte[]{(byte) 0xC3}), "C3 starts many characters besides \u00e9");
        TokenMatcher onlyE = new TokenMatcher(GrammarMatcher.of("root ::= [\\u00e9]"));
        assertNull(onlyE.advance(onlyE.start(), new byte[]{(byte) 0xC2}), "C2 starts U+0080..U+00BF only");
    }

    @Test
    void theConstraintTracksTokensByIdAndRefusesTokensWithoutText() {
        byte[][] vocab = {"{".getBytes(), "}".getBytes(), "\"a\"".getBytes(), null, new byte[0], ":1".getBytes(), " ".getBytes()};
        GrammarConstraint c = new GrammarConstraint(new TokenMatcher(GrammarMatcher.of(JSON)), new TokenVocabulary(vocab));
        assertTrue(c.allows(0));
        assertFalse(c.allows(1));
        assertFalse(c.allows(3));
        assertFalse(c.allows(4));
        assertFalse(c.allows(99));
        c.accept(0);
        assertTrue(c.allows(2) && c.allows(1) && c.allows(6));
        assertFalse(c.allows(5));
        c.accept(2);
        c.accept(5);
        assertFalse(c.canEnd());
        c.accept(1);
        assertTrue(c.canEnd());
        assertFalse(c.isFinished(), "the grammar's trailing space may still follow");
        c.accept(6);
        assertTrue(c.canEnd() && c.isFinished());
        assertThrows(IllegalStateException.class, () -> c.accept(0));
    }

    @Test
    void theVocabularySweepAgreesWithTestingEachToken() {
        // random tokens over JSON punctuation, letters, digits and the bytes of multi-byte characters,
        // then one token per byte value (ids BYTES + b) to walk through a document
        byte[] alphabet = "{}[]\":, \n\tae1-0.".getBytes(StandardCharsets.UTF_8);
        byte[] utf8 = "\u00e9\u4e2d\uD83D\uDE00".getBytes(StandardCharsets.UTF_8);
        java.util.SplittableRandom random = new java.util.SplittableRandom(11);
        int bytesBase = 3000;
        byte[][] vocab = new byte[bytesBase + 256][];
        for (int t = 0; t < bytesBase; t++) {
            int n = t < 5 ? 0 : 1 + random.nextInt(5);
            vocab[t] = new byte[n];
            for (int i = 0; i < n; i++) {
                vocab[t][i] = random.nextInt(4) == 0 ? utf8[random.nextInt(utf8.length)] : alphabet[random.nextInt(alphabet.length)];
            }
        }
        vocab[5] = null;
        for (int b = 0; b < 256; b++) {
            vocab[bytesBase + b] = new byte[]{(byte) b};
        }
        GrammarConstraint c = new GrammarConstraint(new TokenMatcher(GrammarMatcher.of(JSON)), new TokenVocabulary(vocab));
        boolean[] swept = new boolean[vocab.length];
        byte[] doc = "{\"a\u00e9\": [1, -0.5, \"\u4e2d\"], \"b\":{}}".getBytes(StandardCharsets.UTF_8);
        int allowed = 0;
        for (byte b : doc) {
            c.allowedTokens(swept);
            for (int t = 0; t < vocab.length; t++) {
                assertEquals(c.allows(t), swept[t], "token " + t);
                allowed += swept[t] ? 1 : 0;
            }
            c.accept(bytesBase + (b & 0xFF));
        }
        assertTrue(c.canEnd());
        assertTrue(allowed > 1000, "many tokens were allowed along the way: " + allowed);
    }
}
