package io.jknife.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.zip.CRC32;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageLoaderTest {

    private final ImageLoader loader = new ImageLoader(ImageLimits.CLI);

    @Test
    void pngPixelsAreExact() throws Exception {
        RgbImage img = loader.decode(TestImages.png(TestImages.rgb(2, 2, 0xFF0000, 0x00FF00, 0x0000FF, 0x123456)), "a.png");
        assertEquals(2, img.width());
        assertEquals(2, img.height());
        assertArrayEquals(new byte[] {(byte) 255, 0, 0, 0, (byte) 255, 0, 0, 0, (byte) 255, 0x12, 0x34, 0x56}, img.rgb());
    }

    @Test
    void transparencyIsCompositedOnWhite() throws Exception {
        BufferedImage argb = new BufferedImage(3, 1, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(0, 0, 0x00000000);      // fully transparent black: white
        argb.setRGB(1, 0, 0x80FF0000);      // half-transparent red
        argb.setRGB(2, 0, 0xFF00FF00);      // opaque green
        RgbImage img = loader.decode(TestImages.png(argb), "alpha.png");
        // c * a / 255 + 255 * (255 - a) / 255, rounded: a = 128 gives 255 for red, 127 for the others.
        assertArrayEquals(new int[] {255, 255, 255, 255, 127, 127, 0, 255, 0}, unsigned(img.rgb()));
    }

    @Test
    void grayPngIsNotGammaShifted() throws Exception {
        BufferedImage gray = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
        gray.getRaster().setSample(0, 0, 0, 64);
        gray.getRaster().setSample(1, 0, 0, 200);
        RgbImage img = loader.decode(TestImages.png(gray), "gray.png");
        assertArrayEquals(new int[] {64, 64, 64, 200, 200, 200}, unsigned(img.rgb()));
    }

    @Test
    void sixteenBitPngKeepsTheHighByte() throws Exception {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), false, false,
                Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        WritableRaster raster = cm.createCompatibleWritableRaster(2, 1);
        raster.setPixel(0, 0, new int[] {0xFFFF, 0x8000, 0x0000});
        raster.setPixel(1, 0, new int[] {0x1234, 0xABCD, 0x00FF});
        RgbImage img = loader.decode(TestImages.png(new BufferedImage(cm, raster, false, null)), "deep.png");
        int[] px = unsigned(img.rgb());
        int[] expected = {0xFF, 0x80, 0x00, 0x12, 0xAB, 0x00};
        for (int i = 0; i < px.length; i++) {
            // getRGB scales 16 to 8 bits by rounding; PIL takes the high byte: at most one apart.
            assertTrue(Math.abs(px[i] - expected[i]) <= 1, "sample " + i + ": " + px[i] + " vs " + expected[i]);
        }
        // 16-bit gray with our own path: exactly the high byte.
        ComponentColorModel gm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_GRAY), false, false,
                Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        WritableRaster gr = gm.createCompatibleWritableRaster(2, 1);
        gr.setSample(0, 0, 0, 0x40FF);
        gr.setSample(1, 0, 0, 0xC000);
        RgbImage g = loader.decode(TestImages.png(new BufferedImage(gm, gr, false, null)), "gray16.png");
        assertArrayEquals(new int[] {0x40, 0x40, 0x40, 0xC0, 0xC0, 0xC0}, unsigned(g.rgb()));
    }

    @Test
    void gifGivesTheFirstFrame() throws Exception {
        byte[] gif = animatedGif(TestImages.filled(4, 4, 0xFF0000), TestImages.filled(4, 4, 0x0000FF));
        RgbImage img = loader.decode(gif, "anim.gif");
        assertEquals(4, img.width());
        assertArrayEquals(new int[] {255, 0, 0}, Arrays.copyOf(unsigned(img.rgb()), 3));
        assertEquals(255, img.get(3, 3, 0));
        assertEquals(0, img.get(3, 3, 2));
    }

    @Test
    void jpegDecodes() throws Exception {
        RgbImage img = loader.decode(TestImages.jpeg(TestImages.filled(16, 8, 0x3366CC)), "a.jpg");
        assertEquals(16, img.width());
        assertEquals(8, img.height());
        assertClose(new int[] {0x33, 0x66, 0xCC}, img, 5, 3);
    }

    @Test
    void progressiveJpegDecodes() throws Exception {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(stream);
            var param = writer.getDefaultWriteParam();
            param.setProgressiveMode(javax.imageio.ImageWriteParam.MODE_DEFAULT);
            writer.write(null, new IIOImage(TestImages.filled(24, 16, 0x20A040), null, null), param);
        }
        RgbImage img = loader.decode(out.toByteArray(), "progressive.jpg");
        assertEquals(24, img.width());
        assertClose(new int[] {0x20, 0xA0, 0x40}, img, 10, 7);
    }

    @Test
    void cmykJpegDecodesToRgb() throws Exception {
        // 16x8 CMYK JPEG (Adobe marker) written by Pillow 9.4: left half 100 % cyan, right half no ink.
        RgbImage img = loader.decode(Base64.getDecoder().decode(CMYK_JPEG), "cmyk.jpg");
        assertEquals(16, img.width());
        assertEquals(8, img.height());
        // Converted through a CMYK profile, so not Pillow's naive (0, 255, 255); but cyan and white.
        assertTrue(img.get(2, 4, 0) < 80 && img.get(2, 4, 1) > 120 && img.get(2, 4, 2) > 200, "cyan: "
                + img.get(2, 4, 0) + "," + img.get(2, 4, 1) + "," + img.get(2, 4, 2));
        for (int c = 0; c < 3; c++) {
            assertTrue(img.get(12, 4, c) > 235, "white, channel " + c + " = " + img.get(12, 4, c));
        }
    }

    @Test
    void webpDecodes() throws Exception {
        RgbImage img = loader.decode(Base64.getDecoder().decode(WEBP_2X2), "tiny.webp");
        assertEquals(2, img.width());
        assertEquals(2, img.height());
        assertArrayEquals(WEBP_2X2_PIXELS, unsigned(img.rgb()));
    }

    @Test
    void lossyWebpDecodesAndTruncatedWebpFails() throws Exception {
        byte[] webp = Base64.getDecoder().decode(WEBP_LOSSY_16X16);
        RgbImage img = loader.decode(webp, "lossy.webp");
        assertEquals(16, img.width());
        // Pillow decodes this file to (201, 61, 28) in the middle; the source color was (200, 60, 30).
        assertClose(new int[] {201, 61, 28}, img, 3, 8);
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertMessage("Corrupt WebP image", Arrays.copyOf(webp, 40)));
    }

    @Test
    void exifOrientationIsApplied() throws Exception {
        // Left half red, right half blue; orientation 6: shown turned 90 degrees clockwise,
        // so red ends up on top and blue at the bottom.
        BufferedImage src = new BufferedImage(32, 16, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 32; x++) {
                src.setRGB(x, y, x < 16 ? 0xFF0000 : 0x0000FF);
            }
        }
        byte[] jpeg = TestImages.withExif(TestImages.jpeg(src), new TestImages.Exif().orientation(6).tiff());
        assertEquals(6, Orientation.read(jpeg));
        RgbImage img = loader.decode(jpeg, "rotated.jpg");
        assertEquals(16, img.width());
        assertEquals(32, img.height());
        assertTrue(img.get(8, 4, 0) > 200 && img.get(8, 4, 2) < 60, "top is red");
        assertTrue(img.get(8, 28, 2) > 200 && img.get(8, 28, 0) < 60, "bottom is blue");
    }

    @Test
    void corruptInputIsOneClearError(@TempDir Path dir) throws Exception {
        byte[] png = TestImages.png(TestImages.filled(64, 64, 0x336699));
        byte[] jpeg = TestImages.jpeg(noise(64, 64));
        byte[] gif = TestImages.gif(noise(64, 64));
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            assertMessage("is empty", new byte[0]);
            assertMessage("not a recognized image", "hello, this is text".getBytes());
            assertMessage("Corrupt PNG image", Arrays.copyOf(png, png.length / 2));
            assertMessage("Corrupt PNG image", Arrays.copyOf(png, 30));
            assertMessage("Corrupt JPEG image", Arrays.copyOf(jpeg, jpeg.length / 2));
            assertMessage("Corrupt JPEG image", Arrays.copyOf(jpeg, 20));
            assertMessage("Corrupt GIF image", Arrays.copyOf(gif, gif.length / 2));
            byte[] garbage = Arrays.copyOf(png, png.length);
            for (int i = 60; i < garbage.length - 20; i++) {
                garbage[i] ^= (byte) 0x5A;
            }
            assertMessage("Corrupt PNG image", garbage);
        });
        Path missing = dir.resolve("nope.jpg");
        assertEquals("Image not found: " + missing, assertThrows(ImageException.class, () -> loader.load(missing)).getMessage());
    }

    @Test
    void unsupportedFormatsSayWhatIsSupported() {
        byte[] heic = new byte[32];
        System.arraycopy("....ftypheic".getBytes(), 0, heic, 0, 12);
        ImageException e = assertThrows(ImageException.class, () -> loader.decode(heic, "IMG_0001.HEIC"));
        assertTrue(e.getMessage().startsWith("HEIC images are not supported; convert to JPEG/PNG first"), e.getMessage());
        assertTrue(e.getMessage().contains("JPEG, PNG, GIF, WebP"), e.getMessage());
        byte[] bmp = TestImages.write(TestImages.filled(2, 2, 0), "bmp");
        assertTrue(assertThrows(ImageException.class, () -> loader.decode(bmp, "a.bmp")).getMessage()
                .contains("BMP images are not supported (supported: JPEG, PNG, GIF, WebP)"));
    }

    @Test
    void decompressionBombIsRefusedBeforeDecoding() throws Exception {
        // A real 1x1 PNG whose header claims 60000 x 60000 pixels (CRC fixed): 3.6 gigapixels.
        byte[] png = TestImages.png(TestImages.filled(1, 1, 0xFFFFFF));
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(png);
        b.putInt(16, 60000).putInt(20, 60000);
        CRC32 crc = new CRC32();
        crc.update(png, 12, 17);
        b.putInt(29, (int) crc.getValue());
        ImageException e = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThrows(ImageException.class,
                () -> loader.decode(png, "bomb.png")));
        assertTrue(e.getMessage().contains("60000x60000 pixels") && e.getMessage().contains("decompression bomb"), e.getMessage());

        ImageLoader small = new ImageLoader(new ImageLimits(1 << 20, 100));
        assertThrows(ImageException.class, () -> small.decode(TestImages.png(TestImages.filled(11, 10, 0)), "a.png"));
        assertEquals(10, small.decode(TestImages.png(TestImages.filled(10, 10, 0)), "a.png").width());
    }

    @Test
    void fileSizeLimit(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("big.png");
        Files.write(f, TestImages.png(noise(64, 64)));
        ImageLoader tiny = new ImageLoader(new ImageLimits(1024 * 1024 - 1, 1000));
        Files.write(f, new byte[1024 * 1024]);
        assertEquals("Image too large (>0MB): " + f, assertThrows(ImageException.class, () -> tiny.load(f)).getMessage());
    }

    private void assertMessage(String expected, byte[] bytes) {
        ImageException e = assertThrows(ImageException.class, () -> loader.decode(bytes, "x"));
        assertTrue(e.getMessage().contains(expected), "'" + e.getMessage() + "' should contain '" + expected + "'");
    }

    static BufferedImage noise(int w, int h) {
        java.util.Random r = new java.util.Random(42);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, r.nextInt(1 << 24));
            }
        }
        return img;
    }

    private static byte[] animatedGif(BufferedImage... frames) throws Exception {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(stream);
            writer.prepareWriteSequence(null);
            for (BufferedImage frame : frames) {
                IIOMetadata md = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(frame), null);
                IIOMetadataNode root = (IIOMetadataNode) md.getAsTree(md.getNativeMetadataFormatName());
                IIOMetadataNode gce = new IIOMetadataNode("GraphicControlExtension");
                gce.setAttribute("disposalMethod", "none");
                gce.setAttribute("userInputFlag", "FALSE");
                gce.setAttribute("transparentColorFlag", "FALSE");
                gce.setAttribute("delayTime", "10");
                gce.setAttribute("transparentColorIndex", "0");
                root.appendChild(gce);
                md.setFromTree(md.getNativeMetadataFormatName(), root);
                writer.writeToSequence(new IIOImage(frame, null, md), null);
            }
            writer.endWriteSequence();
        }
        return out.toByteArray();
    }

    private static void assertClose(int[] rgb, RgbImage img, int tolerance, int x) {
        for (int c = 0; c < 3; c++) {
            int v = img.get(x, img.height() / 2, c);
            assertTrue(Math.abs(v - rgb[c]) <= tolerance, "channel " + c + ": " + v + " vs " + rgb[c]);
        }
    }

    static int[] unsigned(byte[] b) {
        int[] out = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = b[i] & 0xFF;
        }
        return out;
    }

    // A lossless 2x2 WebP made with libwebp 1.2.4 cwebp -lossless from red, green / blue, white.
    private static final String WEBP_2X2 = "UklGRiwAAABXRUJQVlA4TB8AAAAvAUAAAB8gEEjeHzqN+RcQFPwf3fxHZA/gBgwR/Q8BAA==";
    // cwebp -q 90 (libwebp 1.2.4) of a 16x16 PNG filled with (200, 60, 30).
    private static final String WEBP_LOSSY_16X16 =
            "UklGRj4AAABXRUJQVlA4IDIAAADQAQCdASoQABAAAMASJaACdLoB+AADsAD+8ql//bs/rs/rs/7tv/62D+tg/rYP/rQAAA==";
    private static final String CMYK_JPEG = "/9j/7gAOQWRvYmUAZAAAAAAA/9sAQwACAQEBAQECAQEBAgICAgIEAwICAgIFBAQDBAYFBgYGBQYGBgcJCAYHCQcGBggLCAkKCgoKCgYICwwLCgwJCgoK/8AAFAgACAAQBEMRAE0RAFkRAEsRAP/EAB8AAAEFAQEBAQEBAAAAAAAAAAABAgMEBQYHCAkKC//EALUQAAIBAwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+v/aAA4EQwBNAFkASwAAPwD+f+v38r9/K/fyv7/KKKK//9k=";
    private static final int[] WEBP_2X2_PIXELS = {255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255};
}
