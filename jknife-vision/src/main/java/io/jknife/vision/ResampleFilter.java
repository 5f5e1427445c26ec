package io.jknife.vision;

/**
 * PIL's resampling filters, numbered as in {@code PIL.Image.Resampling} (the {@code resample}
 * field of a processor config), with the kernels of PIL's {@code Resample.c}.
 */
public enum ResampleFilter {
    NEAREST(0, 0.0),
    LANCZOS(1, 3.0),
    BILINEAR(2, 1.0),
    BICUBIC(3, 2.0),
    BOX(4, 0.5),
    HAMMING(5, 1.0);

    private final int pilCode;
    private final double support;

    ResampleFilter(int pilCode, double support) {
        this.pilCode = pilCode;
        this.support = support;
    }

    public int pilCode() {
        return pilCode;
    }

    /** Half-width of the kernel at scale 1. */
    public double support() {
        return support;
    }

    public static ResampleFilter ofPilCode(int code) {
        for (ResampleFilter f : values()) {
            if (f.pilCode == code) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown PIL resample filter " + code + " (0..5)");
    }

    /** The kernel's weight at distance {@code x} (in source pixels at scale 1). */
    public double weight(double x) {
        return switch (this) {
            // PIL's box is (-0.5, 0.5]; NEAREST is never convolved (PilResize samples it directly).
            case NEAREST, BOX -> x > -0.5 && x <= 0.5 ? 1.0 : 0.0;
            case BILINEAR -> {
                double a = Math.abs(x);
                yield a < 1.0 ? 1.0 - a : 0.0;
            }
            case HAMMING -> {
                double a = Math.abs(x);
                if (a == 0.0) {
                    yield 1.0;
                }
                if (a >= 1.0) {
                    yield 0.0;
                }
                double px = a * Math.PI;
                yield Math.sin(px) / px * (0.54 + 0.46 * Math.cos(px));
            }
            case BICUBIC -> {
                // Keys' cubic with a = -0.5, as PIL.
                double a = -0.5;
                double v = Math.abs(x);
                if (v < 1.0) {
                    yield ((a + 2.0) * v - (a + 3.0)) * v * v + 1;
                }
                if (v < 2.0) {
                    yield (((v - 5) * v + 8) * v - 4) * a;
                }
                yield 0.0;
            }
            case LANCZOS -> x > -3.0 && x < 3.0 ? sinc(x) * sinc(x / 3.0) : 0.0;
        };
    }

    private static double sinc(double x) {
        if (x == 0.0) {
            return 1.0;
        }
        double px = x * Math.PI;
        return Math.sin(px) / px;
    }
}
