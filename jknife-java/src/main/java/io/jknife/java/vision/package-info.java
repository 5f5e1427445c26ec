/**
 * Vision models of the LLaVA family in the Java engine: a CLIP vision tower
 * ({@link io.jknife.java.vision.ClipVisionEncoder}), the MLP projector
 * ({@link io.jknife.java.vision.LlavaProjector}) and the text model prefilled with the image
 * features spliced in where the prompt's {@code <image>} tokens are ({@link io.jknife.java.vision.LlavaModel}).
 * Pixel values come from {@code jknife-vision}'s {@code ImageProcessor}.
 */
package io.jknife.java.vision;
