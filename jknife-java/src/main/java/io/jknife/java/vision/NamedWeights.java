package io.jknife.java.vision;

import io.jknife.formats.FormatException;
import io.jknife.formats.GgmlType;
import io.jknife.java.weights.Kernels;
import io.jknife.java.weights.Linear;
import io.jknife.java.weights.SafetensorsModel;
import io.jknife.java.weights.StoredMatrix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Optional;

/**
 * The non-text tensors of a vision model by their Hugging Face names, shapes checked: matrices
 * become the kernels' {@link Linear}s (in their stored type: F16/BF16/MLX, or any GGML type of an
 * mmproj file), vectors floats. Backed by a safetensors checkpoint or by a GGUF {@code mmproj}
 * file ({@link MmprojFile#weights}), which answers the same names, so the towers and projectors load
 * from either unchanged.
 */
final class NamedWeights {
    /** Where the tensors come from: each answers by Hugging Face name, in PyTorch's shape order. */
    interface Source {
        boolean has(String name) throws FormatException;

        /** The matrix {@code name}, checked to be {@code rows × cols} (negative: any); empty when absent. */
        Optional<StoredMatrix> matrix(String name, int rows, int cols) throws FormatException;

        /** The tensor {@code name} as floats with its PyTorch shape; empty when absent. */
        Optional<SafetensorsModel.HfTensor> tensor(String name) throws FormatException;

        /** The name a missing tensor is reported by (the file's own name for it). */
        default String describe(String name) {
            return name;
        }
    }

    private final Source source;
    private final Kernels kernels;

    private NamedWeights(Source source, Kernels kernels) {
        this.source = source;
        this.kernels = kernels;
    }

    /** The tensors of a safetensors checkpoint, matrices made into {@code kernels}' linears. */
    static NamedWeights of(SafetensorsModel model, Kernels kernels) {
        return new NamedWeights(new Source() {
            @Override
            public boolean has(String name) throws FormatException {
                return model.hfTensor(name).isPresent();
            }

            @Override
            public Optional<StoredMatrix> matrix(String name, int rows, int cols) throws FormatException {
                return model.hfMatrix(name, rows, cols);
            }

            @Override
            public Optional<SafetensorsModel.HfTensor> tensor(String name) throws FormatException {
                return model.hfTensor(name);
            }
        }, kernels);
    }

    /** The tensors of any {@code source}, matrices made into {@code kernels}' linears. */
    static NamedWeights of(Source source, Kernels kernels) {
        return new NamedWeights(source, kernels);
    }

    /** Whether the source has a tensor called {@code name}. */
    boolean has(String name) throws FormatException {
        return source.has(name);
    }

    Linear linear(String name, int rows, int cols) throws FormatException {
        StoredMatrix m = source.matrix(name, rows, cols)
                .orElseThrow(() -> new FormatException("missing tensor " + source.describe(name)));
        return kernels.linear(m);
    }

    /** {@code name} as floats, checked to hold {@code n} values. */
    float[] vector(String name, int n) throws FormatException {
        SafetensorsModel.HfTensor t = tensor(name);
        if (t.values().length != n) {
            throw new FormatException("tensor " + t.name() + " has shape " + Arrays.toString(t.shape()) + ", expected "
                    + n + " values");
        }
        return t.values();
    }

    /** {@code name} as floats, or null when the source has no such tensor. */
    float[] optionalVector(String name, int n) throws FormatException {
        return source.has(name) ? vector(name, n) : null;
    }

    SafetensorsModel.HfTensor tensor(String name) throws FormatException {
        return source.tensor(name).orElseThrow(() -> new FormatException("missing tensor " + source.describe(name)));
    }

    /**
     * A matrix made here from floats ({@code rows × cols}, row-major), for weights a file does not
     * store as a matrix (a convolution kernel): wrapped as F32 over a heap copy.
     */
    Linear fromFloats(String name, float[] values, int rows, int cols) throws FormatException {
        // off the heap, as mapped weights are: the kernels' vector loads stay intrinsic only while they
        // see one kind of segment (a heap array among native segments sends them down the slow path)
        MemorySegment m = Arena.ofAuto().allocate((long) values.length * Float.BYTES, 64);
        MemorySegment.copy(values, 0, m, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, values.length);
        return kernels.linear(new StoredMatrix.Ggml(name, GgmlType.F32, rows, cols, m));
    }
}
