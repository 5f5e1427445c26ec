package io.jknife.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PhotoMetadataFormatterTest {

    private static final PhotoMetadata PARIS = new PhotoMetadata(48.858370, 2.294481,
            LocalDateTime.of(2024, 5, 1, 12, 34, 56), "Apple", "iPhone 15 Pro (second generation)");
    private static final VisionSettings ON = new VisionSettings(true, true);

    @Test
    void contextLine() {
        assertEquals("[GPS: 48.8584°N, 2.2945°E | Date: 2024-05-01 | Camera: iPhone 15 Pro second gen]",
                PhotoMetadataFormatter.contextLine(0, Optional.of(PARIS)).orElseThrow());
        assertEquals("[Image 2 | Date: 2024-05-01]", PhotoMetadataFormatter.contextLine(2,
                Optional.of(new PhotoMetadata(null, null, PARIS.taken(), null, null))).orElseThrow());
        assertEquals("[Image 1]", PhotoMetadataFormatter.contextLine(1, Optional.empty()).orElseThrow());
        assertFalse(PhotoMetadataFormatter.contextLine(0, Optional.empty()).isPresent());
    }

    @Test
    void degreesRoundLikePython() {
        // Python's format(48.85845, '.4f') is 48.8584 (the double is just below the tie); Java's %.4f says 48.8585.
        assertEquals("48.8584", PhotoMetadataFormatter.degrees(48.85845));
        assertEquals("0.0001", PhotoMetadataFormatter.degrees(0.00015));
        assertEquals("151.2153", PhotoMetadataFormatter.degrees(-151.21529));
    }

    @Test
    void promptForASingleImage() {
        ImageChunk withExif = single(image("a.jpg", 1, PARIS));
        assertEquals("[GPS: 48.8584°N, 2.2945°E | Date: 2024-05-01 | Camera: iPhone 15 Pro second gen]\n\nWhat is this?",
                PhotoMetadataFormatter.augmentPrompt(withExif, "What is this?", ON));
        ImageChunk without = single(image("b.png", 2, null));
        assertEquals("What is this?", PhotoMetadataFormatter.augmentPrompt(without, "What is this?", ON));
        assertEquals("What is this?", PhotoMetadataFormatter.augmentPrompt(withExif, "What is this?", new VisionSettings(true, false)));
        assertEquals("What is this?", PhotoMetadataFormatter.augmentPrompt(withExif, "What is this?", new VisionSettings(false, true)));
    }

    @Test
    void tableWithExif() {
        VisionImage a = image("IMG_1.jpg", 1, PARIS);
        VisionImage b = image("b|c.png", 2, null);
        ImageChunk chunk = ImageChunker.split(List.of(a, b), 2, null).getFirst();
        String expected = "<details>\n"
                + "<summary>📸 Image Metadata (2 images)</summary>\n"
                + "\n"
                + "<!-- mlxk:filenames -->\n"
                + "| Image | Filename | Original | Location | Date | Camera |\n"
                + "|-------|----------|----------|----------|------|--------|\n"
                + "| 1 | image_" + a.hash8() + ".jpeg | IMG_1.jpg | 📍 48.8584°N, 2.2945°E | 📅 2024-05-01 | iPhone 15 Pro (second generation) |\n"
                + "| 2 | image_" + b.hash8() + ".jpeg | b\\|c.png | - | - | - |\n"
                + "\n"
                + "</details>\n"
                + "\n";
        assertEquals(expected, PhotoMetadataFormatter.table(chunk, ON));
    }

    @Test
    void tableWithoutExif() {
        VisionImage a = image("IMG_1.jpg", 1, PARIS);
        String expected = "<details>\n<summary>📸 Image Metadata (1 image)</summary>\n\n<!-- mlxk:filenames -->\n"
                + "| Image | Filename |\n|-------|----------|\n| 1 | image_" + a.hash8() + ".jpeg |\n\n</details>\n\n";
        assertEquals(expected, PhotoMetadataFormatter.table(single(a), VisionSettings.fromEnvironment(Map.of("JKNIFE_EXIF_METADATA", "0"))));
    }

    @Test
    void settingsFromTheEnvironment() {
        assertEquals(new VisionSettings(true, true), VisionSettings.fromEnvironment(Map.of()));
        assertEquals(new VisionSettings(false, true), VisionSettings.fromEnvironment(Map.of("JKNIFE_EXIF_METADATA", "0")));
        assertEquals(new VisionSettings(true, true), VisionSettings.fromEnvironment(Map.of("JKNIFE_EXIF_METADATA", "1")));
        assertEquals(new VisionSettings(true, false), VisionSettings.fromEnvironment(Map.of("JKNIFE_VISION_METADATA_CONTEXT", "0")));
        // mlx-knife's names still work; ours win.
        assertEquals(new VisionSettings(false, true), VisionSettings.fromEnvironment(Map.of("MLXK2_EXIF_METADATA", "0")));
        assertEquals(new VisionSettings(true, true),
                VisionSettings.fromEnvironment(Map.of("MLXK2_EXIF_METADATA", "0", "JKNIFE_EXIF_METADATA", "1")));
    }

    /** A distinct image (its bytes differ by {@code n}) with the given metadata. */
    static VisionImage image(String name, int n, PhotoMetadata metadata) {
        byte[] bytes = {(byte) n, 1, 2, 3};
        return new VisionImage(name, bytes, VisionImage.hash8(bytes), Optional.ofNullable(metadata));
    }

    private static ImageChunk single(VisionImage image) {
        return ImageChunker.split(List.of(image), 1, null).getFirst();
    }
}
