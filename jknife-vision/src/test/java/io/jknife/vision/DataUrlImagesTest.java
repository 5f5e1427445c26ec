package io.jknife.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import org.junit.jupiter.api.Test;

class DataUrlImagesTest {

    private static final byte[] PNG = TestImages.png(TestImages.filled(3, 2, 0x102030));

    @Test
    void decodesAndNamesByHash() throws Exception {
        VisionImage image = new DataUrlImages().decode("data:image/PNG;base64," + Base64.getEncoder().encodeToString(PNG), true);
        assertEquals("image_" + VisionImage.hash8(PNG) + ".png", image.name());
        assertEquals(3, new ImageLoader(ImageLimits.SERVER).decode(image).width());
        VisionImage jpg = new DataUrlImages().decode("data:image/jpg;base64," + Base64.getEncoder().encodeToString(PNG), false);
        assertTrue(jpg.name().endsWith(".jpeg"), jpg.name());
        assertEquals(VisionImage.hash8(PNG), DataUrlImages.hashOf("data:image/png;base64," + Base64.getEncoder().encodeToString(PNG)));
        assertNull(DataUrlImages.hashOf("https://example.org/cat.png"));
        assertNull(DataUrlImages.hashOf("data:image/png;base64,!!!!"));
    }

    @Test
    void theReferenceMessages() {
        assertEquals("Only data URLs are supported (e.g., data:image/jpeg;base64,...). External URLs are not supported.",
                message("https://example.org/cat.jpg"));
        assertEquals("Invalid data URL format. Expected: data:image/<type>;base64,<data>. Supported types: gif, jpeg, jpg, png, webp",
                message("data:image/bmp;base64,AAAA"));
        assertEquals("Failed to decode base64 image data: Incorrect padding", message("data:image/png;base64,AAA"));
        assertTrue(message("data:image/png;base64,AA AA").startsWith("Failed to decode base64 image data: "));
        // Only padding decodes to nothing: refused as bad base64, as Python does.
        assertTrue(message("data:image/png;base64,====").startsWith("Failed to decode base64 image data: "));
        assertEquals("image_url.url cannot be empty", message(""));
    }

    @Test
    void sizeLimitsAreTooLarge() throws Exception {
        String big = "data:image/png;base64," + Base64.getEncoder().encodeToString(new byte[20 * 1024 * 1024 + 3]);
        ImageException e = assertThrows(ImageException.class, () -> new DataUrlImages().decode(big, false));
        assertEquals("Image size (20.0 MB) exceeds limit (20 MB)", e.getMessage());
        assertTrue(e.tooLarge());

        DataUrlImages request = new DataUrlImages();
        String eighteen = "data:image/png;base64," + Base64.getEncoder().encodeToString(new byte[18 * 1024 * 1024]);
        request.decode(eighteen, false);
        request.decode(eighteen, false);
        ImageException total = assertThrows(ImageException.class, () -> request.decode(eighteen, false));
        assertEquals("Total image size (54.0 MB) exceeds limit (50 MB)", total.getMessage());
        assertTrue(total.tooLarge());
        assertFalse(assertThrows(ImageException.class, () -> new DataUrlImages().decode("x", false)).tooLarge());
    }

    private static String message(String url) {
        return assertThrows(ImageException.class, () -> new DataUrlImages().decode(url, false)).getMessage();
    }
}
