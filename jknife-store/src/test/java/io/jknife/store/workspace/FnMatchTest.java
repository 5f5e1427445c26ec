package io.jknife.store.workspace;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Expected values produced by CPython 3.11 {@code fnmatch.fnmatchcase(name, pattern)}. */
class FnMatchTest {

    static Stream<String[]> pythonCases() {
        return Stream.of(new String[][]{
            {"*.lock", "x.lock", "true"},
            {"*.lock", "x.lockx", "false"},
            {"*.lock", ".lock", "true"},
            {"*.lock", "a/b.lock", "true"},
            {"._*", "._x", "true"},
            {"._*", "._", "true"},
            {"._*", "_x", "false"},
            {".*.swp", ".a.swp", "true"},
            {".*.swp", "a.swp", "false"},
            {"*~", "file~", "true"},
            {"*~", "~", "true"},
            {"Icon\r", "Icon\r", "true"},
            {"Icon\r", "Icon", "false"},
            {"$RECYCLE.BIN", "$RECYCLE.BIN", "true"},
            {"$RECYCLE.BIN", "$RECYCLEXBIN", "false"},
            {"a{b,c}", "ab", "false"},
            {"a{b,c}", "a{b,c}", "true"},
            {"a\\b", "a\\b", "true"},
            {"a\\*", "a\\xyz", "true"},
            {"?", "a", "true"},
            {"?", "é", "true"},
            {"?", "😀", "true"},
            {"?", "", "false"},
            {"??", "😀", "false"},
            {"[abc]", "b", "true"},
            {"[abc]", "d", "false"},
            {"[!abc]", "d", "true"},
            {"[!abc]", "a", "false"},
            {"[a-c]", "b", "true"},
            {"[a-c]", "-", "false"},
            {"[]]", "]", "true"},
            {"[!]]", "a", "true"},
            {"[!]]", "]", "false"},
            {"[]a]", "a", "true"},
            {"[!]", "[!]", "true"},
            {"[!]", "!", "false"},
            {"[", "[", "true"},
            {"[a", "[a", "true"},
            {"[z-a]", "z", "false"},
            {"[z-a]", "-", "false"},
            {"[!z-a]", "q", "true"},
            {"[a-]", "-", "true"},
            {"[-a]", "-", "true"},
            {"[a-c-e]", "-", "true"},
            {"[a-c-e]", "d", "false"},
            {"[a-c-e]", "e", "true"},
            {"[b-a!]", "x", "true"},
            {"[^a]", "^", "true"},
            {"[^a]", "b", "false"},
            {"[!^a]", "b", "true"},
            {"[\\]", "\\", "true"},
            {"[a\\-z]", "b", "true"},
            {"[a\\-z]", "\\", "true"},
            {"[&&]", "&", "true"},
            {"[a|b]", "|", "true"},
            {"*", "a\nb", "true"},
            {"a*b*c", "axxbyyc", "true"},
            {"a*b*c", "axxbyy", "false"},
            {"Thumbs.db", "thumbs.db", "false"},
            {"*.Lock", "x.lock", "false"},
            {"[é]", "é", "true"},
            {"[😀-😂]", "😁", "true"},
            {"[!😀]", "😀", "false"},
        });
    }

    @ParameterizedTest(name = "fnmatch({1}, {0}) == {2}")
    @MethodSource("pythonCases")
    void matchesLikePython(String pattern, String name, String expected) {
        assertEquals(Boolean.parseBoolean(expected), FnMatch.matches(name, pattern));
    }

    @Test
    void everyDefaultExcludeIsUsable() {
        for (String p : ContentHash.DEFAULT_EXCLUDES) {
            String pat = p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
            // every default pattern that has no wildcard matches itself literally
            if (!pat.contains("*")) {
                assertTrue(FnMatch.matches(pat, pat), pat);
            }
        }
        assertTrue(FnMatch.matches("System Volume Information", "System Volume Information"));
        assertFalse(FnMatch.matches("system volume information", "System Volume Information"));
    }

    @Test
    void emptyPatternMatchesOnlyEmptyName() {
        assertTrue(FnMatch.matches("", ""));
        assertFalse(FnMatch.matches("a", ""));
        assertTrue(FnMatch.matches("", "*"));
    }
}
