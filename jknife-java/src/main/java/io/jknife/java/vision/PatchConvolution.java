package io.jknife.java.vision;

import io.jknife.formats.FormatException;
import io.jknife.java.weights.SafetensorsModel;
import io.jknife.vision.PixelValues;

import java.util.Arrays;

/**
 * A ViT's patch embedding, a convolution whose stride is its kernel, as one matrix multiply: the
 * image cut into flattened patch rows, the kernel flattened to a {@code hidden × (channels · patch · patch)}
 * matrix in the same {@code [channel, y, x]} order.
 */
final class PatchConvolution {
    private PatchConvolution() {
    }

    /**
     * The kernel in PyTorch's {@code [out, channel, y, x]} order; MLX conversions store it channels-last
     * ({@code [out, y, x, channel]}) and are reordered.
     */
    static float[] kernel(SafetensorsModel.HfTensor t, int hidden, int channels, int patch) throws FormatException {
        long[] s = t.shape();
        int d = hidden;
        int ch = channels;
        int p = patch;
        if (Arrays.equals(s, new long[]{d, ch, p, p})) {
            return t.values();
        }
        if (Arrays.equals(s, new long[]{d, p, p, ch})) {
            float[] v = t.values();
            float[] out = new float[v.length];
            for (int o = 0; o < d; o++) {
                for (int y = 0; y < p; y++) {
                    for (int x = 0; x < p; x++) {
                        for (int k = 0; k < ch; k++) {
                            out[((o * ch + k) * p + y) * p + x] = v[((o * p + y) * p + x) * ch + k];
                        }
                    }
                }
            }
            return out;
        }
        throw new FormatException("tensor " + t.name() + " has shape " + Arrays.toString(s) + ", expected ["
                + d + ", " + ch + ", " + p + ", " + p + "]");
    }

    /**
     * The patches of a square {@code channels × side × side} image as rows of {@code channels · patch · patch}
     * values, row-major over the patch grid (the order of the convolution's flattened output).
     */
    static float[] rows(PixelValues image, int side, int patch, int channels) {
        int grid = side / patch;
        int k = channels * patch * patch;
        float[] patches = new float[grid * grid * k];
        float[] px = image.data();
        for (int py = 0; py < grid; py++) {
            for (int pxi = 0; pxi < grid; pxi++) {
                int row = (py * grid + pxi) * k;
                for (int cc = 0; cc < channels; cc++) {
                    for (int y = 0; y < patch; y++) {
                        System.arraycopy(px, (cc * side + py * patch + y) * side + pxi * patch, patches,
                                row + (cc * patch + y) * patch, patch);
                    }
                }
            }
        }
        return patches;
    }
}
