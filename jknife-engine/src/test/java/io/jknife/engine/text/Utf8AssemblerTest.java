package io.jknife.engine.text;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class Utf8AssemblerTest {

    private static List<String> feed(Utf8Assembler a, byte[]... pieces) {
        List<String> out = new ArrayList<>();
        for (byte[] p : pieces) {
            out.add(a.push(p, p.length));
        }
        return out;
    }

    private static byte[] bytes(int... b) {
        byte[] r = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            r[i] = (byte) b[i];
        }
        return r;
    }

    @Test
    void holdsBackACharacterSplitAcrossPieces() {
        byte[] euro = "€".getBytes(StandardCharsets.UTF_8); // E2 82 AC
        Utf8Assembler a = new Utf8Assembler();
        assertEquals(List.of("a", "", "€b"), feed(a, bytes('a', euro[0]), bytes(euro[1]), bytes(euro[2], 'b')));
        assertEquals(0, a.pendingBytes());
    }

    @Test
    void fourByteCharacterByteByByte() {
        byte[] emoji = "😀".getBytes(StandardCharsets.UTF_8);
        Utf8Assembler a = new Utf8Assembler();
        assertEquals(List.of("", "", "", "😀"),
                feed(a, bytes(emoji[0]), bytes(emoji[1]), bytes(emoji[2]), bytes(emoji[3])));
    }

    @Test
    void everyPieceIsWholeCharactersWhateverTheSplit() {
        String text = "héllo wörld — 你好 😀 ok";
        byte[] all = text.getBytes(StandardCharsets.UTF_8);
        for (int chunk = 1; chunk <= 5; chunk++) {
            Utf8Assembler a = new Utf8Assembler();
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < all.length; i += chunk) {
                byte[] p = java.util.Arrays.copyOfRange(all, i, Math.min(all.length, i + chunk));
                String s = a.push(p, p.length);
                assertEquals(-1, s.indexOf('\uFFFD'), "no replacement characters for valid text");
                sb.append(s);
            }
            assertEquals(text, sb.toString());
        }
    }

    @Test
    void invalidBytesBecomeReplacementCharactersWithoutWaiting() {
        Utf8Assembler a = new Utf8Assembler();
        // a lone continuation byte and an impossible lead byte cannot start a character
        assertEquals("\uFFFDx\uFFFD", a.push(bytes(0x80, 'x', 0xFF), 3));
        // a lead byte followed by a non-continuation byte: the lead is replaced, the rest kept
        assertEquals("", a.push(bytes(0xE2), 1));
        assertEquals("\uFFFDA", a.push(bytes('A'), 1));
    }

    @Test
    void clearDropsAnIncompleteTail() {
        Utf8Assembler a = new Utf8Assembler();
        assertEquals("ok", a.push(bytes('o', 'k', 0xF0, 0x9F), 4));
        assertEquals(2, a.pendingBytes());
        a.clear();
        assertEquals(0, a.pendingBytes());
    }
}
