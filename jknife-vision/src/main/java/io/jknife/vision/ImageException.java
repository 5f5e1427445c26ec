package io.jknife.vision;

import java.io.Serial;

/** One clear, user-facing message about an image or an image argument; never a stack trace for bad input. */
public final class ImageException extends Exception {

    @Serial
    private static final long serialVersionUID = 1L;

    /** Set when the input broke a size limit (the server answers 413 instead of 400). */
    private final boolean tooLarge;

    public ImageException(String message) {
        this(message, false);
    }

    public ImageException(String message, Throwable cause) {
        super(message, cause);
        this.tooLarge = false;
    }

    private ImageException(String message, boolean tooLarge) {
        super(message);
        this.tooLarge = tooLarge;
    }

    static ImageException tooLarge(String message) {
        return new ImageException(message, true);
    }

    public boolean tooLarge() {
        return tooLarge;
    }
}
