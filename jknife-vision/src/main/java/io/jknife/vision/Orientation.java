package io.jknife.vision;

import com.drew.imaging.ImageMetadataReader;
import com.drew.metadata.Metadata;
import com.drew.metadata.exif.ExifIFD0Directory;
import java.io.ByteArrayInputStream;

/**
 * The EXIF orientation tag (1..8) and its transform, as PIL's {@code ImageOps.exif_transpose}: the
 * pixels are turned so that the image shows upright, the way the camera's user saw it.
 */
public final class Orientation {

    private Orientation() {
    }

    /** The EXIF orientation of the image, 1 (as stored) when there is none or it cannot be read. */
    public static int read(byte[] bytes) {
        try {
            Metadata metadata = ImageMetadataReader.readMetadata(new ByteArrayInputStream(bytes), bytes.length);
            for (ExifIFD0Directory dir : metadata.getDirectoriesOfType(ExifIFD0Directory.class)) {
                Integer value = dir.getInteger(ExifIFD0Directory.TAG_ORIENTATION);
                if (value != null && value >= 1 && value <= 8) {
                    return value;
                }
            }
        } catch (Exception | StackOverflowError e) {
            // Broken metadata never stops an image from loading: PIL ignores it too.
        }
        return 1;
    }

    /** The image as it should be shown for an EXIF orientation (1 and unknown values: unchanged). */
    public static RgbImage apply(RgbImage in, int orientation) {
        if (orientation < 2 || orientation > 8) {
            return in;
        }
        int w = in.width();
        int h = in.height();
        boolean swap = orientation >= 5;
        int ow = swap ? h : w;
        int oh = swap ? w : h;
        byte[] src = in.rgb();
        byte[] out = new byte[src.length];
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                int sx;
                int sy;
                switch (orientation) {
                    case 2 -> { sx = w - 1 - x; sy = y; }           // mirrored horizontally
                    case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }   // rotated 180
                    case 4 -> { sx = x; sy = h - 1 - y; }           // mirrored vertically
                    case 5 -> { sx = y; sy = x; }                   // transposed
                    case 6 -> { sx = y; sy = h - 1 - x; }           // shown after turning 90 degrees clockwise
                    case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }   // transversed
                    default -> { sx = w - 1 - y; sy = x; }          // 8: shown after turning 90 degrees counter-clockwise
                }
                System.arraycopy(src, (sy * w + sx) * 3, out, (y * ow + x) * 3, 3);
            }
        }
        return new RgbImage(ow, oh, out);
    }
}
