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
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * Plain kernels: each weight row is dequantized to floats once per multiplication and dotted
 * with every token row (Vector API). Correct for F32, F16, BF16, Q8_0 and Q4_0; the reference the
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
    public Linear linear(MappedModel.Tensor t) throws FormatException {
        GgmlType type = t.type();
        if (!(type == GgmlType.F32 || type == GgmlType.F16 || type == GgmlType.BF16 || type == GgmlType.Q8_0
                || type == GgmlType.Q4_0)) {
            throw new FormatException("tensor " + t.info().name() + " has type " + type
                    + ", which the fallback kernels do not support (F32, F16, BF16, Q8_0, Q4_0)");
        }
        if (t.info().rank() > 2) {
            throw new FormatException("tensor " + t.info().name() + " is not a matrix");
        }
        int cols = Math.toIntExact(t.dim(0));
        int rows = Math.toIntExact(t.dim(1));
        if (cols % type.blockSize() != 0) {
            throw new FormatException("tensor " + t.info().name() + ": " + cols + " columns are not whole " + type + " blocks");
        }
        return new Mapped(t.data(), type, rows, cols);
    }

    @Override
    public void multiply(float[] x, int n, Linear[] ws, float[][] outs) {
        for (int i = 0; i < ws.length; i++) {
            Mapped w = (Mapped) ws[i];
            float[] out = outs[i];
            int cols = w.cols;
            int rows = w.rows;
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
}
