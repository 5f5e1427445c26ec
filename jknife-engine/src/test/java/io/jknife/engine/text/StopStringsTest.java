package io.jknife.engine.text;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StopStringsTest {

    private static String run(List<String> stops, String... pieces) {
        StopStrings s = new StopStrings(stops);
        StringBuilder out = new StringBuilder();
        for (String p : pieces) {
            out.append(s.push(p));
            if (s.stopped()) {
                return out.toString();
            }
        }
        return out + s.flush();
    }

    @Test
    void noStopsPassesEverythingThrough() {
        StopStrings s = new StopStrings(List.of());
        assertEquals("abc", s.push("abc"));
        assertEquals("", s.flush());
    }

    @Test
    void stopsBeforeTheStopString() {
        assertEquals("Hello ", run(List.of("world"), "Hello world and more"));
    }

    @Test
    void findsAStopStringSplitAcrossPieces() {
        StopStrings s = new StopStrings(List.of("</end>"));
        List<String> released = new ArrayList<>();
        for (String p : List.of("abc<", "/e", "nd>tail")) {
            released.add(s.push(p));
        }
        assertEquals(List.of("abc", "", ""), released);
        assertTrue(s.stopped());
    }

    @Test
    void releasesAHeldBackPrefixThatDidNotBecomeAStopString() {
        StopStrings s = new StopStrings(List.of("STOP"));
        assertEquals("a", s.push("aST"));
        assertEquals("STx", s.push("x"));
        assertFalse(s.stopped());
        assertEquals("S", s.push("S") + s.flush());
    }

    @Test
    void earliestOfSeveralStopStringsWins() {
        assertEquals("one ", run(List.of("three", "two"), "one two three"));
        assertEquals("x", run(List.of("yz", "y"), "xyz"));
    }

    @Test
    void emptyStopStringsAreIgnored() {
        assertEquals("abc", run(List.of(""), "a", "b", "c"));
    }

    @Test
    void nothingAfterTheStop() {
        StopStrings s = new StopStrings(List.of("!"));
        assertEquals("hi", s.push("hi!there"));
        assertEquals("", s.push("more"));
    }
}
