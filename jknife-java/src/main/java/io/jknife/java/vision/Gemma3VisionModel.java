package io.jknife.java.vision;

import io.jknife.formats.FormatException;
import io.jknife.java.model.Model;
import io.jknife.java.model.Transformer;
import io.jknife.java.weights.Kernels;
import io.jknife.java.weights.SafetensorsModel;
import io.jknife.vision.ImageProcessor;
import io.jknife.vision.PixelValues;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A Gemma 3 multimodal model: the SigLIP tower and {@link Gemma3Projector} beside the gemma3 text
 * {@link Model}. The chat template writes {@code <start_of_image>} per image; {@link #expandPrompt}
 * makes Gemma3Processor's text of it (blank lines, the image's soft tokens, {@code <end_of_image>}),
 * with one {@code <image_soft_token>} that {@link #layout} widens to
 * {@link SiglipVisionConfig#mmTokensPerImage()} image rows. As in transformers, token rows are scaled
 * by {@code sqrt(hidden)} ({@link Transformer#embed}) while image rows go in as projected, and an
 * image's rows attend to each other both ways during the prefill (its token-type mask); all else is
 * causal. {@link #close()} closes the text model, which owns the mapped weights and the kernels. Not
 * thread-safe: one prefill at a time.
 */
public final class Gemma3VisionModel implements VisionLanguageModel {
    public static final String START_OF_IMAGE = "<start_of_image>";
    public static final String END_OF_IMAGE = "<end_of_image>";
    public static final String IMAGE_SOFT_TOKEN = "<image_soft_token>";

    private final Model text;
    private final SiglipVisionEncoder encoder;
    private final Gemma3Projector projector;
    private final ImageProcessor processor;

    private Gemma3VisionModel(Model text, SiglipVisionEncoder encoder, Gemma3Projector projector, ImageProcessor processor) {
        this.text = text;
        this.encoder = encoder;
        this.projector = projector;
        this.processor = processor;
    }

    /**
     * Maps the checkpoint in {@code dir} and prepares a context of {@code contextSize} tokens (0: the
     * model's own). Takes ownership of {@code kernels}: closed with the model, or on failure.
     */
    public static Gemma3VisionModel load(Path dir, Kernels kernels, int contextSize, int maxBatch) throws IOException {
        return HfCheckpoints.load(dir, kernels, contextSize, maxBatch,
                (weights, text, processor) -> of(weights, text, SiglipVisionConfig.read(dir), processor));
    }


    /**
     * The tower and projector of {@code weights} (which {@code text} was loaded from and owns) beside
     * {@code text}, under whichever of transformers' prefixes the checkpoint uses.
     */
    public static Gemma3VisionModel of(SafetensorsModel weights, Model text, SiglipVisionConfig config,
                                       ImageProcessor processor) throws FormatException {
        NamedWeights named = NamedWeights.of(weights, text.kernels());
        String tower = HfCheckpoints.prefix(named, HfCheckpoints.TOWER_PREFIXES, "embeddings.patch_embedding.weight",
                "SigLIP vision tower");
        String proj = HfCheckpoints.prefix(named, HfCheckpoints.PROJECTOR_PREFIXES, "mm_input_projection_weight",
                "Gemma 3 multi_modal_projector");
        return of(named, tower, proj, text, config, processor);
    }

    /**
     * The tower (tensors under {@code towerPrefix}, e.g. {@code vision_tower.vision_model.}) and
     * projector (under {@code projectorPrefix}, e.g. {@code multi_modal_projector.}) of {@code tower},
     * by Hugging Face names, beside {@code text}: any source that serves those names (a checkpoint, a
     * GGUF mmproj file) plugs in here. Matrices go through {@code text}'s kernels.
     */
    static Gemma3VisionModel of(NamedWeights tower, String towerPrefix, String projectorPrefix, Model text,
                                SiglipVisionConfig config, ImageProcessor processor) throws FormatException {
        int vocab = text.transformer().vocabularySize();
        checkToken("boi_token_index", config.boiTokenId(), vocab);
        checkToken("eoi_token_index", config.eoiTokenId(), vocab);
        checkToken("image_token_index", config.imageTokenId(), vocab);
        SiglipVisionEncoder encoder = SiglipVisionEncoder.load(tower, towerPrefix, config, text.kernels());
        Gemma3Projector projector = Gemma3Projector.load(tower, projectorPrefix, config,
                text.transformer().embeddingLength(), text.kernels());
        return new Gemma3VisionModel(text, encoder, projector, processor);
    }

    private static void checkToken(String key, int id, int vocab) throws FormatException {
        if (id >= vocab) {
            throw new FormatException(key + " " + id + " is outside the text model's vocabulary of " + vocab);
        }
    }


    @Override
    public Model text() {
        return text;
    }

    public SiglipVisionConfig config() {
        return encoder.config();
    }

    public SiglipVisionEncoder encoder() {
        return encoder;
    }

    public Gemma3Projector projector() {
        return projector;
    }

    /** One image's rows in the text model's input: {@link SiglipVisionConfig#mmTokensPerImage()} × hidden size, unscaled. */
    public float[] imageEmbeddings(PixelValues image) {
        return projector.project(encoder.encode(image));
    }

    @Override
    public String imagePlaceholder() {
        return START_OF_IMAGE;
    }

    @Override
    public int placeholderToken() {
        return config().boiTokenId();
    }

    @Override
    public ImageProcessor processor() {
        return processor;
    }

    @Override
    public int imageTokens() {
        return config().mmTokensPerImage();
    }

    /**
     * Gemma3Processor's text: each {@code <start_of_image>} becomes
     * {@code \n\n<start_of_image>} + the image's soft tokens + {@code <end_of_image>\n\n}, here with one
     * soft token standing for all of them ({@link #layout} widens it).
     */
    @Override
    public String expandPrompt(String prompt) {
        return prompt.replace(START_OF_IMAGE, "\n\n" + START_OF_IMAGE + IMAGE_SOFT_TOKEN + END_OF_IMAGE + "\n\n");
    }

    /** Each {@code <image_soft_token>} becomes the image's {@link SiglipVisionConfig#mmTokensPerImage()} rows. */
    @Override
    public int[] layout(int[] tokens) {
        return ImageRows.replacing(tokens, config().imageTokenId(), imageTokens());
    }

    @Override
    public float[] prefill(int[] layout, List<PixelValues> images, int from) {
        // an image's rows see each other, as transformers' token-type mask and llama.cpp's mtmd have it
        return ImageRows.prefill(text.transformer(), layout, from, imageTokens(), images, this::imageEmbeddings, true);
    }


    @Override
    public void close() {
        text.close();
    }
}
