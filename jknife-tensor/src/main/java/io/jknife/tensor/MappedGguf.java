package io.jknife.tensor;

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
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Maps a validated GGUF file (and all parts of a split GGUF) with the FFM API (Arena,
 * FileChannel.map): no copy on the Java heap, files over 2 GB fine; tensors by name as
 * WeightTensor (2-D) or raw MemorySegment (1-D norms etc. as float[] via a helper). close() unmaps.
 *
 * <p>Every part is read with {@link GgufReader#readSplit} first, which checks that each tensor's
 * data lies inside its file, so a truncated file fails here with a {@link FormatException} and
 * never later as a fault in a kernel. After {@link #close()} the segments and every
 * {@link WeightTensor} taken from this file are invalid (access throws IllegalStateException).
 */
public final class MappedGguf implements AutoCloseable {
    private final List<GgufFile> parts;
    private final Arena arena;
    private final Map<String, Located> tensors;

    private record Located(GgufTensorInfo info, MemorySegment segment) {
    }

    private MappedGguf(List<GgufFile> parts, Arena arena, Map<String, Located> tensors) {
        this.parts = parts;
        this.arena = arena;
        this.tensors = tensors;
    }

    /**
     * Reads and maps a GGUF model: a single file, or any part of a split one (all parts are mapped).
     *
     * @throws FormatException for a bad, truncated or incomplete file
     */
    public static MappedGguf open(Path firstPart) throws IOException {
        Objects.requireNonNull(firstPart, "path");
        List<GgufFile> parts = GgufReader.readSplit(firstPart);
        Arena arena = Arena.ofShared();
        try {
            Map<String, Located> tensors = new LinkedHashMap<>();
            for (GgufFile part : parts) {
                MemorySegment whole = map(part, arena);
                for (GgufTensorInfo t : part.tensors()) {
                    tensors.put(t.name(), new Located(t, whole.asSlice(t.absoluteOffset(), t.byteSize())));
                }
            }
            return new MappedGguf(List.copyOf(parts), arena, Collections.unmodifiableMap(tensors));
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static MemorySegment map(GgufFile part, Arena arena) throws IOException {
        try (FileChannel ch = FileChannel.open(part.path(), StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < part.fileSize()) {
                throw new FormatException("GGUF truncated: " + part.path().getFileName() + " shrank from "
                        + part.fileSize() + " to " + size + " bytes since it was read");
            }
            if (size == 0) {
                return MemorySegment.NULL;
            }
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, part.fileSize(), arena);
        }
    }

    /** The first part: the model's metadata (and that part's tensors). */
    public GgufFile file() {
        return parts.getFirst();
    }

    /** Every part in order (one for a file that is not split). */
    public List<GgufFile> parts() {
        return parts;
    }

    /** Tensor names over all parts, in file order. */
    public List<String> tensorNames() {
        return new ArrayList<>(tensors.keySet());
    }

    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    /** A tensor's entry. @throws IllegalArgumentException when there is none of that name */
    public GgufTensorInfo info(String name) {
        return located(name).info();
    }

    /** A tensor's raw bytes, as stored. */
    public MemorySegment segment(String name) {
        return located(name).segment();
    }

    /**
     * A 2-D tensor as a weight matrix: {@code ne[1]} rows of {@code ne[0]} values. A 1-D tensor is
     * one row; 3-D and 4-D tensors are refused.
     *
     * @throws IllegalArgumentException for an unknown name, a type the kernels lack, or a shape
     *                                  that is not a matrix of int-sized dimensions
     */
    public WeightTensor weight(String name) {
        Located t = located(name);
        GgufTensorInfo info = t.info();
        if (info.rank() > 2 && (info.dim(2) != 1 || info.dim(3) != 1)) {
            throw new IllegalArgumentException("tensor '" + name + "' has shape " + java.util.Arrays.toString(info.dims())
                    + ", not a matrix");
        }
        long cols = info.dim(0);
        long rows = info.dim(1);
        if (cols > Integer.MAX_VALUE || rows > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor '" + name + "' of " + rows + " x " + cols + " is too large");
        }
        try {
            return WeightTensor.of(info.type(), t.segment(), (int) rows, (int) cols);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("tensor '" + name + "': " + e.getMessage(), e);
        }
    }

    /**
     * A tensor's values as floats (norm weights, biases: small 1-D tensors); any type
     * {@link WeightTensor} supports.
     *
     * @throws IllegalArgumentException for an unknown name, an unsupported type, or more than 2^31 values
     */
    public float[] floats(String name) {
        Located t = located(name);
        GgufTensorInfo info = t.info();
        long count = info.elementCount();
        if (count > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("tensor '" + name + "' has " + count + " values, too many for a float[]");
        }
        if (count == 0) {
            return new float[0];
        }
        GgmlType type = info.type();
        if (!WeightTensor.supports(type)) {
            throw new IllegalArgumentException("tensor '" + name + "' has unsupported type " + type);
        }
        int cols = (int) info.dim(0);
        int rows = (int) (count / cols);
        WeightTensor w = WeightTensor.of(type, t.segment(), rows, cols);
        float[] out = new float[(int) count];
        for (int r = 0; r < rows; r++) {
            w.rowTo(r, out, r * cols);
        }
        return out;
    }

    private Located located(String name) {
        Located t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no tensor '" + name + "' in " + file().path().getFileName());
        }
        return t;
    }

    /** Unmaps every part. Segments and weight tensors of this file must not be used afterwards. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
