package io.jknife.java.vision;

import io.jknife.formats.FormatException;
import io.jknife.java.model.Model;
import io.jknife.java.weights.Kernels;
import io.jknife.java.weights.SafetensorsModel;
import io.jknife.vision.ImageException;
import io.jknife.vision.ImageProcessor;
import io.jknife.vision.ImageProcessorConfigs;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * What the Hugging Face vision checkpoints (LLaVA, Gemma 3) have in common: where transformers keeps
 * the tower and the projector, the processor config beside them, and loading one from its directory.
 */
final class HfCheckpoints {
    /** The tower's prefixes: older saves, then transformers 4.52's {@code model.} prefix. */
    static final List<String> TOWER_PREFIXES = List.of("vision_tower.vision_model.", "model.vision_tower.vision_model.");
    static final List<String> PROJECTOR_PREFIXES = List.of("multi_modal_projector.", "model.multi_modal_projector.");

    /** Makes the vision model of a mapped checkpoint around its loaded text model. */
    interface Factory<M extends VisionLanguageModel> {
        M of(SafetensorsModel weights, Model text, ImageProcessor processor) throws IOException;
    }

    private HfCheckpoints() {
    }

    /**
     * Maps the checkpoint in {@code dir} and prepares a context of {@code contextSize} tokens (0: the
     * model's own). Takes ownership of {@code kernels}: closed with the model, or on failure.
     */
    static <M extends VisionLanguageModel> M load(Path dir, Kernels kernels, int contextSize, int maxBatch, Factory<M> factory)
            throws IOException {
        ImageProcessor processor;
        SafetensorsModel weights;
        try {
            processor = processorOf(dir);
            weights = SafetensorsModel.open(dir);
        } catch (IOException | RuntimeException e) {
            kernels.close();
            throw e;
        }
        Model text = Model.load(weights, kernels, contextSize, maxBatch);
        try {
            return factory.of(weights, text, processor);
        } catch (IOException | RuntimeException e) {
            text.close();
            throw e;
        }
    }

    /** The image processor {@code dir}'s processor config describes. */
    static ImageProcessor processorOf(Path dir) throws FormatException {
        try {
            return new ImageProcessor(ImageProcessorConfigs.read(dir));
        } catch (ImageException e) {
            throw new FormatException(e.getMessage());
        }
    }

    /** The first of {@code candidates} under which {@code w} has {@code probe}. */
    static String prefix(NamedWeights w, List<String> candidates, String probe, String what) throws FormatException {
        for (String p : candidates) {
            if (w.has(p + probe)) {
                return p;
            }
        }
        throw new FormatException("no " + what + " in the checkpoint (looked for " + candidates.getFirst() + probe + ")");
    }
}
