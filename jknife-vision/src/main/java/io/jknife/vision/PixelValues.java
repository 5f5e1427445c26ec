package io.jknife.vision;

/**
 * One image as the vision tower takes it: channels first ({@code data[(c * height + y) * width + x]}),
 * rescaled and normalized.
 */
public record PixelValues(float[] data, int channels, int height, int width) {

    public PixelValues {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("bad shape " + channels + "x" + height + "x" + width);
        }
        if (data.length != channels * height * width) {
            throw new IllegalArgumentException("expected " + channels * height * width + " values, got " + data.length);
        }
    }

    public float get(int c, int y, int x) {
        return data[(c * height + y) * width + x];
    }
}
