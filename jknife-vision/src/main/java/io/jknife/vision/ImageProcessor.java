package io.jknife.vision;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns a decoded image into the vision tower's input as the model's processor config says, in the
 * order of transformers' image processors: resize (through PIL's filters, {@link PilResize}), center
 * crop or Idefics3 tiling, rescale, normalize, channels first.
 */
public final class ImageProcessor {

    /** transformers' {@code MAX_IMAGE_SIZE} for Idefics3: no side grows beyond it. */
    private static final int IDEFICS3_MAX_SIDE = 4096;

    private final ImageProcessorConfig config;

    public ImageProcessor(ImageProcessorConfig config) {
        this.config = config;
    }

    public ImageProcessorConfig config() {
        return config;
    }

    public ProcessedImage process(RgbImage image) {
        RgbImage img = image;
        if (config.doResize()) {
            int[] hw = resizedSize(img.height(), img.width());
            img = PilResize.resize(img, hw[1], hw[0], config.resample());
        }
        if (config.imageSplitting()) {
            return split(img);
        }
        if (config.resizeMode() == ResizeMode.LONGEST_EDGE && config.maxImageEdge() > 0) {
            // Idefics3 without splitting: the encoder's square input.
            img = PilResize.resize(img, config.maxImageEdge(), config.maxImageEdge(), config.resample());
        }
        if (config.centerCrop()) {
            img = centerCrop(img, config.cropHeight(), config.cropWidth());
        }
        return new ProcessedImage(List.of(toPixels(img)), 0, 0);
    }

    /** The {@code (height, width)} the first resize produces. */
    int[] resizedSize(int h, int w) {
        return switch (config.resizeMode()) {
            case EXACT -> new int[] {config.height(), config.width()};
            case SHORTEST_EDGE -> {
                // transformers' get_resize_output_image_size(default_to_square=False): the long side truncated.
                int shortSide = Math.min(h, w);
                int longSide = Math.max(h, w);
                int newShort = config.edge();
                int newLong = (int) ((long) newShort * longSide / shortSide);
                yield w <= h ? new int[] {newLong, newShort} : new int[] {newShort, newLong};
            }
            case LONGEST_EDGE -> idefics3Size(h, w, config.edge());
        };
    }

    // transformers' Idefics3 _resize_output_size_rescale_to_max_len, then _scale_below_upper_bound.
    static int[] idefics3Size(int h, int w, int maxLen) {
        double aspect = (double) w / h;
        if (w >= h) {
            w = maxLen;
            h = (int) (w / aspect);
            if (h % 2 != 0) {
                h++;
            }
        } else {
            h = maxLen;
            w = (int) (h * aspect);
            if (w % 2 != 0) {
                w++;
            }
        }
        h = Math.max(h, 1);
        w = Math.max(w, 1);
        aspect = (double) w / h;
        if (w >= h && w > IDEFICS3_MAX_SIDE) {
            w = IDEFICS3_MAX_SIDE;
            h = (int) (w / aspect);
        } else if (h > w && h > IDEFICS3_MAX_SIDE) {
            h = IDEFICS3_MAX_SIDE;
            w = (int) (h * aspect);
        }
        return new int[] {Math.max(h, 1), Math.max(w, 1)};
    }

    // Idefics3ImageProcessor: resize_for_vision_encoder to multiples of the tile side, then split_image.
    private ProcessedImage split(RgbImage img) {
        int tile = config.maxImageEdge();
        int h = img.height();
        int w = img.width();
        double aspect = (double) w / h;
        if (w >= h) {
            w = ceilDiv(w, tile) * tile;
            h = (int) (w / aspect);
            h = ceilDiv(h, tile) * tile;
        } else {
            h = ceilDiv(h, tile) * tile;
            w = (int) (h * aspect);
            w = ceilDiv(w, tile) * tile;
        }
        img = PilResize.resize(img, w, h, config.resample());
        List<PixelValues> tiles = new ArrayList<>();
        int rows = 0;
        int cols = 0;
        if (h > tile || w > tile) {
            rows = ceilDiv(h, tile);
            cols = ceilDiv(w, tile);
            int th = ceilDiv(h, rows);
            int tw = ceilDiv(w, cols);
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    int x0 = c * tw;
                    int y0 = r * th;
                    tiles.add(toPixels(crop(img, x0, y0, Math.min(x0 + tw, w) - x0, Math.min(y0 + th, h) - y0)));
                }
            }
            img = PilResize.resize(img, tile, tile, config.resample());
        }
        tiles.add(toPixels(img));
        return new ProcessedImage(tiles, rows, cols);
    }

    /** transformers' {@code center_crop}: zero padding where the image is smaller than the crop. */
    static RgbImage centerCrop(RgbImage img, int cropH, int cropW) {
        int h = img.height();
        int w = img.width();
        int top = Math.floorDiv(h - cropH, 2);
        int left = Math.floorDiv(w - cropW, 2);
        if (top >= 0 && left >= 0 && top + cropH <= h && left + cropW <= w) {
            return crop(img, left, top, cropW, cropH);
        }
        // Pad to at least the crop size, centred (ceil of the half margin), then crop.
        int nh = Math.max(cropH, h);
        int nw = Math.max(cropW, w);
        int topPad = ceilDiv(nh - h, 2);
        int leftPad = ceilDiv(nw - w, 2);
        byte[] padded = new byte[nh * nw * 3];
        for (int y = 0; y < h; y++) {
            System.arraycopy(img.rgb(), y * w * 3, padded, ((y + topPad) * nw + leftPad) * 3, w * 3);
        }
        int t = Math.max(0, top + topPad);
        int b = Math.min(nh, top + topPad + cropH);
        int l = Math.max(0, left + leftPad);
        int r = Math.min(nw, left + leftPad + cropW);
        return crop(new RgbImage(nw, nh, padded), l, t, r - l, b - t);
    }

    static RgbImage crop(RgbImage img, int x0, int y0, int cw, int ch) {
        byte[] out = new byte[cw * ch * 3];
        for (int y = 0; y < ch; y++) {
            System.arraycopy(img.rgb(), ((y0 + y) * img.width() + x0) * 3, out, y * cw * 3, cw * 3);
        }
        return new RgbImage(cw, ch, out);
    }

    /** Rescale then normalize in float32, as transformers does on its numpy arrays. */
    PixelValues toPixels(RgbImage img) {
        int h = img.height();
        int w = img.width();
        float[] data = new float[3 * h * w];
        float[] mean = config.doNormalize() ? config.mean() : null;
        float[] std = config.doNormalize() ? config.std() : null;
        byte[] rgb = img.rgb();
        for (int c = 0; c < 3; c++) {
            int base = c * h * w;
            for (int i = 0; i < h * w; i++) {
                int v = rgb[i * 3 + c] & 0xFF;
                float f = config.doRescale() ? (float) (v * config.rescaleFactor()) : v;
                if (mean != null) {
                    f = (f - mean[c]) / std[c];
                }
                data[base + i] = f;
            }
        }
        return new PixelValues(data, 3, h, w);
    }

    private static int ceilDiv(int a, int b) {
        return -Math.floorDiv(-a, b);
    }
}
