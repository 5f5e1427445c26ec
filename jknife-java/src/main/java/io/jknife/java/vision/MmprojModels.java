package io.jknife.java.vision;

import io.jknife.formats.FormatException;
import io.jknife.formats.gguf.GgufArray;
import io.jknife.formats.gguf.GgufFile;
import io.jknife.formats.gguf.GgufReader;
import io.jknife.formats.gguf.GgufValueType;
import io.jknife.java.model.Model;
import io.jknife.vision.ImageProcessor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The vision model of a GGUF text model and its mmproj file: LLaVA ({@code clip.projector_type mlp})
 * and Gemma 3 ({@code gemma3}). Image token ids come from the text model's own vocabulary
 * ({@code tokenizer.ggml.tokens}), never from the projector file.
 */
final class MmprojModels {
    /** clip.cpp's default for Gemma 3: the patch grid pooled 4× per side. */
    private static final int GEMMA3_DEFAULT_POOL = 4;

    private MmprojModels() {
    }

    /** See {@link VisionModels#forMmproj}. */
    static Optional<VisionLanguageModel> load(Path mmproj, Path textGguf, Model text) throws IOException {
        MmprojFile f = MmprojFile.open(mmproj);
        try {
            if (!f.hasVisionEncoder()) {
                f.close();
                return Optional.empty();
            }
            String name = mmproj.getFileName().toString();
            ImageProcessor processor = new ImageProcessor(f.processorConfig());
            VisionLanguageModel m = switch (f.projectorType()) {
                case "mlp" -> LlavaModel.of(f.weights(text.kernels()), ClipTensorNames.TOWER, ClipTensorNames.PROJECTOR,
                        text, ClipVisionConfig.of(f, tokenId(textGguf, "<image>")), processor);
                case "gemma3" -> Gemma3VisionModel.of(f.weights(text.kernels()), ClipTensorNames.TOWER,
                        ClipTensorNames.PROJECTOR, text, siglip(f, textGguf), processor);
                default -> throw new FormatException(name + ": projector type '" + f.projectorType()
                        + "' is not supported by the Java engine (mlp, gemma3)");
            };
            return Optional.of(new MmprojVisionModel(m, f));
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /** The SigLIP tower and Gemma 3 projector settings of {@code f}; image tokens from the text model's vocabulary. */
    private static SiglipVisionConfig siglip(MmprojFile f, Path textGguf) throws IOException {
        String name = f.path().getFileName().toString();
        if (f.layers() == 0) {
            throw new FormatException(name + ": clip.vision.block_count is 0");
        }
        int grid = f.imageSize() / f.patchSize();
        int pool = f.scaleFactor(GEMMA3_DEFAULT_POOL);
        if (grid % pool != 0) {
            throw new FormatException(name + ": clip.vision.projector.scale_factor " + pool + " does not divide the "
                    + grid + "x" + grid + " patch grid");
        }
        int side = grid / pool;
        List<String> tokens = tokens(textGguf);
        try {
            return new SiglipVisionConfig(f.hiddenSize(), f.intermediateSize(), f.layers(), f.heads(), f.imageSize(),
                    f.patchSize(), 3, f.layerNormEps(), f.activation(Activation.GELU_TANH), side * side,
                    tokenId(tokens, textGguf, Gemma3VisionModel.START_OF_IMAGE),
                    tokenId(tokens, textGguf, Gemma3VisionModel.END_OF_IMAGE),
                    tokenId(tokens, textGguf, Gemma3VisionModel.IMAGE_SOFT_TOKEN));
        } catch (IllegalArgumentException e) {
            throw new FormatException(name + ": " + e.getMessage(), e);
        }
    }

    private static int tokenId(Path textGguf, String token) throws IOException {
        return tokenId(tokens(textGguf), textGguf, token);
    }

    private static int tokenId(List<String> tokens, Path textGguf, String token) throws FormatException {
        int id = tokens.indexOf(token);
        if (id < 0) {
            throw new FormatException(textGguf.getFileName() + ": the vocabulary has no " + token
                    + " token, which the mmproj file's images need");
        }
        return id;
    }

    /** {@code tokenizer.ggml.tokens} of the text model (its first part for a split one). */
    static List<String> tokens(Path textGguf) throws IOException {
        GgufFile g = GgufReader.read(textGguf);
        GgufArray a = g.array("tokenizer.ggml.tokens")
                .orElseThrow(() -> new FormatException(textGguf.getFileName() + ": has no tokenizer.ggml.tokens"));
        if (a.elementType() != GgufValueType.STRING) {
            throw new FormatException(textGguf.getFileName() + ": tokenizer.ggml.tokens is not a list of strings");
        }
        return (a.isLoaded() ? a : GgufReader.readArray(textGguf, a)).strings();
    }
}
