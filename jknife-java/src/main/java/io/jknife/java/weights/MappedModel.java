package io.jknife.java.weights;

import io.jknife.formats.FormatException;
import io.jknife.formats.GgmlType;
import io.jknife.formats.gguf.GgufFile;
import io.jknife.formats.gguf.GgufReader;
import io.jknife.formats.gguf.GgufTensorInfo;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * The tensors of a GGUF model (all parts of a split one), memory-mapped read-only: nothing is
 * copied to the heap but small 1-D tensors (norms, biases) read as floats. {@link #close()}
 * unmaps everything.
 */
public final class MappedModel implements WeightSource {

    /** One tensor: its info and its bytes in the mapping. */
    public record Tensor(GgufTensorInfo info, MemorySegment data) {
        public GgmlType type() {
            return info.type();
        }

        public long dim(int i) {
            return info.rank() > i ? info.dim(i) : 1;
        }
    }

    private final GgufFile metadata;
    private final Arena arena;
    private final Map<String, Tensor> tensors = new HashMap<>();

    private MappedModel(GgufFile metadata, Arena arena) {
        this.metadata = metadata;
        this.arena = arena;
    }

    /** Maps {@code parts} (the first carries the metadata); each is validated by {@link GgufReader}. */
    public static MappedModel open(List<Path> parts) throws IOException {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("no GGUF file given");
        }
        Arena arena = Arena.ofShared();
        try {
            MappedModel m = null;
            for (Path p : parts) {
                GgufFile f = GgufReader.read(p);
                if (m == null) {
                    m = new MappedModel(f, arena);
                }
                MemorySegment all;
                try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
                    all = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
                }
                for (GgufTensorInfo t : f.tensors()) {
                    if (t.absoluteOffset() + t.byteSize() > all.byteSize()) {
                        throw new FormatException(p.getFileName() + ": tensor " + t.name() + " runs past the end of the file");
                    }
                    if (m.tensors.put(t.name(), new Tensor(t, all.asSlice(t.absoluteOffset(), t.byteSize()))) != null) {
                        throw new FormatException("tensor " + t.name() + " appears twice");
                    }
                }
            }
            return m;
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** The metadata (of the first part). */
    @Override
    public GgufFile metadata() {
        return metadata;
    }

    @Override
    public boolean halfSplitRotary() {
        return false; // llama.cpp's converter stores every family the way its rope kernels expect
    }

    @Override
    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    public Optional<Tensor> find(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    @Override
    public StoredMatrix matrix(String name, int rows, int cols) throws FormatException {
        Tensor t = get(name);
        if (t.info().rank() != 2 || t.dim(0) != cols || (rows >= 0 && t.dim(1) != rows)) {
            throw new FormatException("tensor " + name + " has shape " + java.util.Arrays.toString(t.info().dims())
                    + ", expected [" + cols + ", " + (rows >= 0 ? rows : "vocab") + "]");
        }
        return StoredMatrix.Ggml.of(name, t.type(), t.info().dims(), t.data());
    }

    public Tensor get(String name) throws FormatException {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new FormatException("missing tensor " + name);
        }
        return t;
    }

    @Override
    public float[] floats(String name, int n) throws FormatException {
        Tensor t = get(name);
        if (t.info().elementCount() != n) {
            throw new FormatException("tensor " + name + " has " + t.info().elementCount() + " values, expected " + n);
        }
        return floats(t);
    }

    static float[] floats(Tensor t) throws FormatException {
        return decode(t.info().name(), t.type(), t.data(), Math.toIntExact(t.info().elementCount()));
    }

    /** {@code n} F32, F16 or BF16 values of {@code d} as floats. */
    static float[] decode(String name, GgmlType type, MemorySegment d, int n) throws FormatException {
        float[] out = new float[n];
        switch (type) {
            case F32 -> MemorySegment.copy(d, JAVA_FLOAT_UNALIGNED, 0, out, 0, n);
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Float.float16ToFloat(d.getAtIndex(JAVA_SHORT_UNALIGNED, i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Float.intBitsToFloat(d.getAtIndex(JAVA_SHORT_UNALIGNED, i) << 16);
                }
            }
            default -> throw new FormatException("tensor " + name + " is " + type
                    + "; a 1-D tensor must be F32, F16 or BF16");
        }
        return out;
    }

    @Override
    public void close() {
        arena.close();
    }
}
