package io.jknife.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.awt.image.BufferedImage;
import java.util.Arrays;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Time to turn a 12-megapixel phone photo into model input. Run with
 * {@code mvn -o test -pl jknife-vision -Dtest=PreprocessBenchmarkTest -Djknife.test.excludedGroups= -Dgroups=benchmark}.
 */
@Tag("benchmark")
class PreprocessBenchmarkTest {

    @Test
    void twelveMegapixelJpeg() throws Exception {
        BufferedImage photo = new BufferedImage(4032, 3024, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 3024; y++) {
            for (int x = 0; x < 4032; x++) {
                // Smooth gradients with some texture: compresses like a photo, not like noise.
                photo.setRGB(x, y, ((x / 16) & 0xFF) << 16 | ((y / 12) & 0xFF) << 8 | ((x * y / 97) & 0x3F));
            }
        }
        byte[] jpeg = TestImages.jpeg(photo);
        ImageLoader loader = new ImageLoader(ImageLimits.CLI);
        ImageProcessor gemma = new ImageProcessor(ImageProcessorConfig.gemma3());
        ImageProcessor clip = new ImageProcessor(ImageProcessorConfig.clip336());
        RgbImage rgb = null;
        int runs = 7;
        long[] decode = new long[runs];
        long[] toGemma = new long[runs];
        long[] toClip = new long[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            rgb = loader.decode(jpeg, "photo.jpg");
            long t1 = System.nanoTime();
            PixelValues g = gemma.process(rgb).single();
            long t2 = System.nanoTime();
            PixelValues c = clip.process(rgb).single();
            long t3 = System.nanoTime();
            decode[i] = t1 - t0;
            toGemma[i] = t2 - t1;
            toClip[i] = t3 - t2;
            assertEquals(896, g.width());
            assertEquals(336, c.width());
        }
        System.out.printf("jpeg %d bytes, %dx%d: decode median %.0f ms; Gemma 3 896x896 %.0f ms; CLIP 336 %.0f ms%n",
                jpeg.length, rgb.width(), rgb.height(), median(decode), median(toGemma), median(toClip));
    }

    private static double median(long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        return s[s.length / 2] / 1e6;
    }
}
