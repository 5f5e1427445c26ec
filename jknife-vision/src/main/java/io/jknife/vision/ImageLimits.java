package io.jknife.vision;

/**
 * Bounds checked before any pixel is decoded: the file size, and the pixel count a header may
 * claim (a few kilobytes of PNG can describe gigapixels: a decompression bomb).
 */
public record ImageLimits(long maxBytes, long maxPixels) {

    /** PIL's {@code MAX_IMAGE_PIXELS} (the size it warns at): about 9459 x 9459. */
    public static final long DEFAULT_MAX_PIXELS = 89_478_485L;

    /** The CLI's per-image limit (the reference's {@code Image too large (>10MB)}). */
    public static final ImageLimits CLI = new ImageLimits(10L * 1024 * 1024, DEFAULT_MAX_PIXELS);

    /** The server's per-image limit (20 MiB decoded). */
    public static final ImageLimits SERVER = new ImageLimits(20L * 1024 * 1024, DEFAULT_MAX_PIXELS);

    public ImageLimits {
        if (maxBytes <= 0 || maxPixels <= 0) {
            throw new IllegalArgumentException("limits must be positive");
        }
    }
}
