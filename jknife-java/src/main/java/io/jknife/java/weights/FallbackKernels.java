package io.jknife.java.weights;

import io.jknife.formats.FormatException;
import io.jknife.formats.GgmlType;
import io.jknife.java.parallel.Parallel;
import io.jknife.java.parallel.SpinTeam;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * Plain kernels: each weight row is dequantized to floats once per multiplication and dotted
 * with every token row (Vector API). Correct for F32, F16, BF16, Q8_0, Q4_0 and MLX's affine quantization; the reference the
 * engine falls back to where the optimized kernels of {@code jknife-tensor} are not available.
 */
public final class FallbackKernels implements Kernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private final SpinTeam team;
    private final ThreadLocal<float[]> rowBuffer = ThreadLocal.withInitial(() -> new float[0]);

    public FallbackKernels(int threads) {
        this.team = new SpinTeam(threads);
    }

    @Override
    public Linear linear(StoredMatrix m) throws FormatException {
        return switch (m) {
            case StoredMatrix.Ggml g -> ggml(g);
            case StoredMatrix.Mlx q -> new MlxRows(q);
        };
    }

    private static Linear ggml(StoredMatrix.Ggml g) throws FormatException {
        GgmlType type = g.type();
        if (!(type == GgmlType.F32 || type == GgmlType.F16 || type == GgmlType.BF16 || type == GgmlType.Q8_0
                || type == GgmlType.Q4_0)) {
            throw new FormatException("tensor " + g.name() + " has type " + type
                    + ", which the fallback kernels do not support (F32, F16, BF16, Q8_0, Q4_0, MLX)");
        }
        if (g.cols() % type.blockSize() != 0) {
            throw new FormatException("tensor " + g.name() + ": " + g.cols() + " columns are not whole " + type + " blocks");
        }
        if (g.data().byteSize() != type.byteSize(g.cols()) * g.rows()) {
            throw new FormatException("tensor " + g.name() + " has " + g.data().byteSize() + " bytes, "
                    + g.rows() + " x " + g.cols() + " " + type + " needs " + type.byteSize(g.cols()) * g.rows());
        }
        return new Mapped(g.data(), type, g.rows(), g.cols());
    }

    @Override
    public void multiply(float[] x, int n, Linear[] ws, float[][] outs) {
        for (int i = 0; i < ws.length; i++) {
            Linear w = ws[i];
            float[] out = outs[i];
            int cols = w.cols();
            int rows = w.rows();
            team.range(rows, Math.max(1, rows / (team.threads() * 8)), (from, to) -> {
                float[] row = buffer(cols);
                for (int r = from; r < to; r++) {
                    w.row(r, row, 0);
                    for (int t = 0; t < n; t++) {
                        out[t * rows + r] = dot(row, x, t * cols, cols);
                    }
                }
            });
        }
    }

    private float[] buffer(int n) {
        float[] b = rowBuffer.get();
        if (b.length < n) {
            b = new float[n];
            rowBuffer.set(b);
        }
        return b;
    }

    static float dot(float[] a, float[] b, int bOff, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            acc = FloatVector.fromArray(S, a, i).fma(FloatVector.fromArray(S, b, bOff + i), acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            s += a[i] * b[bOff + i];
        }
        return s;
    }

    @Override
    public Parallel parallel() {
        return team;
    }

    @Override
    public String name() {
        return "fallback";
    }

    @Override
    public void close() {
        team.close();
    }

    /** A matrix over mapped bytes, dequantized a row at a time. */
    record Mapped(MemorySegment data, GgmlType type, int rows, int cols) implements Linear {
        @Override
        public String typeName() {
            return type.name();
        }

        @Override
        public void row(int r, float[] dst, int off) {
            long rowBytes = type.byteSize(cols);
            long base = rowBytes * r;
            switch (type) {
                case F32 -> MemorySegment.copy(data, JAVA_FLOAT_UNALIGNED, base, dst, off, cols);
                case F16 -> {
                    for (int c = 0; c < cols; c++) {
                        dst[off + c] = Float.float16ToFloat(data.get(JAVA_SHORT_UNALIGNED, base + 2L * c));
                    }
                }
                case BF16 -> {
                    for (int c = 0; c < cols; c++) {
                        dst[off + c] = Float.intBitsToFloat(data.get(JAVA_SHORT_UNALIGNED, base + 2L * c) << 16);
                    }
                }
                case Q8_0 -> {
                    for (int b = 0; b < cols / 32; b++) {
                        long p = base + 34L * b;
                        float d = Float.float16ToFloat(data.get(JAVA_SHORT_UNALIGNED, p));
                        for (int j = 0; j < 32; j++) {
                            dst[off + b * 32 + j] = data.get(JAVA_BYTE, p + 2 + j) * d;
                        }
                    }
                }
                case Q4_0 -> {
                    for (int b = 0; b < cols / 32; b++) {
                        long p = base + 18L * b;
                        float d = Float.float16ToFloat(data.get(JAVA_SHORT_UNALIGNED, p));
                        for (int j = 0; j < 16; j++) {
                            int q = data.get(JAVA_BYTE, p + 2 + j) & 0xFF;
                            dst[off + b * 32 + j] = ((q & 0x0F) - 8) * d;
                            dst[off + b * 32 + j + 16] = ((q >>> 4) - 8) * d;
                        }
                    }
                }
                default -> throw new AssertionError(type);
            }
        }
    }

    /** An MLX affine-quantized matrix, dequantized a row at a time (the plain reference for the tensor kernels). */
    record MlxRows(StoredMatrix.Mlx m) implements Linear {
        @Override
        public int rows() {
            return m.rows();
        }

        @Override
        public int cols() {
            return m.cols();
        }

        @Override
        public String typeName() {
            return "MLX_Q" + m.bits() + "_G" + m.groupSize();
        }

        @Override
        public void row(int r, float[] dst, int off) {
            int bits = m.bits();
            int mask = (1 << bits) - 1;
            int groups = m.cols() / m.groupSize();
            long rowBits = (long) r * m.cols() * bits;
            for (int c = 0; c < m.cols(); c++) {
                long bit = rowBits + (long) c * bits;
                // a value may straddle two words: read the 8 bytes from its word on (the row end is padded to a word)
                long word = bit >>> 5;
                long lo = m.packed().get(JAVA_INT_UNALIGNED, word * 4) & 0xFFFFFFFFL;
                long hi = (bit & 31) + bits > 32 ? m.packed().get(JAVA_INT_UNALIGNED, word * 4 + 4) & 0xFFFFFFFFL : 0;
                int q = (int) (((hi << 32 | lo) >>> (bit & 31)) & mask);
                int g = r * groups + c / m.groupSize();
                dst[off + c] = scale(m.scales(), g) * q + scale(m.biases(), g);
            }
        }

        private float scale(MemorySegment s, int i) {
            return switch (m.scaleType()) {
                case F32 -> s.getAtIndex(JAVA_FLOAT_UNALIGNED, i);
                case F16 -> Float.float16ToFloat(s.getAtIndex(JAVA_SHORT_UNALIGNED, i));
                case BF16 -> Float.intBitsToFloat(s.getAtIndex(JAVA_SHORT_UNALIGNED, i) << 16);
                default -> throw new AssertionError(m.scaleType());
            };
        }
    }
}
