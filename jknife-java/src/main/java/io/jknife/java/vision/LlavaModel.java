package io.jknife.java.vision;

import io.jknife.formats.FormatException;
import io.jknife.java.model.Model;
import io.jknife.java.model.Transformer;
import io.jknife.java.weights.Kernels;
import io.jknife.java.weights.SafetensorsModel;
import io.jknife.vision.PixelValues;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A LLaVA-family model: the CLIP tower and projector beside the Llama-family text {@link Model}, all
 * from one Hugging Face checkpoint. A prompt holds one {@code <image>} token per image; each becomes
 * {@link ClipVisionConfig#imageTokens()} rows of projected image features in the text model's input.
 * {@link #close()} closes the text model, which owns the mapped weights and the kernels. Not
 * thread-safe: one prefill at a time.
 */
public final class LlavaModel implements AutoCloseable {
    /** Where transformers' LLaVA keeps the tower and projector: older saves, then 4.52's {@code model.} prefix. */
    private static final List<String> TOWER_PREFIXES = List.of("vision_tower.vision_model.", "model.vision_tower.vision_model.");
    private static final List<String> PROJECTOR_PREFIXES = List.of("multi_modal_projector.", "model.multi_modal_projector.");

    private final Model text;
    private final ClipVisionEncoder encoder;
    private final LlavaProjector projector;

    private LlavaModel(Model text, ClipVisionEncoder encoder, LlavaProjector projector) {
        this.text = text;
        this.encoder = encoder;
        this.projector = projector;
    }

    /**
     * Maps the checkpoint in {@code dir} and prepares a context of {@code contextSize} tokens (0: the
     * model's own). Takes ownership of {@code kernels}: closed with the model, or on failure.
     */
    public static LlavaModel load(Path dir, Kernels kernels, int contextSize, int maxBatch) throws IOException {
        ClipVisionConfig config;
        SafetensorsModel weights;
        try {
            config = ClipVisionConfig.read(dir);
            weights = SafetensorsModel.open(dir);
        } catch (IOException | RuntimeException e) {
            kernels.close();
            throw e;
        }
        Model text = Model.load(weights, kernels, contextSize, maxBatch);
        try {
            return of(weights, text, config);
        } catch (IOException | RuntimeException e) {
            text.close();
            throw e;
        }
    }

    /** The tower and projector of {@code weights} (which {@code text} was loaded from and owns) beside {@code text}. */
    public static LlavaModel of(SafetensorsModel weights, Model text, ClipVisionConfig config) throws FormatException {
        String tower = prefix(weights, TOWER_PREFIXES, "embeddings.class_embedding", "CLIP vision tower");
        String proj = prefix(weights, PROJECTOR_PREFIXES, "linear_1.weight", "multi_modal_projector");
        if (config.imageTokenId() < 0 || config.imageTokenId() >= text.transformer().vocabularySize()) {
            throw new FormatException("image_token_index " + config.imageTokenId() + " is outside the text model's vocabulary of "
                    + text.transformer().vocabularySize());
        }
        ClipVisionEncoder encoder = ClipVisionEncoder.load(weights, tower, config, text.kernels());
        LlavaProjector projector = LlavaProjector.load(weights, proj, config, text.transformer().embeddingLength(),
                text.kernels());
        return new LlavaModel(text, encoder, projector);
    }

    private static String prefix(SafetensorsModel w, List<String> candidates, String probe, String what)
            throws FormatException {
        for (String p : candidates) {
            Optional<SafetensorsModel.HfTensor> t = w.hfTensor(p + probe);
            if (t.isPresent()) {
                return p;
            }
        }
        throw new FormatException("no " + what + " in the checkpoint (looked for " + candidates.getFirst() + probe + ")");
    }

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

    /** The positions {@code tokens} take once each {@code <image>} token is expanded to the image's features. */
    public int promptLength(int[] tokens) {
        return tokens.length + imageCount(tokens) * (config().imageTokens() - 1);
    }

    /**
     * Runs the prompt {@code tokens} from position {@code pos} (the cache must hold {@code [0, pos)}),
     * the {@code i}-th {@code <image>} token replaced by {@code images.get(i)}'s features, and returns
     * the logits after the last position (the transformer's array, valid until its next call). The
     * prompt then ends at {@code pos + }{@link #promptLength}.
     */
    public float[] prefill(int[] tokens, List<PixelValues> images, int pos) {
        int count = imageCount(tokens);
        if (count != images.size()) {
            throw new IllegalArgumentException("the prompt has " + count + " image token" + (count == 1 ? "" : "s")
                    + " (id " + config().imageTokenId() + ") but " + images.size() + " image"
                    + (images.size() == 1 ? " was" : "s were") + " given");
        }
        if (tokens.length == 0) {
            throw new IllegalArgumentException("empty prompt");
        }
        Transformer t = text.transformer();
        int dim = t.embeddingLength();
        int n = promptLength(tokens);
        if (pos < 0 || (long) pos + n > t.contextSize()) {
            throw new IllegalArgumentException("a prompt of " + n + " positions (" + count + " image" + (count == 1 ? "" : "s")
                    + " of " + config().imageTokens() + ") at position " + pos + " does not fit a context of " + t.contextSize());
        }
        float[] rows = new float[n * dim];
        int row = 0;
        int image = 0;
        for (int token : tokens) {
            if (token == config().imageTokenId()) {
                float[] features = imageEmbeddings(images.get(image++));
                System.arraycopy(features, 0, rows, row * dim, features.length);
                row += config().imageTokens();
            } else {
                t.embed(token, rows, row * dim);
                row++;
            }
        }
        return t.forwardEmbeddings(rows, n, pos);
    }

    private int imageCount(int[] tokens) {
        int id = config().imageTokenId();
        int n = 0;
        for (int token : tokens) {
            if (token == id) {
                n++;
            }
        }
        return n;
    }

    @Override
    public void close() {
        text.close();
    }
}
