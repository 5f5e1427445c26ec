package io.jknife.vision;

/**
 * Image resizing that reproduces Pillow's {@code Image.resize} on 8-bit RGB bit for bit: the
 * separable convolution of {@code Resample.c} (the kernel widened by the scale factor when
 * shrinking, which is PIL's antialiasing), its 22-bit fixed-point weights, a horizontal pass
 * rounded to 8 bits before the vertical pass, and the affine lookup PIL uses for NEAREST.
 * Hugging Face image processors resize through PIL, so a model sees the same pixels here.
 */
public final class PilResize {

    private static final int PRECISION_BITS = 32 - 8 - 2;

    private PilResize() {
    }

    public static RgbImage resize(RgbImage in, int width, int height, ResampleFilter filter) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("target size must be positive: " + width + "x" + height);
        }
        if (width == in.width() && height == in.height()) {
            return in;
        }
        if (filter == ResampleFilter.NEAREST) {
            return nearest(in, width, height);
        }
        Coefficients vert = Coefficients.of(in.height(), height, filter);
        RgbImage src = in;
        int firstRow = 0;
        if (width != in.width()) {
            // Only the rows the vertical pass reads are resized horizontally, as PIL does.
            firstRow = vert.bounds[0];
            int lastRow = vert.bounds[(height - 1) * 2] + vert.bounds[(height - 1) * 2 + 1];
            src = horizontal(in, firstRow, lastRow - firstRow, Coefficients.of(in.width(), width, filter));
        }
        if (height != in.height()) {
            src = vertical(src, firstRow, vert);
        }
        return src;
    }

    private static RgbImage horizontal(RgbImage in, int firstRow, int rows, Coefficients k) {
        int outW = k.outSize;
        byte[] src = in.rgb();
        byte[] out = new byte[outW * rows * 3];
        int inW = in.width();
        for (int y = 0; y < rows; y++) {
            int rowBase = (y + firstRow) * inW * 3;
            for (int x = 0; x < outW; x++) {
                int xmin = k.bounds[x * 2];
                int count = k.bounds[x * 2 + 1];
                int kb = x * k.ksize;
                int s0 = 1 << (PRECISION_BITS - 1);
                int s1 = s0;
                int s2 = s0;
                for (int i = 0; i < count; i++) {
                    int w = k.fixed[kb + i];
                    int p = rowBase + (xmin + i) * 3;
                    s0 += (src[p] & 0xFF) * w;
                    s1 += (src[p + 1] & 0xFF) * w;
                    s2 += (src[p + 2] & 0xFF) * w;
                }
                int o = (y * outW + x) * 3;
                out[o] = clip8(s0);
                out[o + 1] = clip8(s1);
                out[o + 2] = clip8(s2);
            }
        }
        return new RgbImage(outW, rows, out);
    }

    private static RgbImage vertical(RgbImage in, int rowOffset, Coefficients k) {
        int w = in.width();
        int outH = k.outSize;
        byte[] src = in.rgb();
        byte[] out = new byte[w * outH * 3];
        for (int y = 0; y < outH; y++) {
            int ymin = k.bounds[y * 2] - rowOffset;
            int count = k.bounds[y * 2 + 1];
            int kb = y * k.ksize;
            for (int x = 0; x < w; x++) {
                int s0 = 1 << (PRECISION_BITS - 1);
                int s1 = s0;
                int s2 = s0;
                for (int i = 0; i < count; i++) {
                    int wt = k.fixed[kb + i];
                    int p = ((ymin + i) * w + x) * 3;
                    s0 += (src[p] & 0xFF) * wt;
                    s1 += (src[p + 1] & 0xFF) * wt;
                    s2 += (src[p + 2] & 0xFF) * wt;
                }
                int o = (y * w + x) * 3;
                out[o] = clip8(s0);
                out[o + 1] = clip8(s1);
                out[o + 2] = clip8(s2);
            }
        }
        return new RgbImage(w, outH, out);
    }

    private static byte clip8(int v) {
        if (v >= (1 << PRECISION_BITS << 8)) {
            return (byte) 255;
        }
        if (v <= 0) {
            return 0;
        }
        return (byte) (v >> PRECISION_BITS);
    }

    // PIL resizes with NEAREST through ImagingScaleAffine: source positions accumulated in double
    // from the first pixel centre (the accumulation's rounding decides ties, so it is kept).
    private static RgbImage nearest(RgbImage in, int width, int height) {
        double ax = (double) in.width() / width;
        double ay = (double) in.height() / height;
        int[] xs = new int[width];
        double xo = ax * 0.5;
        for (int x = 0; x < width; x++) {
            xs[x] = Math.min(in.width() - 1, (int) xo);
            xo += ax;
        }
        byte[] out = new byte[width * height * 3];
        byte[] src = in.rgb();
        double yo = ay * 0.5;
        for (int y = 0; y < height; y++) {
            int yy = Math.min(in.height() - 1, (int) yo);
            yo += ay;
            for (int x = 0; x < width; x++) {
                System.arraycopy(src, (yy * in.width() + xs[x]) * 3, out, (y * width + x) * 3, 3);
            }
        }
        return new RgbImage(width, height, out);
    }

    /** {@code precompute_coeffs} of PIL's Resample.c: per output pixel, the first source pixel, the count, the weights. */
    record Coefficients(int outSize, int ksize, int[] bounds, double[] weights, int[] fixed) {

        static Coefficients of(int inSize, int outSize, ResampleFilter filter) {
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = filter.support() * filterScale;
            int ksize = (int) Math.ceil(support) * 2 + 1;
            double[] kk = new double[outSize * ksize];
            int[] bounds = new int[outSize * 2];
            for (int xx = 0; xx < outSize; xx++) {
                double center = (xx + 0.5) * scale;
                double ss = 1.0 / filterScale;
                int xmin = (int) (center - support + 0.5);
                if (xmin < 0) {
                    xmin = 0;
                }
                int xmax = (int) (center + support + 0.5);
                if (xmax > inSize) {
                    xmax = inSize;
                }
                xmax -= xmin;
                double ww = 0.0;
                for (int x = 0; x < xmax; x++) {
                    double w = filter.weight((x + xmin - center + 0.5) * ss);
                    kk[xx * ksize + x] = w;
                    ww += w;
                }
                for (int x = 0; x < xmax; x++) {
                    if (ww != 0.0) {
                        kk[xx * ksize + x] /= ww;
                    }
                }
                bounds[xx * 2] = xmin;
                bounds[xx * 2 + 1] = xmax;
            }
            int[] fixed = new int[kk.length];
            for (int i = 0; i < kk.length; i++) {
                double v = kk[i] * (1 << PRECISION_BITS);
                fixed[i] = (int) (kk[i] < 0 ? -0.5 + v : 0.5 + v);
            }
            return new Coefficients(outSize, ksize, bounds, kk, fixed);
        }
    }
}
