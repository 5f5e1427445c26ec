package io.jknife.java.weights;

import io.jknife.formats.FormatException;
import io.jknife.formats.GgmlType;
import io.jknife.formats.gguf.GgufFile;
import io.jknife.formats.safetensors.SafetensorsDType;
import io.jknife.formats.safetensors.SafetensorsHeader;
import io.jknife.formats.safetensors.SafetensorsIndex;
import io.jknife.formats.safetensors.SafetensorsReader;
import io.jknife.formats.safetensors.SafetensorsTensor;
import io.jknife.java.model.Family;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A Hugging Face checkpoint (one safetensors file or shards with an index), memory-mapped
 * read-only and seen under llama.cpp's names: plain F32/F16/BF16 weights, or MLX affine-quantized
 * ones ({@code .weight} packed uint32, {@code .scales}, {@code .biases}; bits and group size from
 * {@code config.json}'s {@code quantization} block, per-module overrides included). What llama.cpp's
 * converter changes on the way to GGUF is done here on the fly: Gemma's norm weights become
 * {@code 1 + w}, and the rotary pairing stays Hugging Face's ({@link #halfSplitRotary()}) instead
 * of permuting rows. Nothing but norms and biases is copied to the heap.
 */
public final class SafetensorsModel implements WeightSource {
    private static final String INDEX = "model.safetensors.index.json";

    /** One tensor of a file: its header entry and its bytes in the mapping. */
    private record Stored(SafetensorsTensor info, MemorySegment data) {
    }

    private final HfConfig config;
    private final GgufFile metadata;
    private final Arena arena;
    private final Map<String, Stored> tensors = new HashMap<>();
    /** GGUF module name ({@code blk.0.attn_q}) to the Hugging Face module path ({@code model.layers.0.self_attn.q_proj}). */
    private final Map<String, String> modules = new HashMap<>();

    private SafetensorsModel(HfConfig config, GgufFile metadata, Arena arena) {
        this.config = config;
        this.metadata = metadata;
        this.arena = arena;
    }

    /** Maps the checkpoint in {@code dir}; every file is validated by {@link SafetensorsReader} first. */
    public static SafetensorsModel open(Path dir) throws IOException {
        HfConfig config = HfConfig.read(dir);
        GgufFile metadata = config.gguf();
        Arena arena = Arena.ofShared();
        try {
            SafetensorsModel m = new SafetensorsModel(config, metadata, arena);
            for (Path file : files(dir)) {
                m.map(file);
            }
            m.nameModules();
            return m;
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** The shards the index names, else every {@code .safetensors} file of the directory. */
    static List<Path> files(Path dir) throws IOException {
        Path index = dir.resolve(INDEX);
        List<Path> files = new ArrayList<>();
        if (Files.isRegularFile(index)) {
            for (String shard : SafetensorsIndex.read(index).shardFiles()) {
                Path p = dir.resolve(shard).normalize();
                if (!p.startsWith(dir.normalize()) || !Files.isRegularFile(p)) {
                    throw new FormatException(INDEX + " names shard " + shard + ", which is missing");
                }
                files.add(p);
            }
        } else {
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().forEach(files::add);
            }
        }
        if (files.isEmpty()) {
            throw new FormatException("no .safetensors weights in " + dir);
        }
        return files;
    }

    private void map(Path file) throws IOException {
        SafetensorsHeader header = SafetensorsReader.read(file);
        MemorySegment all;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            all = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        }
        for (SafetensorsTensor t : header.tensors().values()) {
            long start = t.begin(); // absolute
            if (start + t.byteSize() > all.byteSize()) {
                throw new FormatException(file.getFileName() + ": tensor " + t.name() + " runs past the end of the file");
            }
            if (tensors.put(t.name(), new Stored(t, all.asSlice(start, t.byteSize()))) != null) {
                throw new FormatException("tensor " + t.name() + " appears in two files");
            }
        }
    }

    /** Finds the text model's prefix by its token embeddings and names every module it has. */
    private void nameModules() throws FormatException {
        String embed = tensors.keySet().stream()
                .filter(n -> n.endsWith("embed_tokens.weight") && !n.contains("vision"))
                .min((a, b) -> Integer.compare(a.length(), b.length()))
                .orElseThrow(() -> new FormatException("no token embeddings (embed_tokens.weight) among the tensors"));
        String prefix = embed.substring(0, embed.length() - "embed_tokens.weight".length());
        HfTensorNames names = new HfTensorNames(config.family());
        for (String n : tensors.keySet()) {
            String module = module(n);
            if (module.startsWith(prefix)) {
                names.gguf(module.substring(prefix.length())).ifPresent(g -> modules.put(g, module));
            } else if (module.endsWith("lm_head") && !module.contains("vision")) {
                modules.put("output", module);
            }
        }
    }

    /** A tensor name without its last part ({@code .weight}, {@code .bias}, {@code .scales}, {@code .biases}). */
    private static String module(String name) {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? name : name.substring(0, dot);
    }

    @Override
    public GgufFile metadata() {
        return metadata;
    }

    @Override
    public boolean halfSplitRotary() {
        return true;
    }

    @Override
    public Optional<Float> queryScale() {
        return config.queryScale();
    }

    /** The config this model was read with. */
    public HfConfig config() {
        return config;
    }

    @Override
    public boolean has(String name) {
        if (ropeFactors(name).isPresent()) {
            return true;
        }
        return hfName(name).map(tensors::containsKey).orElse(false);
    }

    /** The Hugging Face tensor name of a GGUF one, if the text model has that module. */
    private Optional<String> hfName(String gguf) {
        String hf = modules.get(module(gguf));
        return hf == null ? Optional.empty() : Optional.of(hf + gguf.substring(module(gguf).length()));
    }

    private Stored stored(String gguf) throws FormatException {
        Optional<String> hf = hfName(gguf);
        Stored s = hf.map(tensors::get).orElse(null);
        if (s == null) {
            throw new FormatException("missing tensor " + hf.orElse(gguf) + " (" + gguf + ")");
        }
        return s;
    }

    @Override
    public StoredMatrix matrix(String name, int rows, int cols) throws FormatException {
        return matrixOf(hfName(name).orElseThrow(), stored(name), rows, cols);
    }

    /**
     * The matrix stored as {@code hf}: MLX-quantized when its module has scales, else F32/F16/BF16;
     * checked to be {@code rows × cols} (a negative count: any).
     */
    private StoredMatrix matrixOf(String hf, Stored w, int rows, int cols) throws FormatException {
        String module = module(hf);
        Stored scales = tensors.get(module + ".scales");
        if (scales != null && hf.endsWith(".weight")) {
            return mlx(module, w, scales, tensors.get(module + ".biases"), rows, cols);
        }
        long[] shape = w.info().shape();
        if (shape.length != 2 || (cols >= 0 && shape[1] != cols) || (rows >= 0 && shape[0] != rows)) {
            throw new FormatException("tensor " + hf + " has shape " + Arrays.toString(shape) + ", expected ["
                    + count(rows) + ", " + count(cols) + "]");
        }
        return new StoredMatrix.Ggml(hf, floatType(hf, w.info().dtype()), (int) shape[0], (int) shape[1], w.data());
    }

    /**
     * An MLX-quantized tensor as floats: mlx-vlm quantizes a vision tower's embeddings too (the
     * position table is an {@code nn.Embedding}), which the towers read as plain vectors.
     */
    private HfTensor dequantized(String name, Stored packed, Stored scales) throws FormatException {
        long[] ss = scales.info().shape();
        int group = config.quantization(module(name))[1];
        if (ss.length != 2 || ss[1] * group > Integer.MAX_VALUE || ss[0] * ss[1] * group > Integer.MAX_VALUE - 16) {
            throw new FormatException("tensor " + name + " is too large to read as floats");
        }
        StoredMatrix.Mlx m = (StoredMatrix.Mlx) matrixOf(name, packed, -1, (int) (ss[1] * group));
        float[] values = new float[m.rows() * m.cols()];
        FallbackKernels.MlxRows rows = new FallbackKernels.MlxRows(m);
        for (int r = 0; r < m.rows(); r++) {
            rows.row(r, values, r * m.cols());
        }
        return new HfTensor(name, new long[]{m.rows(), m.cols()}, values);
    }

    private static String count(int n) {
        return n >= 0 ? String.valueOf(n) : "any";
    }

    private StoredMatrix mlx(String module, Stored packed, Stored scales, Stored biases, int rows, int cols)
            throws FormatException {
        if (biases == null) {
            throw new FormatException(module + " has scales but no biases");
        }
        int[] q = config.quantization(module);
        int bits = q[0];
        int group = q[1];
        long[] ps = packed.info().shape();
        long[] ss = scales.info().shape();
        if (packed.info().dtype() != SafetensorsDType.U32 || ps.length != 2 || ss.length != 2
                || !Arrays.equals(ss, biases.info().shape()) || scales.info().dtype() != biases.info().dtype()) {
            throw new FormatException(module + " is not MLX-quantized as expected (uint32 weight, scales and biases"
                    + " of one shape and dtype)");
        }
        if (ps[1] * 32 != (long) cols * bits || ss[1] * group != cols || ps[0] != ss[0] || (rows >= 0 && ps[0] != rows)) {
            throw new FormatException(module + ": weight " + Arrays.toString(ps) + " and scales " + Arrays.toString(ss)
                    + " do not hold " + count(rows) + " x " + cols + " values at " + bits
                    + " bits in groups of " + group);
        }
        return new StoredMatrix.Mlx(module, (int) ps[0], cols, bits, group, packed.data(), scales.data(), biases.data(),
                floatType(module + ".scales", scales.info().dtype()));
    }

    private static GgmlType floatType(String name, SafetensorsDType t) throws FormatException {
        return switch (t) {
            case F32 -> GgmlType.F32;
            case F16 -> GgmlType.F16;
            case BF16 -> GgmlType.BF16;
            default -> throw new FormatException("tensor " + name + " is " + t
                    + ", which the Java engine does not run (F32, F16, BF16, MLX-quantized)");
        };
    }

    /**
     * A tensor of any other part of the checkpoint by its own name (a vision tower's
     * {@code vision_tower.vision_model.encoder.layers.0.mlp.fc1.weight}): a matrix (F32/F16/BF16, or
     * MLX-quantized when the module has scales), checked to be {@code rows × cols} when those are not negative.
     */
    public Optional<StoredMatrix> hfMatrix(String name, int rows, int cols) throws FormatException {
        Stored w = tensors.get(name);
        return w == null ? Optional.empty() : Optional.of(matrixOf(name, w, rows, cols));
    }

    /** Any tensor of the checkpoint by its own name as floats (vectors, convolution kernels, position tables), with its shape. */
    public Optional<HfTensor> hfTensor(String name) throws FormatException {
        Stored s = tensors.get(name);
        if (s == null) {
            return Optional.empty();
        }
        Stored scales = tensors.get(module(name) + ".scales");
        if (scales != null && name.endsWith(".weight") && s.info().dtype() == SafetensorsDType.U32) {
            return Optional.of(dequantized(name, s, scales));
        }
        long n = s.info().elementCount();
        if (n > Integer.MAX_VALUE - 16) {
            throw new FormatException("tensor " + name + " is too large to read as floats");
        }
        return Optional.of(new HfTensor(name, s.info().shape(),
                MappedModel.decode(name, floatType(name, s.info().dtype()), s.data(), (int) n)));
    }

    /** A tensor read as floats: its name, shape (row-major, as stored) and values. */
    public record HfTensor(String name, long[] shape, float[] values) {
    }

    @Override
    public float[] floats(String name, int n) throws FormatException {
        Optional<float[]> factors = ropeFactors(name);
        if (factors.isPresent()) {
            if (factors.get().length != n) {
                throw new FormatException("rope scaling has " + factors.get().length + " factors, expected " + n);
            }
            return factors.get();
        }
        Stored s = stored(name);
        if (s.info().elementCount() != n) {
            throw new FormatException("tensor " + s.info().name() + " has " + s.info().elementCount() + " values, expected " + n);
        }
        float[] v = MappedModel.decode(s.info().name(), floatType(s.info().name(), s.info().dtype()), s.data(), n);
        if ((config.family() == Family.GEMMA2 || config.family() == Family.GEMMA3) && name.endsWith("norm.weight")) {
            // Gemma's RMSNorm multiplies by (1 + w); GGUF stores 1 + w
            for (int i = 0; i < n; i++) {
                v[i] += 1f;
            }
        }
        return v;
    }

    /** Phi-3's long-rope factors, which GGUF keeps as tensors and Hugging Face in config.json. */
    private Optional<float[]> ropeFactors(String name) {
        return switch (name) {
            case "rope_factors_short.weight" -> config.ropeFactors("short_factor");
            case "rope_factors_long.weight" -> config.ropeFactors("long_factor");
            default -> Optional.empty();
        };
    }

    @Override
    public void close() {
        arena.close();
    }
}
