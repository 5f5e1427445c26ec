package io.jknife.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PilResizeTest {

    @Test
    void bilinearDownscaleAveragesOverTheWidenedKernel() {
        // Halving 4 pixels: the bilinear kernel is stretched to support 2, so output 0 (centre 1.0)
        // weighs inputs 0, 1, 2 by 0.75, 0.75, 0.25 (normalized: 3/7, 3/7, 1/7) -> 30 + 30 * ... = 50,
        // and output 1 (centre 3.0) weighs inputs 1, 2, 3 by 1/7, 3/7, 3/7 -> 10 + 60 + 90 = 160.
        RgbImage in = gray(4, 1, 0, 70, 140, 210);
        assertArrayEquals(new int[] {50, 160}, channel0(PilResize.resize(in, 2, 1, ResampleFilter.BILINEAR)));
    }

    @Test
    void bilinearUpscaleInterpolatesBetweenCentres() {
        // Doubling [0, 100]: sample centres 0.25, 0.75, 1.25, 1.75 in source pixels; the edges clamp.
        RgbImage in = gray(2, 1, 0, 100);
        assertArrayEquals(new int[] {0, 25, 75, 100}, channel0(PilResize.resize(in, 4, 1, ResampleFilter.BILINEAR)));
        // Vertical too: the same numbers down a column.
        RgbImage col = gray(1, 2, 0, 100);
        assertArrayEquals(new int[] {0, 25, 75, 100}, channel0(PilResize.resize(col, 1, 4, ResampleFilter.BILINEAR)));
    }

    @Test
    void boxDownscaleIsTheMean() {
        RgbImage in = gray(4, 1, 10, 20, 30, 41);
        // (10 + 20) / 2 = 15, (30 + 41) / 2 = 35.5 rounds up.
        assertArrayEquals(new int[] {15, 36}, channel0(PilResize.resize(in, 2, 1, ResampleFilter.BOX)));
    }

    @Test
    void uniformImagesStayUniformWithEveryFilter() {
        RgbImage in = new RgbImage(13, 7, filled(13 * 7 * 3, (byte) 77));
        for (ResampleFilter f : ResampleFilter.values()) {
            RgbImage out = PilResize.resize(in, 5, 11, f);
            for (byte b : out.rgb()) {
                assertEquals(77, b & 0xFF, f.toString());
            }
        }
    }

    @Test
    void matchesPillowExactly() throws Exception {
        int cases = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                PilResizeTest.class.getResourceAsStream("pil-resize.txt"), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                String[] f = line.split(" ");
                int sw = Integer.parseInt(f[0]);
                int sh = Integer.parseInt(f[1]);
                int tw = Integer.parseInt(f[2]);
                int th = Integer.parseInt(f[3]);
                ResampleFilter filter = ResampleFilter.valueOf(f[4]);
                int[] expected = Arrays.stream(f[5].split(",")).mapToInt(Integer::parseInt).toArray();
                int[] actual = ImageLoaderTest.unsigned(PilResize.resize(pattern(sw, sh), tw, th, filter).rgb());
                assertArrayEquals(expected, actual, line.substring(0, line.indexOf(filter.name()) + filter.name().length()));
                cases++;
            }
        }
        assertEquals(30, cases);
    }

    @Test
    void agreesWithAPlainFloatingPointReference() {
        Random random = new Random(7);
        int[][] sizes = {{37, 23, 8, 5}, {50, 50, 7, 7}, {9, 4, 23, 17}, {64, 48, 31, 40}, {5, 60, 5, 13}, {3, 3, 896, 2}};
        for (ResampleFilter filter : new ResampleFilter[] {ResampleFilter.BILINEAR, ResampleFilter.BICUBIC,
                ResampleFilter.LANCZOS, ResampleFilter.BOX, ResampleFilter.HAMMING}) {
            for (int[] s : sizes) {
                byte[] px = new byte[s[0] * s[1] * 3];
                random.nextBytes(px);
                RgbImage in = new RgbImage(s[0], s[1], px);
                int[] actual = ImageLoaderTest.unsigned(PilResize.resize(in, s[2], s[3], filter).rgb());
                int[] expected = reference(in, s[2], s[3], filter);
                for (int i = 0; i < actual.length; i++) {
                    // The reference rounds in floating point, PIL in 22-bit fixed point: one apart at most.
                    assertTrue(Math.abs(actual[i] - expected[i]) <= 1, filter + " " + Arrays.toString(s) + " at " + i
                            + ": " + actual[i] + " vs " + expected[i]);
                }
            }
        }
    }

    /**
     * The resampling written out plainly from Pillow's documented algorithm: for each output pixel,
     * the kernel scaled by max(1, in/out) around the pixel centre, weights normalized to sum 1;
     * rows first, rounded to 8 bits, then columns.
     */
    private static int[] reference(RgbImage in, int tw, int th, ResampleFilter filter) {
        double[][] rows = new double[in.height()][tw * 3];
        for (int y = 0; y < in.height(); y++) {
            for (int x = 0; x < tw; x++) {
                double[] w = weights(in.width(), tw, x, filter);
                for (int c = 0; c < 3; c++) {
                    double sum = 0;
                    for (int i = 0; i < in.width(); i++) {
                        sum += w[i] * in.get(i, y, c);
                    }
                    rows[y][x * 3 + c] = tw == in.width() ? in.get(x, y, c) : clamp(Math.floor(sum + 0.5));
                }
            }
        }
        int[] out = new int[tw * th * 3];
        for (int y = 0; y < th; y++) {
            double[] w = weights(in.height(), th, y, filter);
            for (int x = 0; x < tw; x++) {
                for (int c = 0; c < 3; c++) {
                    double sum = 0;
                    for (int i = 0; i < in.height(); i++) {
                        sum += w[i] * rows[i][x * 3 + c];
                    }
                    out[(y * tw + x) * 3 + c] = (int) (th == in.height() ? rows[y][x * 3 + c] : clamp(Math.floor(sum + 0.5)));
                }
            }
        }
        return out;
    }

    private static double[] weights(int inSize, int outSize, int o, ResampleFilter filter) {
        double scale = (double) inSize / outSize;
        double stretch = Math.max(1.0, scale);
        double centre = (o + 0.5) * scale;
        double support = filter.support() * stretch;
        double[] w = new double[inSize];
        double total = 0;
        for (int i = 0; i < inSize; i++) {
            // Input pixel i covers [i, i + 1); its centre is i + 0.5. Only pixels within the support count.
            if (i + 0.5 >= centre - support - 1e-9 && i + 0.5 < centre + support + 1e-9) {
                w[i] = filter.weight((i + 0.5 - centre) / stretch);
                total += w[i];
            }
        }
        for (int i = 0; i < inSize; i++) {
            w[i] /= total;
        }
        return w;
    }

    private static double clamp(double v) {
        return Math.max(0, Math.min(255, v));
    }

    static RgbImage pattern(int w, int h) {
        byte[] px = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int o = (y * w + x) * 3;
                px[o] = (byte) ((x * 37 + y * 53) % 256);
                px[o + 1] = (byte) ((x * 11 + y * 97 + 50) % 256);
                px[o + 2] = (byte) ((x * x * 3 + y * 29) % 256);
            }
        }
        return new RgbImage(w, h, px);
    }

    static RgbImage gray(int w, int h, int... values) {
        byte[] px = new byte[w * h * 3];
        for (int i = 0; i < values.length; i++) {
            px[i * 3] = px[i * 3 + 1] = px[i * 3 + 2] = (byte) values[i];
        }
        return new RgbImage(w, h, px);
    }

    private static int[] channel0(RgbImage img) {
        int[] out = new int[img.width() * img.height()];
        for (int i = 0; i < out.length; i++) {
            out[i] = img.rgb()[i * 3] & 0xFF;
        }
        return out;
    }

    private static byte[] filled(int n, byte v) {
        byte[] b = new byte[n];
        Arrays.fill(b, v);
        return b;
    }
}
