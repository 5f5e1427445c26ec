package io.jknife.java.vision;

import io.jknife.java.model.Model;
import io.jknife.vision.ImageProcessor;
import io.jknife.vision.PixelValues;

import java.util.List;

/**
 * A text model with a vision tower and projector in front of it (LLaVA, Gemma 3): what
 * {@link io.jknife.java.JavaModel} needs to put images into a prompt. The prompt text carries one
 * {@link #imagePlaceholder()} per image where the chat template put it; {@link #expandPrompt}
 * makes the text the model's processor would (e.g. Gemma 3's blank lines and end-of-image token),
 * and {@link #layout} turns its tokens into positions, image rows marked {@link #IMAGE_ROW}.
 * {@link #close()} closes the text model, which owns the mapped weights and the kernels. Not
 * thread-safe: one prefill at a time (the caller's generation lock).
 */
public interface VisionLanguageModel extends AutoCloseable {
    /** The value {@link #layout} gives a position that holds image features rather than a token. */
    int IMAGE_ROW = -1;

    /** The text model the image features go into. */
    Model text();

    /** The text standing for one image in a rendered prompt, as the chat template writes it ({@code <image>}, {@code <start_of_image>}). */
    String imagePlaceholder();

    /** The token id of {@link #imagePlaceholder()}. */
    int placeholderToken();

    /** The model's image preprocessing (its processor config). */
    ImageProcessor processor();

    /** Positions one image takes in the text model's input. */
    int imageTokens();

    /**
     * The prompt as the model's processor makes it from the rendered chat (every placeholder kept,
     * the image rows themselves excepted): the identity for LLaVA.
     */
    default String expandPrompt(String prompt) {
        return prompt;
    }

    /**
     * The positions of the tokenized (expanded) prompt: each text token's id, {@link #IMAGE_ROW}
     * for each of an image's {@link #imageTokens()} rows.
     */
    int[] layout(int[] tokens);

    /**
     * Runs positions {@code [from, layout.length)} of {@code layout} (the cache holds {@code [0, from)},
     * and {@code from} is not inside an image) with the {@code i}-th image's features in its rows,
     * and returns the logits after the last position (the transformer's array, valid until its next call).
     *
     * @param images every image of the prompt, in order, as {@link #processor()} made it
     */
    float[] prefill(int[] layout, List<PixelValues> images, int from);

    @Override
    void close();
}
