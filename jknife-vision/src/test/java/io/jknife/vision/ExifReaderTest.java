package io.jknife.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.LocalDateTime;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ExifReaderTest {

    private static final byte[] PLAIN = TestImages.jpeg(TestImages.filled(8, 8, 0x808080));

    /** The Eiffel Tower: 48°51'30.24" N, 2°17'40.2" E. */
    static byte[] eiffel() {
        return TestImages.withExif(PLAIN, new TestImages.Exif()
                .make("Apple").model("iPhone 15 Pro")
                .dateTime("2025:01:01 00:00:00")
                .dateTimeOriginal("2024:05:01 14:34:50")
                .latitude("N", 48, 1, 51, 1, 3024, 100)
                .longitude("E", 2, 1, 17, 1, 402, 10)
                .gpsTime("2024:05:01", 12, 1, 34, 1, 567, 10)
                .tiff());
    }

    @Test
    void gpsDateAndCamera() {
        PhotoMetadata m = ExifReader.read(eiffel()).orElseThrow();
        assertEquals(48 + 51 / 60.0 + 30.24 / 3600, m.latitude(), 1e-12);
        assertEquals(2 + 17 / 60.0 + 40.2 / 3600, m.longitude(), 1e-12);
        // The GPS stamp (UTC) wins over DateTimeOriginal; its seconds are truncated.
        assertEquals(LocalDateTime.of(2024, 5, 1, 12, 34, 56), m.taken());
        assertEquals("Apple", m.make());
        assertEquals("iPhone 15 Pro", m.model());
        assertEquals("48.8584°N, 2.2945°E", PhotoMetadataFormatter.location(m));
    }

    @Test
    void southAndWestAreNegative() {
        byte[] jpeg = TestImages.withExif(PLAIN, new TestImages.Exif()
                .latitude("S", 33, 1, 51, 1, 2448, 100)
                .longitude("W", 70, 1, 40, 1, 0, 1)
                .tiff());
        PhotoMetadata m = ExifReader.read(jpeg).orElseThrow();
        assertTrue(m.latitude() < 0 && m.longitude() < 0);
        assertEquals("33.8568°S, 70.6667°W", PhotoMetadataFormatter.location(m));
        assertNull(m.taken());
        assertNull(m.model());
    }

    @Test
    void dateFallsBackToDateTimeOriginalButNeverToDateTime() {
        byte[] original = TestImages.withExif(PLAIN, new TestImages.Exif()
                .model("  Pixel 8  ").dateTime("2025:02:02 02:02:02").dateTimeOriginal("2023:07:14 09:15:00").tiff());
        PhotoMetadata m = ExifReader.read(original).orElseThrow();
        assertEquals(LocalDateTime.of(2023, 7, 14, 9, 15), m.taken());
        assertEquals("Pixel 8", m.model());
        assertTrue(!m.hasLocation());

        // DateTime (tag 306) is rewritten by editors: it is not the capture date.
        byte[] edited = TestImages.withExif(PLAIN, new TestImages.Exif().model("X100V").dateTime("2025:02:02 02:02:02").tiff());
        PhotoMetadata e = ExifReader.read(edited).orElseThrow();
        assertNull(e.taken());
        assertEquals("X100V", e.model());
    }

    @Test
    void zeroIsAValidCoordinate() {
        byte[] jpeg = TestImages.withExif(PLAIN, new TestImages.Exif()
                .latitude("N", 0, 1, 0, 1, 0, 1).longitude("E", 0, 1, 0, 1, 0, 1).tiff());
        PhotoMetadata m = ExifReader.read(jpeg).orElseThrow();
        assertEquals(0.0, m.latitude());
        assertEquals("0.0000°N, 0.0000°E", PhotoMetadataFormatter.location(m));
    }

    @Test
    void noOrBrokenMetadataIsSilentlyAbsent() {
        assertEquals(Optional.empty(), ExifReader.read(PLAIN));
        assertEquals(Optional.empty(), ExifReader.read(TestImages.png(TestImages.filled(2, 2, 0))));
        assertEquals(Optional.empty(), ExifReader.read("not an image".getBytes()));
        byte[] broken = TestImages.withExif(PLAIN, new byte[] {'M', 'M', 0, 42, 0x7F, 0, 0, 0, 1, 2, 3});
        assertEquals(Optional.empty(), ExifReader.read(broken));
        // A zero denominator makes the coordinate unreadable, not zero.
        byte[] zeroDen = TestImages.withExif(PLAIN, new TestImages.Exif()
                .latitude("N", 48, 0, 51, 1, 0, 1).longitude("E", 2, 1, 0, 1, 0, 1).model("Cam").tiff());
        PhotoMetadata m = ExifReader.read(zeroDen).orElseThrow();
        assertNull(m.latitude());
        assertTrue(!m.hasLocation());
    }

    @Test
    void orientationComesFromTheSameBlock() {
        assertEquals(1, Orientation.read(PLAIN));
        assertEquals(8, Orientation.read(TestImages.withExif(PLAIN, new TestImages.Exif().orientation(8).tiff())));
        assertEquals(1, Orientation.read(TestImages.withExif(PLAIN, new TestImages.Exif().orientation(9).tiff())));
    }

    @Test
    void everyOrientationTurnsLikePil() {
        // a b c / d e f, labelled by their red value.
        RgbImage in = PilResizeTest.gray(3, 2, 'a', 'b', 'c', 'd', 'e', 'f');
        assertEquals("abc/def", show(Orientation.apply(in, 1)));
        assertEquals("cba/fed", show(Orientation.apply(in, 2)));  // FLIP_LEFT_RIGHT
        assertEquals("fed/cba", show(Orientation.apply(in, 3)));  // ROTATE_180
        assertEquals("def/abc", show(Orientation.apply(in, 4)));  // FLIP_TOP_BOTTOM
        assertEquals("ad/be/cf", show(Orientation.apply(in, 5))); // TRANSPOSE
        assertEquals("da/eb/fc", show(Orientation.apply(in, 6))); // ROTATE_270 (90 degrees clockwise)
        assertEquals("fc/eb/da", show(Orientation.apply(in, 7))); // TRANSVERSE
        assertEquals("cf/be/ad", show(Orientation.apply(in, 8))); // ROTATE_90 (counter-clockwise)
    }

    private static String show(RgbImage img) {
        StringBuilder sb = new StringBuilder();
        for (int y = 0; y < img.height(); y++) {
            if (y > 0) {
                sb.append('/');
            }
            for (int x = 0; x < img.width(); x++) {
                sb.append((char) img.get(x, y, 0));
            }
        }
        return sb.toString();
    }
}
