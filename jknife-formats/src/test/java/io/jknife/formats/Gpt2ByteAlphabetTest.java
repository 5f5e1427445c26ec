package io.jknife.formats;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Gpt2ByteAlphabetTest {
    @Test
    void matchesGpt2BytesToUnicode() {
        int[] order = Gpt2ByteAlphabet.byteOrder();
        int[] cp = Gpt2ByteAlphabet.codePoints();
        assertEquals('!', order[0]);
        assertEquals('~', order[93]);
        assertEquals(0xA1, order[94]);
        assertEquals(0xAE, order[106]);
        assertEquals(0xFF, order[187]);
        assertEquals(0x00, order[188]);
        assertEquals(' ', order[220]);
        assertEquals(0x100, cp[0x00]);
        assertEquals(0x120, cp[' '], "space is Ġ");
        assertEquals(0x143, cp[0xAD]);
        assertEquals('A', cp['A']);
        Set<Integer> bytes = new HashSet<>();
        Set<Integer> points = new HashSet<>();
        for (int i = 0; i < 256; i++) {
            assertTrue(bytes.add(order[i]), "byte order is a permutation");
            assertTrue(points.add(cp[i]), "stand-ins are distinct");
            assertEquals(Gpt2ByteAlphabet.printable(order[i]), i < 188);
        }
    }
}
