package io.jknife.vision;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/** Images made in the tests: ImageIO's writers, and an EXIF (TIFF) block built by hand. */
final class TestImages {

    private TestImages() {
    }

    static BufferedImage rgb(int w, int h, int... argbRowMajor) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < w * h; i++) {
            img.setRGB(i % w, i / w, argbRowMajor[i]);
        }
        return img;
    }

    static BufferedImage filled(int w, int h, int rgb) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, rgb);
            }
        }
        return img;
    }

    static byte[] png(BufferedImage img) {
        return write(img, "png");
    }

    static byte[] gif(BufferedImage img) {
        return write(img, "gif");
    }

    static byte[] jpeg(BufferedImage img) {
        try {
            ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
                writer.setOutput(stream);
                ImageWriteParam param = writer.getDefaultWriteParam();
                param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                param.setCompressionQuality(1.0f);
                writer.write(null, new IIOImage(img, null, null), param);
            } finally {
                writer.dispose();
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] write(BufferedImage img, String format) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(img, format, out)) {
                throw new IllegalStateException("no writer for " + format);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A JPEG with {@code tiff} (an EXIF block) in an APP1 segment right after SOI. */
    static byte[] withExif(byte[] jpeg, byte[] tiff) {
        byte[] header = "Exif\0\0".getBytes(StandardCharsets.ISO_8859_1);
        int len = 2 + header.length + tiff.length;
        ByteBuffer b = ByteBuffer.allocate(jpeg.length + 2 + len);
        b.put(jpeg, 0, 2).put((byte) 0xFF).put((byte) 0xE1).putShort((short) len).put(header).put(tiff);
        b.put(jpeg, 2, jpeg.length - 2);
        return b.array();
    }

    /** Builds a big-endian TIFF structure: IFD0, the Exif sub-IFD and the GPS IFD. */
    static final class Exif {
        private static final int ASCII = 2;
        private static final int SHORT = 3;
        private static final int LONG = 4;
        private static final int RATIONAL = 5;
        private static final int BYTE = 1;

        private record Entry(int tag, int type, int count, byte[] data) {
        }

        private final List<Entry> ifd0 = new ArrayList<>();
        private final List<Entry> exif = new ArrayList<>();
        private final List<Entry> gps = new ArrayList<>();

        Exif orientation(int value) {
            ifd0.add(new Entry(0x0112, SHORT, 1, ByteBuffer.allocate(2).putShort((short) value).array()));
            return this;
        }

        Exif make(String s) {
            ifd0.add(ascii(0x010F, s));
            return this;
        }

        Exif model(String s) {
            ifd0.add(ascii(0x0110, s));
            return this;
        }

        Exif dateTime(String s) {
            ifd0.add(ascii(0x0132, s));
            return this;
        }

        Exif dateTimeOriginal(String s) {
            exif.add(ascii(0x9003, s));
            return this;
        }

        /** Latitude as degrees, minutes, seconds (each numerator/denominator). */
        Exif latitude(String ref, long... dmsPairs) {
            gps.add(ascii(0x0001, ref));
            gps.add(rationals(0x0002, dmsPairs));
            return this;
        }

        Exif longitude(String ref, long... dmsPairs) {
            gps.add(ascii(0x0003, ref));
            gps.add(rationals(0x0004, dmsPairs));
            return this;
        }

        Exif gpsTime(String date, long... hmsPairs) {
            gps.add(rationals(0x0007, hmsPairs));
            gps.add(ascii(0x001D, date));
            return this;
        }

        byte[] tiff() {
            List<Entry> first = new ArrayList<>(ifd0);
            // Pointers to the sub-IFDs: their values are filled in once the sizes are known.
            if (!exif.isEmpty()) {
                first.add(new Entry(0x8769, LONG, 1, new byte[4]));
            }
            if (!gps.isEmpty()) {
                first.add(new Entry(0x8825, LONG, 1, new byte[4]));
            }
            gps.addFirst(new Entry(0x0000, BYTE, 4, new byte[] {2, 3, 0, 0})); // GPSVersionID
            int ifd0At = 8;
            int exifAt = ifd0At + size(first);
            int gpsAt = exifAt + (exif.isEmpty() ? 0 : size(exif));
            List<Entry> patched = new ArrayList<>();
            for (Entry e : first) {
                if (e.tag == 0x8769) {
                    e = new Entry(e.tag, LONG, 1, ByteBuffer.allocate(4).putInt(exifAt).array());
                } else if (e.tag == 0x8825) {
                    e = new Entry(e.tag, LONG, 1, ByteBuffer.allocate(4).putInt(gpsAt).array());
                }
                patched.add(e);
            }
            ByteBuffer b = ByteBuffer.allocate(gpsAt + (gps.size() > 1 ? size(gps) : 0));
            b.put(new byte[] {'M', 'M', 0, 42}).putInt(ifd0At);
            writeIfd(b, patched, ifd0At);
            if (!exif.isEmpty()) {
                writeIfd(b, exif, exifAt);
            }
            if (gps.size() > 1) {
                writeIfd(b, gps, gpsAt);
            }
            return b.array();
        }

        private static int size(List<Entry> entries) {
            int n = 2 + 12 * entries.size() + 4;
            for (Entry e : entries) {
                if (e.data.length > 4) {
                    n += e.data.length + (e.data.length & 1);
                }
            }
            return n;
        }

        private static void writeIfd(ByteBuffer b, List<Entry> entries, int at) {
            List<Entry> sorted = new ArrayList<>(entries);
            sorted.sort(Comparator.comparingInt(Entry::tag));
            b.position(at);
            b.putShort((short) sorted.size());
            int data = at + 2 + 12 * sorted.size() + 4;
            for (Entry e : sorted) {
                b.putShort((short) e.tag).putShort((short) e.type).putInt(e.count);
                if (e.data.length <= 4) {
                    byte[] v = new byte[4];
                    System.arraycopy(e.data, 0, v, 0, e.data.length);
                    b.put(v);
                } else {
                    b.putInt(data);
                    int here = b.position();
                    b.position(data).put(e.data);
                    data += e.data.length + (e.data.length & 1);
                    b.position(here);
                }
            }
            b.putInt(0); // no next IFD
        }

        private static Entry ascii(int tag, String s) {
            byte[] v = (s + "\0").getBytes(StandardCharsets.ISO_8859_1);
            return new Entry(tag, ASCII, v.length, v);
        }

        private static Entry rationals(int tag, long... pairs) {
            ByteBuffer b = ByteBuffer.allocate(pairs.length * 4);
            for (long p : pairs) {
                b.putInt((int) p);
            }
            return new Entry(tag, RATIONAL, pairs.length / 2, b.array());
        }
    }
}
