/**
 * Vision models in the Java engine: a vision tower and projector in front of a text model, behind
 * one interface ({@link io.jknife.java.vision.VisionLanguageModel}) that the engine's
 * {@code JavaModel} uses to place images in a prompt.
 * <ul>
 *   <li>LLaVA: the CLIP tower ({@link io.jknife.java.vision.ClipVisionEncoder}), the MLP projector
 *       ({@link io.jknife.java.vision.LlavaProjector}), each {@code <image>} token becoming the image's
 *       features ({@link io.jknife.java.vision.LlavaModel}).</li>
 *   <li>Gemma 3: the SigLIP tower ({@link io.jknife.java.vision.SiglipVisionEncoder}), average pooling
 *       and the soft-embedding norm and projection ({@link io.jknife.java.vision.Gemma3Projector}),
 *       image rows attending to each other both ways ({@link io.jknife.java.vision.Gemma3VisionModel}).</li>
 *   <li>Both towers share the pre-LN encoder ({@code PreNormEncoder}) and the patch convolution as one
 *       matrix multiply ({@code PatchConvolution}); weights come by Hugging Face name through
 *       {@code NamedWeights}, from a safetensors checkpoint or from a GGUF {@code mmproj} file
 *       ({@code MmprojFile}, clip.cpp's names mapped by {@code ClipTensorNames}).</li>
 *   <li>{@link io.jknife.java.vision.VisionModels} finds a model's vision half from what it declares.</li>
 * </ul>
 * Pixel values come from {@code jknife-vision}'s {@code ImageProcessor}, configured by the model's
 * processor config (or the mmproj file's keys).
 */
package io.jknife.java.vision;
