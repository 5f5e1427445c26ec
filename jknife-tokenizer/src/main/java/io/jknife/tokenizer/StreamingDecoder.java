package io.jknife.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns generated tokens into text as they come: each token's {@link Tokenizer#tokenBytes}
 * are buffered and only whole UTF-8 characters are given out, so a character split over several
 * tokens (byte fallback, byte-level BPE) appears once complete. Control tokens give nothing. The
 * space SentencePiece puts before the first word is dropped when the tokenizer's decode drops it.
 * One per generation; not thread-safe.
 */
public final class StreamingDecoder {
    private final Tokenizer tokenizer;
    private byte[] pending = new byte[0];
    private boolean started;

    public StreamingDecoder(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Adds one token; returns the text that became complete (often empty, never partial characters). */
    public String add(int id) {
        if (tokenizer.isControl(id)) {
            return "";
        }
        byte[] b = tokenizer.tokenBytes(id);
        if (b.length == 0) {
            return "";
        }
        byte[] all = Arrays.copyOf(pending, pending.length + b.length);
        System.arraycopy(b, 0, all, pending.length, b.length);
        int from = 0;
        if (!started) {
            started = true;
            if (tokenizer.stripsLeadingSpace() && all[0] == ' ') {
                from = 1;
            }
        }
        int cut = completeLength(all);
        pending = Arrays.copyOfRange(all, cut, all.length);
        return cut > from ? new String(all, from, cut - from, StandardCharsets.UTF_8) : "";
    }

    /** The rest: an incomplete character at the end becomes U+FFFD. */
    public String finish() {
        String s = new String(pending, StandardCharsets.UTF_8);
        pending = new byte[0];
        return s;
    }

    /** Bytes up to (not including) a UTF-8 sequence at the end that more bytes could still complete. */
    static int completeLength(byte[] b) {
        int n = b.length;
        for (int back = 1; back <= Math.min(3, n); back++) {
            int v = b[n - back] & 0xFF;
            if ((v & 0xC0) == 0x80) {
                continue; // continuation byte: look further back for its lead
            }
            int need = v >= 0xF5 || v == 0xC0 || v == 0xC1 ? 1 // never valid: no use waiting
                    : v >= 0xF0 ? 4 : v >= 0xE0 ? 3 : v >= 0xC2 ? 2 : 1;
            return need > back ? n - back : n;
        }
        return n;
    }
}
