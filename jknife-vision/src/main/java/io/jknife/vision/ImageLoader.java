package io.jknife.vision;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes an image file into 8-bit RGB the way a vision model's processor expects it: the format
 * told from the bytes, the first frame of a GIF, EXIF orientation applied, alpha composited on
 * white, 16-bit samples reduced to their high byte. Bad input is one {@link ImageException}.
 */
public final class ImageLoader {

    private final ImageLimits limits;

    public ImageLoader(ImageLimits limits) {
        this.limits = limits;
    }

    /** Reads and decodes a file (the size limit is checked before reading it whole). */
    public RgbImage load(Path file) throws ImageException {
        try {
            if (!Files.isRegularFile(file)) {
                throw new ImageException("Image not found: " + file);
            }
            long size = Files.size(file);
            if (size > limits.maxBytes()) {
                throw ImageException.tooLarge("Image too large (>" + megabytes(limits.maxBytes()) + "MB): " + file);
            }
            return decode(Files.readAllBytes(file), file.getFileName().toString());
        } catch (NoSuchFileException e) {
            throw new ImageException("Image not found: " + file);
        } catch (IOException e) {
            throw new ImageException("Cannot read image " + file + ": " + e.getMessage(), e);
        }
    }

    /** Decodes an image of a request (bytes already in memory and size-checked by {@link VisionImage#read}). */
    public RgbImage decode(VisionImage image) throws ImageException {
        return decode(image.bytes(), image.name());
    }

    /** Decodes image bytes; {@code name} only labels the error messages. */
    public RgbImage decode(byte[] bytes, String name) throws ImageException {
        if (bytes.length == 0) {
            throw new ImageException("Image " + name + " is empty");
        }
        if (bytes.length > limits.maxBytes()) {
            throw ImageException.tooLarge("Image too large (>" + megabytes(limits.maxBytes()) + "MB): " + name);
        }
        ImageFormat format = ImageFormat.sniff(bytes);
        if (format == ImageFormat.HEIC) {
            throw new ImageException("HEIC images are not supported; convert to JPEG/PNG first (" + name
                    + "; supported: " + ImageFormat.SUPPORTED + ")");
        }
        if (!format.decodable()) {
            String what = format == ImageFormat.UNKNOWN ? "not a recognized image" : format.label() + " images are not supported";
            throw new ImageException(name + ": " + what + " (supported: " + ImageFormat.SUPPORTED + ")");
        }
        BufferedImage image = read(bytes, format, name);
        RgbImage rgb = toRgb(image);
        return format == ImageFormat.GIF ? rgb : Orientation.apply(rgb, Orientation.read(bytes));
    }

    private BufferedImage read(byte[] bytes, ImageFormat format, String name) throws ImageException {
        ImageReader reader = readerFor(format);
        List<String> warnings = new ArrayList<>();
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(in, true, true);
            long width = reader.getWidth(0);
            long height = reader.getHeight(0);
            if (width <= 0 || height <= 0) {
                throw new ImageException("Corrupt " + format.label() + " image " + name + ": size " + width + "x" + height);
            }
            if (width * height > limits.maxPixels()) {
                throw ImageException.tooLarge("Image " + name + " is too large: " + width + "x" + height + " pixels (limit "
                        + limits.maxPixels() + " pixels; a possible decompression bomb)");
            }
            reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
            BufferedImage image = reader.read(0);
            // A decoder that reached the end of the data early fills the rest with grey and only warns:
            // that is a truncated file, and PIL refuses it too.
            for (String warning : warnings) {
                if (isTruncation(warning)) {
                    throw new ImageException("Corrupt " + format.label() + " image " + name + ": truncated (" + warning + ")");
                }
            }
            return image;
        } catch (ImageException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new ImageException("Corrupt " + format.label() + " image " + name + ": " + reason(e), e);
        } finally {
            reader.dispose();
        }
    }

    private static boolean isTruncation(String warning) {
        String w = warning.toLowerCase(java.util.Locale.ROOT);
        return w.contains("premature end") || w.contains("truncated") || w.contains("end of file") || w.contains("eof");
    }

    private static ImageReader readerFor(ImageFormat format) throws ImageException {
        String name = switch (format) {
            case JPEG -> "jpeg";
            case PNG -> "png";
            case GIF -> "gif";
            case WEBP -> "webp";
            default -> throw new IllegalStateException(format.toString());
        };
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(name);
        ImageReader fallback = null;
        while (readers.hasNext()) {
            ImageReader r = readers.next();
            // TwelveMonkeys' JPEG reader also handles CMYK/YCCK and broken ICC profiles; prefer it.
            if (r.getClass().getName().startsWith("com.twelvemonkeys")) {
                return r;
            }
            if (fallback == null) {
                fallback = r;
            }
        }
        if (fallback == null) {
            throw new ImageException("No " + format.label() + " decoder is installed");
        }
        return fallback;
    }

    /** Converts any decoded image to 8-bit sRGB, compositing transparency on white. */
    static RgbImage toRgb(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
        ColorModel cm = image.getColorModel();
        if (copyPacked(image, out)) {
            return new RgbImage(w, h, out);
        }
        if (cm instanceof ComponentColorModel && cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY) {
            grayToRgb(image.getRaster(), cm, out);
        } else {
            // getRGB converts from the image's color space (ICC profile, CMYK, 16-bit, palette) to sRGB.
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                image.getRGB(0, y, w, 1, row, 0, w);
                for (int x = 0; x < w; x++) {
                    int argb = row[x];
                    int a = argb >>> 24;
                    int o = (y * w + x) * 3;
                    out[o] = (byte) onWhite((argb >> 16) & 0xFF, a);
                    out[o + 1] = (byte) onWhite((argb >> 8) & 0xFF, a);
                    out[o + 2] = (byte) onWhite(argb & 0xFF, a);
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    // The layouts JPEG, PNG and WebP decoders return for sRGB: read straight from the buffer, since
    // getRGB's per-pixel color-model calls cost more than the decoding itself on large photos.
    private static boolean copyPacked(BufferedImage image, byte[] out) {
        int type = image.getType();
        if (!image.getColorModel().getColorSpace().isCS_sRGB()
                || image.getRaster().getNumDataElements() == 0
                || !(image.getRaster().getSampleModel() instanceof java.awt.image.ComponentSampleModel
                        || image.getRaster().getSampleModel() instanceof java.awt.image.SinglePixelPackedSampleModel)) {
            return false;
        }
        int w = image.getWidth();
        int h = image.getHeight();
        java.awt.image.WritableRaster raster = image.getRaster();
        if (raster.getParent() != null || raster.getSampleModelTranslateX() != 0 || raster.getSampleModelTranslateY() != 0) {
            return false; // a sub-image: the buffer holds more than these pixels
        }
        switch (type) {
            case BufferedImage.TYPE_3BYTE_BGR -> {
                byte[] src = ((java.awt.image.DataBufferByte) raster.getDataBuffer()).getData();
                for (int i = 0, n = w * h; i < n; i++) {
                    out[i * 3] = src[i * 3 + 2];
                    out[i * 3 + 1] = src[i * 3 + 1];
                    out[i * 3 + 2] = src[i * 3];
                }
                return true;
            }
            case BufferedImage.TYPE_4BYTE_ABGR -> {
                byte[] src = ((java.awt.image.DataBufferByte) raster.getDataBuffer()).getData();
                for (int i = 0, n = w * h; i < n; i++) {
                    int a = src[i * 4] & 0xFF;
                    out[i * 3] = (byte) onWhite(src[i * 4 + 3] & 0xFF, a);
                    out[i * 3 + 1] = (byte) onWhite(src[i * 4 + 2] & 0xFF, a);
                    out[i * 3 + 2] = (byte) onWhite(src[i * 4 + 1] & 0xFF, a);
                }
                return true;
            }
            case BufferedImage.TYPE_INT_RGB, BufferedImage.TYPE_INT_ARGB -> {
                int[] src = ((java.awt.image.DataBufferInt) raster.getDataBuffer()).getData();
                boolean alpha = type == BufferedImage.TYPE_INT_ARGB;
                for (int i = 0, n = w * h; i < n; i++) {
                    int p = src[i];
                    int a = alpha ? p >>> 24 : 255;
                    out[i * 3] = (byte) onWhite((p >> 16) & 0xFF, a);
                    out[i * 3 + 1] = (byte) onWhite((p >> 8) & 0xFF, a);
                    out[i * 3 + 2] = (byte) onWhite(p & 0xFF, a);
                }
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    // Java's gray color space is linear, so getRGB would brighten gray images; PIL copies the gray
    // value to R, G and B, and so do we.
    private static void grayToRgb(Raster raster, ColorModel cm, byte[] out) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        int bits = cm.getComponentSize(0);
        boolean alpha = cm.hasAlpha();
        int alphaBits = alpha ? cm.getComponentSize(1) : 8;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int v = to8(raster.getSample(x, y, 0), bits);
                int a = alpha ? to8(raster.getSample(x, y, 1), alphaBits) : 255;
                int g = onWhite(v, a);
                int o = (y * w + x) * 3;
                out[o] = out[o + 1] = out[o + 2] = (byte) g;
            }
        }
    }

    private static int to8(int sample, int bits) {
        if (bits == 8) {
            return sample;
        }
        if (bits > 8) {
            return sample >>> (bits - 8); // the high byte, as PIL reads 16-bit PNGs
        }
        return Math.round(sample * 255f / ((1 << bits) - 1));
    }

    private static int onWhite(int c, int a) {
        return a == 255 ? c : (c * a + 255 * (255 - a) + 127) / 255;
    }

    private static String reason(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            return e instanceof java.io.EOFException ? "truncated" : e.getClass().getSimpleName();
        }
        return m;
    }

    private static String megabytes(long bytes) {
        return Long.toString(bytes / (1024 * 1024));
    }
}
