package io.jknife.engine;

/**
 * What a model that can see tells its callers about images in a prompt: the placeholder text the
 * prompt carries for each image (where the chat template puts it), and how many positions of the
 * context a prompt with its images takes (an image takes many; the model's processor decides how many).
 */
public interface VisionInput {
    /** The text that stands for one image in a rendered prompt, e.g. {@code <image>} or {@code <start_of_image>}. */
    String imagePlaceholder();

    /** Context positions {@code prompt} takes once each placeholder is expanded to its image's rows. */
    int promptPositions(String prompt);
}
