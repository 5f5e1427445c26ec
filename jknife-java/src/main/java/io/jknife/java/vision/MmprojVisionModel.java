package io.jknife.java.vision;

import io.jknife.java.model.Model;
import io.jknife.vision.ImageProcessor;
import io.jknife.vision.PixelValues;

import java.util.List;

/**
 * A vision model whose tower and projector come from an mmproj file: everything is the loaded
 * model's, and {@link #close()} closes the text model and then unmaps the file.
 */
final class MmprojVisionModel implements VisionLanguageModel {
    private final VisionLanguageModel model;
    private final MmprojFile file;

    MmprojVisionModel(VisionLanguageModel model, MmprojFile file) {
        this.model = model;
        this.file = file;
    }

    /** The model built over the file's tensors ({@link LlavaModel}, {@link Gemma3VisionModel}). */
    VisionLanguageModel model() {
        return model;
    }

    MmprojFile file() {
        return file;
    }

    @Override
    public Model text() {
        return model.text();
    }

    @Override
    public String imagePlaceholder() {
        return model.imagePlaceholder();
    }

    @Override
    public int placeholderToken() {
        return model.placeholderToken();
    }

    @Override
    public ImageProcessor processor() {
        return model.processor();
    }

    @Override
    public int imageTokens() {
        return model.imageTokens();
    }

    @Override
    public String expandPrompt(String prompt) {
        return model.expandPrompt(prompt);
    }

    @Override
    public int[] layout(int[] tokens) {
        return model.layout(tokens);
    }

    @Override
    public float[] prefill(int[] layout, List<PixelValues> images, int from) {
        return model.prefill(layout, images, from);
    }

    @Override
    public void close() {
        try {
            model.close();
        } finally {
            file.close();
        }
    }
}
