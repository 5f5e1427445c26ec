package io.jknife.vision;

import java.util.Base64;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The images of an OpenAI chat request: {@code image_url} parts carrying {@code data:} URLs with
 * base64 payloads, checked with the reference's rules and wording (only data URLs, four types,
 * strict base64, 20 MiB per image and 50 MiB per request). Named {@code image_<hash8>.<type>}.
 */
public final class DataUrlImages {

    public static final long MAX_IMAGE_BYTES = 20L * 1024 * 1024;
    public static final long MAX_TOTAL_BYTES = 50L * 1024 * 1024;

    private static final Pattern DATA_URL = Pattern.compile("^data:image/(jpeg|jpg|png|gif|webp);base64,(.+)$",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

    private long total;

    /**
     * Decodes one {@code image_url.url}; call once per image of the request, in order, so that the
     * request's total is checked too. {@code readExif} as {@link VisionSettings#exifMetadata()}.
     */
    public VisionImage decode(String url, boolean readExif) throws ImageException {
        if (url == null || url.isEmpty()) {
            throw new ImageException("image_url.url cannot be empty");
        }
        if (!url.startsWith("data:")) {
            throw new ImageException("Only data URLs are supported (e.g., data:image/jpeg;base64,...). External URLs are not supported.");
        }
        Matcher m = DATA_URL.matcher(url);
        if (!m.matches()) {
            throw new ImageException("Invalid data URL format. Expected: data:image/<type>;base64,<data>. "
                    + "Supported types: gif, jpeg, jpg, png, webp");
        }
        String type = m.group(1).toLowerCase(Locale.ROOT);
        if (type.equals("jpg")) {
            type = "jpeg";
        }
        String payload = m.group(2);
        byte[] bytes;
        try {
            // Strict, as Python's b64decode(validate=True): no whitespace, and the padding must be there.
            if (payload.length() % 4 != 0) {
                throw new IllegalArgumentException("Incorrect padding");
            }
            // The decoded size is known from the length: a huge payload is refused before it is decoded.
            long size = payload.length() / 4L * 3 - (payload.endsWith("==") ? 2 : payload.endsWith("=") ? 1 : 0);
            if (size > MAX_IMAGE_BYTES) {
                throw ImageException.tooLarge(String.format(Locale.ROOT, "Image size (%.1f MB) exceeds limit (20 MB)", megabytes(size)));
            }
            bytes = Base64.getDecoder().decode(payload);
        } catch (IllegalArgumentException e) {
            throw new ImageException("Failed to decode base64 image data: " + e.getMessage());
        }
        if (bytes.length == 0) {
            throw new ImageException("Decoded image data is empty");
        }
        if (bytes.length > MAX_IMAGE_BYTES) {
            throw ImageException.tooLarge(String.format(Locale.ROOT, "Image size (%.1f MB) exceeds limit (20 MB)", megabytes(bytes.length)));
        }
        total += bytes.length;
        if (total > MAX_TOTAL_BYTES) {
            throw ImageException.tooLarge(String.format(Locale.ROOT, "Total image size (%.1f MB) exceeds limit (50 MB)", megabytes(total)));
        }
        String hash8 = VisionImage.hash8(bytes);
        return new VisionImage("image_" + hash8 + "." + type, bytes, hash8,
                readExif ? ExifReader.read(bytes) : java.util.Optional.empty());
    }

    /** The hash of a data URL's image for {@link ImageIds}, or null when it does not decode (skipped silently there). */
    public static String hashOf(String url) {
        if (url == null) {
            return null;
        }
        Matcher m = DATA_URL.matcher(url);
        if (!m.matches() || m.group(2).length() % 4 != 0) {
            return null;
        }
        try {
            byte[] bytes = Base64.getDecoder().decode(m.group(2));
            return bytes.length == 0 ? null : VisionImage.hash8(bytes);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static double megabytes(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }
}
