package io.jknife.java.vision;

import io.jknife.formats.FormatException;
import io.jknife.formats.gguf.GgufArray;
import io.jknife.formats.gguf.GgufFile;
import io.jknife.java.weights.Kernels;
import io.jknife.java.weights.MappedModel;
import io.jknife.java.weights.SafetensorsModel;
import io.jknife.java.weights.StoredMatrix;
import io.jknife.vision.ImageProcessorConfig;
import io.jknife.vision.ResampleFilter;
import io.jknife.vision.ResizeMode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A clip.cpp projector file ({@code mmproj*.gguf}) mapped read-only: its vision hyper-parameters
 * ({@code clip.vision.*}), checked on opening, and its tensors served by Hugging Face names
 * ({@link #weights}) so the towers and projectors load from it as from a checkpoint.
 * {@link #close()} unmaps it.
 */
public final class MmprojFile implements AutoCloseable {
    /** Projector types whose older files may name the MLP's matrices the other way round (clip.cpp's list). */
    private static final List<String> LEGACY_FFN_NAMING = List.of("mlp", "gemma3");
    private static final int MAX_DIM = 1 << 20;
    private static final int MAX_LAYERS = 4096;

    private final Path path;
    private final MappedModel mapped;
    private final GgufFile meta;
    private final String projectorType;
    private final int hiddenSize;
    private final int intermediateSize;
    private final int layers;
    private final int heads;
    private final int imageSize;
    private final int patchSize;
    private final double layerNormEps;
    private final float[] mean;
    private final float[] std;

    private MmprojFile(Path path, MappedModel mapped) throws FormatException {
        this.path = path;
        this.mapped = mapped;
        this.meta = mapped.metadata();
        this.projectorType = meta.string("clip.projector_type").or(() -> meta.string("clip.vision.projector_type"))
                .orElseThrow(() -> error("has no clip.projector_type: not a clip.cpp projector file"));
        this.hiddenSize = positive("clip.vision.embedding_length", MAX_DIM);
        this.intermediateSize = positive("clip.vision.feed_forward_length", MAX_DIM);
        this.layers = count("clip.vision.block_count", MAX_LAYERS);
        this.heads = positive("clip.vision.attention.head_count", MAX_DIM);
        this.imageSize = positive("clip.vision.image_size", MAX_DIM);
        this.patchSize = positive("clip.vision.patch_size", MAX_DIM);
        // a float32 key: read as the decimal the converter wrote (1e-6, not 9.99999997e-7)
        this.layerNormEps = meta.value("clip.vision.attention.layer_norm_epsilon").map(v -> v instanceof Float f
                        ? Double.parseDouble(Float.toString(f)) : v instanceof Number n ? n.doubleValue() : Double.NaN)
                .orElseThrow(() -> error("has no clip.vision.attention.layer_norm_epsilon"));
        if (!(layerNormEps > 0) || layerNormEps >= 1) {
            throw error("clip.vision.attention.layer_norm_epsilon " + layerNormEps + " is not in (0, 1)");
        }
        if (hiddenSize % heads != 0) {
            throw error("clip.vision.embedding_length " + hiddenSize + " is not a multiple of head_count " + heads);
        }
        if (imageSize % patchSize != 0) {
            throw error("clip.vision.image_size " + imageSize + " is not a multiple of patch_size " + patchSize);
        }
        long grid = imageSize / patchSize;
        if (grid * grid > MAX_DIM) {
            throw error("clip.vision.image_size " + imageSize + " makes " + grid * grid + " patches of " + patchSize
                    + ", too many");
        }
        this.mean = triple("clip.vision.image_mean", false);
        this.std = triple("clip.vision.image_std", true);
    }

    /** Maps {@code path} and checks its header, tensor table (within the file) and vision keys. */
    public static MmprojFile open(Path path) throws IOException {
        MappedModel mapped;
        try {
            mapped = MappedModel.open(List.of(path));
        } catch (FormatException e) {
            String name = path.getFileName().toString();
            throw e.getMessage() != null && e.getMessage().contains(name) ? e
                    : new FormatException(name + ": " + e.getMessage(), e);
        }
        try {
            return new MmprojFile(path, mapped);
        } catch (RuntimeException | FormatException e) {
            mapped.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    public GgufFile metadata() {
        return meta;
    }

    /** {@code clip.projector_type}: {@code mlp} (LLaVA), {@code gemma3}, … */
    public String projectorType() {
        return projectorType;
    }

    /** Whether the file holds a vision encoder ({@code clip.has_vision_encoder}, true when unsaid). */
    public boolean hasVisionEncoder() {
        return meta.bool("clip.has_vision_encoder").orElse(true);
    }

    public int hiddenSize() {
        return hiddenSize;
    }

    public int intermediateSize() {
        return intermediateSize;
    }

    /** {@code clip.vision.block_count}: the encoder layers the file holds (0 is possible for LLaVA). */
    public int layers() {
        return layers;
    }

    public int heads() {
        return heads;
    }

    public int imageSize() {
        return imageSize;
    }

    public int patchSize() {
        return patchSize;
    }

    public double layerNormEps() {
        return layerNormEps;
    }

    /** The tower's MLP activation as clip.cpp picks it: {@code clip.use_gelu}, else quick GELU; SiLU refused. */
    Activation activation(Activation gelu) throws FormatException {
        boolean g = meta.bool("clip.use_gelu").orElse(false);
        if (meta.bool("clip.use_silu").orElse(false)) {
            throw error("uses clip.use_silu, which the Java engine's vision towers do not run");
        }
        return g ? gelu : Activation.QUICK_GELU;
    }

    /** {@code clip.vision.feature_layer}: hidden-state indexes from 0 (embeddings), checked against the layers held; empty when unsaid. */
    List<Integer> featureLayers() throws FormatException {
        Optional<GgufArray> a = meta.array("clip.vision.feature_layer");
        if (a.isEmpty()) {
            return List.of();
        }
        List<Integer> out = new ArrayList<>();
        for (Object v : values(a.get(), "clip.vision.feature_layer")) {
            if (!(v instanceof Integer || v instanceof Long) || ((Number) v).longValue() < 0
                    || ((Number) v).longValue() > layers) {
                throw error("clip.vision.feature_layer " + v + " is outside the " + layers + " layers the file holds");
            }
            out.add(((Number) v).intValue());
        }
        if (out.isEmpty()) {
            throw error("clip.vision.feature_layer is an empty list");
        }
        return out;
    }

    /** {@code clip.vision.projector.scale_factor}, or {@code def} when unsaid. */
    int scaleFactor(int def) throws FormatException {
        OptionalLong v = meta.integer("clip.vision.projector.scale_factor");
        if (v.isEmpty()) {
            return def;
        }
        if (v.getAsLong() <= 0 || v.getAsLong() > MAX_DIM) {
            throw error("clip.vision.projector.scale_factor " + v.getAsLong() + " is out of range");
        }
        return (int) v.getAsLong();
    }

    /**
     * How images are prepared for this projector, from the file's image size and mean/std: LLaVA as
     * its CLIP processor does (shortest edge, bicubic, center crop), Gemma 3 as its SigLIP one (exact
     * size, bilinear); both rescale by 1/255.
     */
    public ImageProcessorConfig processorConfig() {
        boolean clip = projectorType.equals("mlp");
        return new ImageProcessorConfig(clip ? "CLIPImageProcessor" : "Gemma3ImageProcessor", true,
                clip ? ResizeMode.SHORTEST_EDGE : ResizeMode.EXACT, clip ? 0 : imageSize, clip ? 0 : imageSize,
                clip ? imageSize : 0, clip ? ResampleFilter.BICUBIC : ResampleFilter.BILINEAR, clip, clip ? imageSize : 0,
                clip ? imageSize : 0, true, 1 / 255.0, true, mean, std, patchSize, false, 0);
    }

    /** Whether the file has the clip.cpp tensor {@code name}. */
    boolean hasTensor(String name) {
        return mapped.has(name);
    }

    /** The tensors by Hugging Face names under {@link ClipTensorNames#TOWER} and {@link ClipTensorNames#PROJECTOR}. */
    NamedWeights weights(Kernels kernels) throws FormatException {
        // every layer block_count announces, as clip.cpp requires, even those the features do not need
        for (int l = 0; l < layers; l++) {
            for (String t : List.of("attn_out", "ffn_up", "ffn_down")) {
                String name = "v.blk." + l + "." + t + ".weight";
                if (!mapped.has(name)) {
                    throw error("missing tensor " + name + " (clip.vision.block_count is " + layers + ")");
                }
            }
        }
        boolean[] swapped = new boolean[layers];
        if (LEGACY_FFN_NAMING.contains(projectorType)) {
            for (int l = 0; l < layers; l++) {
                Optional<MappedModel.Tensor> down = mapped.find("v.blk." + l + ".ffn_down.weight");
                swapped[l] = down.isPresent() && mapped.has("v.blk." + l + ".ffn_up.weight")
                        && down.get().dim(0) == hiddenSize;
            }
        }
        return NamedWeights.of(new Source(swapped), kernels);
    }

    /** Serves Hugging Face names from the mapped file; shapes are GGUF's dimensions reversed (PyTorch's order). */
    private final class Source implements NamedWeights.Source {
        private final boolean[] swapped;

        Source(boolean[] swapped) {
            this.swapped = swapped;
        }

        private Optional<MappedModel.Tensor> find(String hf) {
            return ClipTensorNames.clipName(hf, l -> l < swapped.length && swapped[l]).flatMap(mapped::find);
        }

        @Override
        public boolean has(String name) {
            return find(name).isPresent();
        }

        @Override
        public Optional<StoredMatrix> matrix(String name, int rows, int cols) throws FormatException {
            Optional<MappedModel.Tensor> found = find(name);
            if (found.isEmpty()) {
                return Optional.empty();
            }
            MappedModel.Tensor t = found.get();
            long[] dims = t.info().dims();
            if (dims.length != 2 || (cols >= 0 && dims[0] != cols) || (rows >= 0 && dims[1] != rows)) {
                throw error("tensor " + t.info().name() + " has dims " + Arrays.toString(dims) + ", expected ["
                        + (cols >= 0 ? cols : "any") + ", " + (rows >= 0 ? rows : "any") + "]");
            }
            return Optional.of(StoredMatrix.Ggml.of(t.info().name(), t.type(), dims, t.data()));
        }

        @Override
        public Optional<SafetensorsModel.HfTensor> tensor(String name) throws FormatException {
            Optional<MappedModel.Tensor> found = find(name);
            if (found.isEmpty()) {
                return Optional.empty();
            }
            MappedModel.Tensor t = found.get();
            String clip = t.info().name();
            long n = t.info().elementCount();
            if (n > Integer.MAX_VALUE - 16) {
                throw error("tensor " + clip + " is too large to read as floats");
            }
            float[] v;
            try {
                v = mapped.floats(clip, (int) n);
            } catch (FormatException e) {
                throw error(e.getMessage());
            }
            if (clip.equals("mm.soft_emb_norm.weight")) {
                // the converter stores Gemma's 1 + w; the Hugging Face parameter is w
                for (int i = 0; i < v.length; i++) {
                    v[i] -= 1f;
                }
            }
            long[] dims = t.info().dims();
            long[] shape = new long[dims.length];
            for (int i = 0; i < dims.length; i++) {
                shape[i] = dims[dims.length - 1 - i];
            }
            return Optional.of(new SafetensorsModel.HfTensor(clip, shape, v));
        }

        @Override
        public String describe(String name) {
            return ClipTensorNames.clipName(name, l -> l < swapped.length && swapped[l])
                    .map(c -> c + " in " + path.getFileName()).orElse(name);
        }
    }

    private int positive(String key, int max) throws FormatException {
        int v = count(key, max);
        if (v == 0) {
            throw error(key + " is 0");
        }
        return v;
    }

    private int count(String key, int max) throws FormatException {
        OptionalLong v = meta.integer(key);
        if (v.isEmpty()) {
            throw error(meta.value(key).isPresent() ? key + " is not an integer" : "has no " + key);
        }
        if (v.getAsLong() < 0 || v.getAsLong() > max) {
            throw error(key + " " + v.getAsLong() + " is out of range [0, " + max + "]");
        }
        return (int) v.getAsLong();
    }

    /** Three finite floats (R, G, B); positive ones for a standard deviation. */
    private float[] triple(String key, boolean positive) throws FormatException {
        GgufArray a = meta.array(key).orElseThrow(() -> error("has no " + key));
        List<Object> values = values(a, key);
        if (values.size() != 3) {
            throw error(key + " has " + values.size() + " values, expected 3 (R, G, B)");
        }
        float[] out = new float[3];
        for (int i = 0; i < 3; i++) {
            if (!(values.get(i) instanceof Number n) || !Double.isFinite(n.doubleValue())
                    || (positive && !(n.doubleValue() > 0))) {
                throw error(key + " " + values + " is not three " + (positive ? "positive " : "") + "numbers");
            }
            out[i] = n.floatValue();
        }
        return out;
    }

    private List<Object> values(GgufArray a, String key) throws FormatException {
        if (!a.isLoaded() || a.length() > 4096) {
            throw error(key + " is an array of " + a.length() + " values");
        }
        return a.values();
    }

    private FormatException error(String reason) {
        return new FormatException(path.getFileName() + ": " + reason);
    }

    @Override
    public void close() {
        mapped.close();
    }
}
