package io.jknife.formats;

/**
 * GPT-2's byte-level BPE alphabet ({@code bytes_to_unicode}), which whisper's vocabulary and the
 * byte-level BPE tokenizers (GPT-2, Llama 3, Qwen) share: every byte value has a printable
 * stand-in character, and the 256 byte tokens open the vocabulary in GPT-2's id order. The
 * printable bytes {@code !..~}, {@code ¡..¬}, {@code ®..ÿ} stand for themselves and come first;
 * the other 68 follow in increasing order, standing in as U+0100 onwards (space is {@code Ġ}).
 */
public final class Gpt2ByteAlphabet {
    private static final int[] BYTE_ORDER = new int[256];
    private static final int[] CODE_POINTS = new int[256];

    static {
        int id = 0;
        int shifted = 0;
        for (int b = 0; b < 256; b++) {
            if (printable(b)) {
                BYTE_ORDER[id++] = b;
                CODE_POINTS[b] = b;
            }
        }
        for (int b = 0; b < 256; b++) {
            if (!printable(b)) {
                BYTE_ORDER[id++] = b;
                CODE_POINTS[b] = 256 + shifted++;
            }
        }
    }

    private Gpt2ByteAlphabet() {
    }

    /** Whether byte value {@code b} stands for itself: {@code !..~}, {@code ¡..¬} or {@code ®..ÿ}. */
    public static boolean printable(int b) {
        return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    }

    /** The byte value of each of the first 256 token ids. */
    public static int[] byteOrder() {
        return BYTE_ORDER.clone();
    }

    /** The stand-in code point of each byte value. */
    public static int[] codePoints() {
        return CODE_POINTS.clone();
    }
}
