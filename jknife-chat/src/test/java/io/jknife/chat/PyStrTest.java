package io.jknife.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Python's {@code str} methods; every expected value is what CPython returns. */
class PyStrTest {

    private static Object call(String s, String method, Object... args) {
        return PyStr.call(s, method, args);
    }

    @Test
    void split() {
        assertEquals(List.of("a", "b", "", "c"), call("a,b,,c", "split", ","));
        assertEquals(List.of("a", "b"), call("  a \t b \n", "split"));
        assertEquals(List.of("a", "b c "), call(" a b c ", "split", null, 1L));
        assertEquals(List.of("a", "b,c"), call("a,b,c", "split", ",", 1L));
        assertEquals(List.of(""), call("", "split", ","));
        assertEquals(List.of(), call("", "split"));
        assertEquals(List.of("<think>", "x"), call("<think></think>x", "split", "</think>"));
        assertThrows(IllegalArgumentException.class, () -> call("abc", "split", ""));
    }

    @Test
    void rsplit() {
        assertEquals(List.of("a,b", "c"), call("a,b,c", "rsplit", ",", 1L));
        assertEquals(List.of("  a", "b"), call("  a b  ", "rsplit", null, 1L));
        assertEquals(List.of("a", "b", "c"), call("a,b,c", "rsplit", ","));
    }

    @Test
    void strip() {
        assertEquals("hi", call("xxhixx", "strip", "x"));
        assertEquals("hixx", call("xxhixx", "lstrip", "x"));
        assertEquals("xxhi", call("xxhixx", "rstrip", "x"));
        assertEquals("a b", call(" \n\u00a0a b\t\u2003", "strip"));
        assertEquals("abc", call("\n\nabc", "lstrip", "\n"));
    }

    @Test
    void caseChanges() {
        assertEquals("Hello World", call("hello world", "title"));
        assertEquals("They'Re Bill'S", call("they're bill's", "title"));
        assertEquals("Hello", call("hELLO", "capitalize"));
        assertEquals("ABC", call("abc", "upper"));
        assertEquals("abc", call("ABC", "lower"));
        assertEquals("aBc", call("AbC", "swapcase"));
    }

    @Test
    void searching() {
        assertEquals(5L, call("abcabc", "find", "c", 3L));
        assertEquals(5L, call("abcabc", "rfind", "c"));
        assertEquals(-1L, call("abc", "find", "z"));
        assertEquals(3L, call("abcabc", "find", "a", -3L));
        assertEquals(2L, call("aaaa", "count", "aa"));
        assertEquals(4L, call("abc", "count", ""));
        assertEquals(true, call("abc", "startswith", List.of("x", "a")));
        assertEquals(true, call("abc", "startswith", "b", 1L));
        assertEquals(true, call("<tool_response>x</tool_response>", "endswith", "</tool_response>"));
        assertThrows(IllegalArgumentException.class, () -> call("abc", "index", "z"));
    }

    @Test
    void replaceAndJoin() {
        assertEquals("bba", call("aaa", "replace", "a", "b", 2L));
        assertEquals("xaxbx", call("ab", "replace", "", "x"));
        assertEquals("a-b-c", call("-", "join", List.of("a", "b", "c")));
        assertEquals("a b", call(" ", "join", "ab"));
    }

    @Test
    void lines() {
        assertEquals(List.of("a", "b", "c"), call("a\nb\r\nc", "splitlines"));
        assertEquals(List.of("a\n", "b"), call("a\nb", "splitlines", true));
    }

    @Test
    void misc() {
        assertEquals("ix", call("prefix", "removeprefix", "pref"));
        assertEquals("00042", call("42", "zfill", 5L));
        assertEquals(" ab ", call("ab", "center", 4L));
        assertEquals(true, call(" \n", "isspace"));
        assertEquals(true, call("123", "isdigit"));
    }
}
