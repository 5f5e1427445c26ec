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
}
