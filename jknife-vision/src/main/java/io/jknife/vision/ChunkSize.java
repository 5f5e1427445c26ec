package io.jknife.vision;

import java.util.Map;

/** The number of images per generate call: {@code --chunk N} (or the request's {@code chunk}), else {@code JKNIFE_VISION_CHUNK_SIZE}, else 1. */
public final class ChunkSize {

    /** The original's empirically safe maximum. */
    public static final int MAX = 5;

    private ChunkSize() {
    }

    /**
     * Resolves the chunk size; {@code explicit} is {@code null} when the flag was not given, so an
     * explicit {@code --chunk 1} overrides the environment (the original could not tell them apart).
     */
    public static int resolve(Integer explicit, Map<String, String> env) throws ImageException {
        if (explicit != null) {
            return validate(explicit);
        }
        String value = VisionSettings.get(env, VisionSettings.CHUNK_SIZE);
        if (value == null || value.isEmpty()) {
            return 1;
        }
        try {
            return validate(Integer.parseInt(value));
        } catch (NumberFormatException e) {
            throw new ImageException(VisionSettings.CHUNK_SIZE + " must be a whole number (got: " + value + ").");
        }
    }

    public static int validate(int n) throws ImageException {
        if (n < 1) {
            throw new ImageException("chunk size must be at least 1 (got: " + n + ").");
        }
        if (n > MAX) {
            throw new ImageException("chunk size too large (max: " + MAX
                    + " for stability). This limit is based on empirically tested performance.");
        }
        return n;
    }
}
