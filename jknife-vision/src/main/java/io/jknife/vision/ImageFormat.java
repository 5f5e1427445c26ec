package io.jknife.vision;

import java.nio.charset.StandardCharsets;

/** The container of an image, told from its first bytes, never from its name. */
public enum ImageFormat {
    JPEG("JPEG", true),
    PNG("PNG", true),
    GIF("GIF", true),
    WEBP("WebP", true),
    HEIC("HEIC", false),
    AVIF("AVIF", false),
    TIFF("TIFF", false),
    BMP("BMP", false),
    UNKNOWN("unknown", false);

    /** The formats {@link ImageLoader} decodes, for error messages. */
    public static final String SUPPORTED = "JPEG, PNG, GIF, WebP";

    private final String label;
    private final boolean decodable;

    ImageFormat(String label, boolean decodable) {
        this.label = label;
        this.decodable = decodable;
    }

    public String label() {
        return label;
    }

    public boolean decodable() {
        return decodable;
    }

    public static ImageFormat sniff(byte[] b) {
        if (b.length >= 3 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xD8 && (b[2] & 0xFF) == 0xFF) {
            return JPEG;
        }
        if (startsWith(b, 0, new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'})) {
            return PNG;
        }
        if (ascii(b, 0, "GIF87a") || ascii(b, 0, "GIF89a")) {
            return GIF;
        }
        if (ascii(b, 0, "RIFF") && ascii(b, 8, "WEBP")) {
            return WEBP;
        }
        if (ascii(b, 4, "ftyp") && b.length >= 12) {
            String brand = new String(b, 8, 4, StandardCharsets.ISO_8859_1);
            if (brand.startsWith("avi")) {
                return AVIF;
            }
            if (brand.startsWith("hei") || brand.startsWith("hev") || brand.equals("mif1") || brand.equals("msf1")) {
                return HEIC;
            }
        }
        if (ascii(b, 0, "II*\0") || ascii(b, 0, "MM\0*")) {
            return TIFF;
        }
        if (ascii(b, 0, "BM")) {
            return BMP;
        }
        return UNKNOWN;
    }

    private static boolean ascii(byte[] b, int at, String magic) {
        return startsWith(b, at, magic.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static boolean startsWith(byte[] b, int at, byte[] magic) {
        if (b.length < at + magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if (b[at + i] != magic[i]) {
                return false;
            }
        }
        return true;
    }
}
