package io.jknife.formats;

import java.io.IOException;

/**
 * A model file that does not hold what its format promises: wrong magic, truncated data, counts
 * or offsets past the end of the file. The message is a one-line reason fit for a health report.
 */
public class FormatException extends IOException {
    public FormatException(String message) {
        super(message);
    }

    public FormatException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * A name or value from a file, fit for a one-line message: in single quotes, control
     * characters escaped as {@code \xNN}, long ones cut after about 80 characters with "...".
     */
    public static String clip(String s) {
        StringBuilder b = new StringBuilder("'");
        for (int i = 0; i < s.length() && b.length() < 81; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7F ? String.format("\\x%02x", (int) c) : String.valueOf(c));
        }
        if (b.length() >= 81) {
            b.append("...");
        }
        return b.append('\'').toString();
    }
}
