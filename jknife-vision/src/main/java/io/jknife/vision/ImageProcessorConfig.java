package io.jknife.vision;

import java.util.Arrays;

/**
 * What a Hugging Face image processor does to an image, resolved from its config with the class
 * defaults filled in (see {@link ImageProcessorConfigs}).
 *
 * @param processorType  {@code image_processor_type} (e.g. {@code Gemma3ImageProcessor}); informational
 * @param doResize       whether to resize at all
 * @param resizeMode     how {@code height}/{@code width}/{@code edge} are read
 * @param height         target height for {@link ResizeMode#EXACT}
 * @param width          target width for {@link ResizeMode#EXACT}
 * @param edge           target shorter or longer side for the aspect-keeping modes
 * @param resample       PIL filter used for every resize
 * @param centerCrop     whether to crop {@code cropHeight x cropWidth} from the middle after resizing
 * @param doRescale      whether to multiply by {@code rescaleFactor} (usually 1/255)
 * @param doNormalize    whether to apply {@code (x - mean) / std} per channel
 * @param mean           per-channel mean (R, G, B)
 * @param std            per-channel standard deviation (R, G, B)
 * @param patchSize      the vision tower's patch size, 0 when neither config says it
 * @param imageSplitting Idefics3: split into tiles of {@code maxImageEdge} plus a global view
 * @param maxImageEdge   Idefics3: the vision encoder's input side ({@code max_image_size.longest_edge})
 */
public record ImageProcessorConfig(
        String processorType,
        boolean doResize,
        ResizeMode resizeMode,
        int height,
        int width,
        int edge,
        ResampleFilter resample,
        boolean centerCrop,
        int cropHeight,
        int cropWidth,
        boolean doRescale,
        double rescaleFactor,
        boolean doNormalize,
        float[] mean,
        float[] std,
        int patchSize,
        boolean imageSplitting,
        int maxImageEdge) {

    public ImageProcessorConfig {
        if (doResize) {
            if (resizeMode == ResizeMode.EXACT && (height <= 0 || width <= 0)) {
                throw new IllegalArgumentException("resize to " + height + "x" + width);
            }
            if (resizeMode != ResizeMode.EXACT && edge <= 0) {
                throw new IllegalArgumentException("resize edge " + edge);
            }
        }
        if (centerCrop && (cropHeight <= 0 || cropWidth <= 0)) {
            throw new IllegalArgumentException("crop to " + cropHeight + "x" + cropWidth);
        }
        if (doNormalize && (mean == null || std == null || mean.length != 3 || std.length != 3)) {
            throw new IllegalArgumentException("normalization needs 3 means and 3 standard deviations");
        }
        if (doNormalize) {
            for (float s : std) {
                if (!(s > 0)) {
                    throw new IllegalArgumentException("image_std must be positive: " + Arrays.toString(std));
                }
            }
        }
        if (imageSplitting && maxImageEdge <= 0) {
            throw new IllegalArgumentException("image splitting needs max_image_size.longest_edge");
        }
        mean = mean == null ? null : mean.clone();
        std = std == null ? null : std.clone();
    }

    @Override
    public float[] mean() {
        return mean == null ? null : mean.clone();
    }

    @Override
    public float[] std() {
        return std == null ? null : std.clone();
    }

    /** SigLIP as Gemma 3 uses it: 896x896, bilinear, rescale 1/255, mean/std 0.5, patch 14. */
    public static ImageProcessorConfig gemma3() {
        return new ImageProcessorConfig("Gemma3ImageProcessor", true, ResizeMode.EXACT, 896, 896, 0,
                ResampleFilter.BILINEAR, false, 0, 0, true, 1 / 255.0, true,
                new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.5f, 0.5f, 0.5f}, 14, false, 0);
    }

    /** CLIP ViT-L/14-336 as LLaVA 1.5 uses it: shortest edge 336 bicubic, center crop 336, CLIP mean/std. */
    public static ImageProcessorConfig clip336() {
        return new ImageProcessorConfig("CLIPImageProcessor", true, ResizeMode.SHORTEST_EDGE, 0, 0, 336,
                ResampleFilter.BICUBIC, true, 336, 336, true, 1 / 255.0, true,
                ImageProcessorConfigs.CLIP_MEAN, ImageProcessorConfigs.CLIP_STD, 14, false, 0);
    }

    // Records compare arrays by identity; two configs that say the same are equal.
    @Override
    public boolean equals(Object o) {
        return o instanceof ImageProcessorConfig c
                && java.util.Objects.equals(processorType, c.processorType) && doResize == c.doResize
                && resizeMode == c.resizeMode && height == c.height && width == c.width && edge == c.edge
                && resample == c.resample && centerCrop == c.centerCrop && cropHeight == c.cropHeight
                && cropWidth == c.cropWidth && doRescale == c.doRescale && Double.compare(rescaleFactor, c.rescaleFactor) == 0
                && doNormalize == c.doNormalize && Arrays.equals(mean, c.mean) && Arrays.equals(std, c.std)
                && patchSize == c.patchSize && imageSplitting == c.imageSplitting && maxImageEdge == c.maxImageEdge;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(processorType, resizeMode, height, width, edge, resample, cropHeight, cropWidth,
                patchSize, maxImageEdge, Arrays.hashCode(mean), Arrays.hashCode(std));
    }

    @Override
    public String toString() {
        return "ImageProcessorConfig[" + processorType + ", resize=" + (doResize ? resizeMode + " " + height + "x" + width + "/" + edge : "no")
                + ", " + resample + ", crop=" + (centerCrop ? cropHeight + "x" + cropWidth : "no") + ", rescale=" + (doRescale ? rescaleFactor : "no")
                + ", mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + ", patch=" + patchSize
                + (imageSplitting ? ", split " + maxImageEdge : "") + "]";
    }
}
