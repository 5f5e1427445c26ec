package io.jknife.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageArgumentsTest {

    @Test
    void globsExpandSortedAndKeepArgumentOrder(@TempDir Path dir) throws Exception {
        Path photos = Files.createDirectories(dir.resolve("photos"));
        for (String name : List.of("c.jpg", "a.jpg", "b.png", ".hidden.jpg", "notes.txt")) {
            Files.write(photos.resolve(name), new byte[] {1});
        }
        Files.write(dir.resolve("first.png"), new byte[] {1});
        List<Path> out = ImageArguments.expand(List.of("first.png", "photos/*.jpg", "photos/*.{png,txt}"), dir, ImageLimits.CLI);
        assertEquals(List.of(dir.resolve("first.png"), photos.resolve("a.jpg"), photos.resolve("c.jpg"),
                photos.resolve("b.png"), photos.resolve("notes.txt")), out);
    }

    @Test
    void recursiveGlobAndAbsolutePaths(@TempDir Path dir) throws Exception {
        Path deep = Files.createDirectories(dir.resolve("trip/day1"));
        Files.write(deep.resolve("x.jpg"), new byte[] {1});
        Files.write(dir.resolve("trip/y.jpg"), new byte[] {1});
        assertEquals(List.of(deep.resolve("x.jpg")), ImageArguments.expand(List.of("trip/**/*.jpg"), dir, ImageLimits.CLI));
        assertEquals(List.of(dir.resolve("trip/y.jpg")),
                ImageArguments.expand(List.of(dir.resolve("trip") + "/?.jpg"), Path.of("/"), ImageLimits.CLI));
    }

    @Test
    void clearErrors(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("empty"));
        assertEquals("No images match: empty/*.jpg",
                assertThrows(ImageException.class, () -> ImageArguments.expand(List.of("empty/*.jpg"), dir, ImageLimits.CLI)).getMessage());
        assertEquals("No images match: nowhere/*.jpg",
                assertThrows(ImageException.class, () -> ImageArguments.expand(List.of("nowhere/*.jpg"), dir, ImageLimits.CLI)).getMessage());
        assertEquals("Image not found: missing.jpg",
                assertThrows(ImageException.class, () -> ImageArguments.expand(List.of("missing.jpg"), dir, ImageLimits.CLI)).getMessage());
        assertEquals("Image not found: empty is a directory (use a glob such as 'empty/*.jpg')",
                assertThrows(ImageException.class, () -> ImageArguments.expand(List.of("empty"), dir, ImageLimits.CLI)).getMessage());
        Files.write(dir.resolve("big.jpg"), new byte[2 * 1024 * 1024 + 1]);
        assertEquals("Image too large (>2MB): big.jpg", assertThrows(ImageException.class,
                () -> ImageArguments.expand(List.of("big.jpg"), dir, new ImageLimits(2 * 1024 * 1024, 1000))).getMessage());
    }

    @Test
    void readsAnImageWithItsExif(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("paris.jpg");
        Files.write(f, ExifReaderTest.eiffel());
        VisionImage image = VisionImage.read(f, ImageLimits.CLI, true);
        assertEquals("paris.jpg", image.name());
        assertEquals("iPhone 15 Pro", image.metadata().orElseThrow().model());
        assertEquals(8, image.hash8().length());
        assertEquals(image.hash8(), VisionImage.hash8(Files.readAllBytes(f)));
        assertEquals(false, VisionImage.read(f, ImageLimits.CLI, false).metadata().isPresent());
        // SHA-256 of "abc" starts with ba7816bf.
        assertEquals("ba7816bf", VisionImage.hash8("abc".getBytes()));
    }
}
