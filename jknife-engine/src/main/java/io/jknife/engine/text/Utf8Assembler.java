package io.jknife.engine.text;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns the bytes of token pieces into text made of whole characters. A token may end in the
 * middle of a multi-byte UTF-8 character (byte-level BPE vocabularies split them); those bytes are
 * held back until the character is complete. Bytes that can never form a character become
 * U+FFFD, as Java's decoder makes them.
 */
public final class Utf8Assembler {
    private byte[] pending = new byte[16];
    private int size;

    /** Adds {@code n} bytes of {@code bytes}; returns the text that is complete now (maybe empty). */
    public String push(byte[] bytes, int n) {
        if (size + n > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, size + n));
        }
        System.arraycopy(bytes, 0, pending, size, n);
        size += n;
        int cut = completeLength(pending, size);
        if (cut == 0) {
            return "";
        }
        String text = new String(pending, 0, cut, StandardCharsets.UTF_8);
        System.arraycopy(pending, cut, pending, 0, size - cut);
        size -= cut;
        return text;
    }

    /** Bytes held back (the start of a character not complete yet). */
    public int pendingBytes() {
        return size;
    }

    /** Drops held-back bytes: a character cut off by the end of the generation is not shown. */
    public void clear() {
        size = 0;
    }

    /**
     * The length of the longest prefix of {@code b[0, n)} that does not end inside a character that
     * could still be completed: a trailing lead byte (with the continuation bytes that follow it)
     * that announces more bytes than there are is held back.
     */
    public static int completeLength(byte[] b, int n) {
        // a character has at most 4 bytes: look at the last 3 for a lead byte
        for (int i = n - 1; i >= Math.max(0, n - 3); i--) {
            int v = b[i] & 0xFF;
            if ((v & 0xC0) == 0x80) {
                continue; // continuation byte: keep looking for its lead
            }
            int need = v >= 0xF0 && v <= 0xF4 ? 4 : v >= 0xE0 && v <= 0xEF ? 3 : v >= 0xC2 && v <= 0xDF ? 2 : 1;
            return i + need > n ? i : n;
        }
        return n;
    }
}
