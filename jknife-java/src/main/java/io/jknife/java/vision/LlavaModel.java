package io.jknife.java.vision;

import io.jknife.formats.FormatException;
import io.jknife.java.model.Model;
import io.jknife.java.weights.Kernels;
import io.jknife.java.weights.SafetensorsModel;
import io.jknife.vision.ImageProcessor;
import io.jknife.vision.PixelValues;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A LLaVA-family model: the CLIP tower and projector beside the Llama-family text {@link Model}, all
 * from one Hugging Face checkpoint. A prompt holds one {@code <image>} token per image; each becomes
 * {@link ClipVisionConfig#imageTokens()} rows of projected image features in the text model's input.
 * {@link #close()} closes the text model, which owns the mapped weights and the kernels. Not
 * thread-safe: one prefill at a time.
 */
public final class LlavaModel implements VisionLanguageModel {
    private final Model text;
    private final ClipVisionEncoder encoder;
    private final LlavaProjector projector;
    private final ImageProcessor processor;

    private LlavaModel(Model text, ClipVisionEncoder encoder, LlavaProjector projector, ImageProcessor processor) {
        this.text = text;
        this.encoder = encoder;
        this.projector = projector;
        this.processor = processor;
    }

    /**
     * Maps the checkpoint in {@code dir} and prepares a context of {@code contextSize} tokens (0: the
     * model's own). Takes ownership of {@code kernels}: closed with the model, or on failure.
     */
    public static LlavaModel load(Path dir, Kernels kernels, int contextSize, int maxBatch) throws IOException {
        return HfCheckpoints.load(dir, kernels, contextSize, maxBatch,
                (weights, text, processor) -> of(weights, text, ClipVisionConfig.read(dir), processor));
    }


    /**
     * The tower and projector of {@code weights} (which {@code text} was loaded from and owns) beside
     * {@code text}, images prepared by {@code processor}.
     */
    public static LlavaModel of(SafetensorsModel weights, Model text, ClipVisionConfig config, ImageProcessor processor)
            throws FormatException {
        NamedWeights named = NamedWeights.of(weights, text.kernels());
        String tower = HfCheckpoints.prefix(named, HfCheckpoints.TOWER_PREFIXES, "embeddings.class_embedding", "CLIP vision tower");
        String proj = HfCheckpoints.prefix(named, HfCheckpoints.PROJECTOR_PREFIXES, "linear_1.weight", "multi_modal_projector");
        return of(named, tower, proj, text, config, processor);
    }

    /**
     * The tower (under {@code towerPrefix}) and projector (under {@code projectorPrefix}) of
     * {@code weights}, by Hugging Face names, beside {@code text}: a checkpoint or a GGUF mmproj file.
     */
    static LlavaModel of(NamedWeights weights, String towerPrefix, String projectorPrefix, Model text,
                         ClipVisionConfig config, ImageProcessor processor) throws FormatException {
        if (config.imageTokenId() < 0 || config.imageTokenId() >= text.transformer().vocabularySize()) {
            throw new FormatException("image_token_index " + config.imageTokenId() + " is outside the text model's vocabulary of "
                    + text.transformer().vocabularySize());
        }
        ClipVisionEncoder encoder = ClipVisionEncoder.load(weights, towerPrefix, config, text.kernels());
        LlavaProjector projector = LlavaProjector.load(weights, projectorPrefix, config,
                text.transformer().embeddingLength(), text.kernels());
        return new LlavaModel(text, encoder, projector, processor);
    }

    @Override
    public Model text() {
        return text;
    }

    public ClipVisionConfig config() {
        return encoder.config();
    }

    public ClipVisionEncoder encoder() {
        return encoder;
    }

    public LlavaProjector projector() {
        return projector;
    }

    /** One image's rows in the text model's input: {@link ClipVisionConfig#imageTokens()} × hidden size. */
    public float[] imageEmbeddings(PixelValues image) {
        return projector.project(encoder.encode(image), config().imageTokens());
    }

    @Override
    public String imagePlaceholder() {
        return "<image>";
    }

    @Override
    public int placeholderToken() {
        return config().imageTokenId();
    }

    @Override
    public ImageProcessor processor() {
        return processor;
    }

    @Override
    public int imageTokens() {
        return config().imageTokens();
    }

    /** Each {@code <image>} token becomes the image's {@link ClipVisionConfig#imageTokens()} rows. */
    @Override
    public int[] layout(int[] tokens) {
        return ImageRows.replacing(tokens, placeholderToken(), imageTokens());
    }

    @Override
    public float[] prefill(int[] layout, List<PixelValues> images, int from) {
        return ImageRows.prefill(text.transformer(), layout, from, imageTokens(), images, this::imageEmbeddings, false);
    }

    @Override
    public void close() {
        text.close();
    }
}
