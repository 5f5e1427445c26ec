package io.jknife.java.vision;

import io.jknife.formats.FormatException;
import io.jknife.formats.GgmlType;
import io.jknife.java.weights.Kernels;
import io.jknife.java.weights.Linear;
import io.jknife.java.weights.SafetensorsModel;
import io.jknife.java.weights.StoredMatrix;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The non-text tensors of a checkpoint by their Hugging Face names, shapes checked: matrices
 * become the kernels' {@link Linear}s (in their stored type, F16/BF16/MLX included), vectors floats.
 */
final class NamedWeights {
    private final SafetensorsModel model;
    private final Kernels kernels;

    NamedWeights(SafetensorsModel model, Kernels kernels) {
        this.model = model;
        this.kernels = kernels;
    }

    Linear linear(String name, int rows, int cols) throws FormatException {
        StoredMatrix m = model.hfMatrix(name, rows, cols)
                .orElseThrow(() -> new FormatException("missing tensor " + name));
        return kernels.linear(m);
    }

    /** {@code name} as floats, checked to hold {@code n} values. */
    float[] vector(String name, int n) throws FormatException {
        SafetensorsModel.HfTensor t = tensor(name);
        if (t.values().length != n) {
            throw new FormatException("tensor " + name + " has shape " + Arrays.toString(t.shape()) + ", expected "
                    + n + " values");
        }
        return t.values();
    }

    /** {@code name} as floats, or null when the checkpoint has no such tensor. */
    float[] optionalVector(String name, int n) throws FormatException {
        return model.hfTensor(name).isPresent() ? vector(name, n) : null;
    }

    SafetensorsModel.HfTensor tensor(String name) throws FormatException {
        return model.hfTensor(name).orElseThrow(() -> new FormatException("missing tensor " + name));
    }

    /**
     * A matrix made here from floats ({@code rows × cols}, row-major), for weights a file does not
     * store as a matrix (a convolution kernel): wrapped as F32 over a heap copy.
     */
    Linear fromFloats(String name, float[] values, int rows, int cols) throws FormatException {
        ByteBuffer b = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return kernels.linear(new StoredMatrix.Ggml(name, GgmlType.F32, rows, cols, MemorySegment.ofArray(b.array())));
    }
}
