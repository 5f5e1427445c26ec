package io.jknife.tensor.bench;

import io.jknife.formats.GgmlType;
import io.jknife.formats.gguf.GgmlQuant;
import io.jknife.formats.mlx.MlxQuantized;
import io.jknife.formats.mlx.MlxQuantizer;
import io.jknife.formats.safetensors.FloatEncoding;
import io.jknife.formats.safetensors.SafetensorsDType;
import io.jknife.tensor.Activations;
import io.jknife.tensor.MatMul;
import io.jknife.tensor.WeightTensor;
import io.jknife.tensor.WorkerTeam;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Matmul throughput on the weight matrices of a 1B-shaped Llama (hidden 2048, 16 layers, 8 KV
 * heads of 64, FFN 8192, vocabulary 128256), allocated off-heap like a mapped model (every layer
 * its own memory, so nothing is served from cache): GB/s of weights read and milliseconds per
 * token-equivalent (every matrix of the layer stack plus the output once), for decode (n=1) and
 * prefill (n tokens per pass, time per token), next to a float reference kernel (weights
 * converted to floats in registers, float activations: what pure-Java engines do).
 *
 * <p>Besides wall-clock time it reports the process CPU time per token divided by the threads:
 * on a machine shared with other work the wall clock mostly measures waiting for a core, while
 * the CPU time is what the same work takes when the cores are ours (memory stalls included,
 * since a stalled core stays busy).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp ... io.jknife.tensor.bench.MatMulBench \
 *     [--threads N] [--types Q4_0,Q8_0,BF16,MLX_Q4_G64,MLX_Q8_G64] [--tokens 1,32,128] [--seconds S] [--layers L]
 * </pre>
 *
 * <p>Types are GGML type names or {@code MLX_Q<bits>_G<groupSize>} (MLX affine quantization with
 * BF16 scales and biases, as mlx-community models of BF16 originals store them). The summary at
 * the end gives each type's decode time per byte of weights against Q4_0's, when Q4_0 was run
 * (types may be named more than once, e.g. alternating, and the summary keeps each one's best).
 */
public final class MatMulBench {
    private static final int HIDDEN = 2048;
    private static final int KV = 512;
    private static final int FFN = 8192;
    private static final int VOCAB = 128256;

    private record Layer(WeightTensor q, WeightTensor k, WeightTensor v, WeightTensor o, WeightTensor gate,
                         WeightTensor up, WeightTensor down) {
    }

    private record Model(Kind kind, List<Layer> layers, WeightTensor output, long bytes) {
    }

    public static void main(String[] args) throws Exception {
        int threads = Runtime.getRuntime().availableProcessors();
        List<String> types = new ArrayList<>(List.of("Q4_0", "Q8_0"));
        int[] tokens = {1, 32, 128};
        double seconds = 3;
        int layers = 16;
        boolean floatRef = true;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--types" -> {
                    types.clear();
                    for (String t : args[++i].split(",")) {
                        kind(t); // fails early on unknown names
                        types.add(t);
                    }
                }
                case "--tokens" -> tokens = java.util.Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--layers" -> layers = Integer.parseInt(args[++i]);
                case "--no-float-ref" -> floatRef = false;
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (--threads N --types T,.. --tokens N,.. --seconds S --layers L --no-float-ref)");
            }
        }
        System.out.printf(Locale.ROOT, "MatMulBench: %d threads, %d layers, vector %s, %.1f s per measurement%n",
                threads, layers, FloatVector.SPECIES_PREFERRED, seconds);
        System.out.printf(Locale.ROOT, "%-10s %-9s %5s %9s %9s %9s | %9s %9s %9s%n", "type", "kernel", "n",
                "GB/s", "ms/token", "tokens/s", "cpu-GB/s", "cpu-ms/t", "cpu-tok/s");
        System.out.println("       (left: wall clock; right: process CPU time / threads, what idle cores would give)");
        // decode seconds per byte of weights, by type, for the summary
        Map<String, double[]> perByte = new LinkedHashMap<>();
        try (WorkerTeam team = new WorkerTeam(threads)) {
            for (String type : types) {
                Kind kind = kind(type);
                try (Arena arena = Arena.ofShared()) {
                    Model m = model(arena, kind, layers);
                    Timing decode = null;
                    for (int n : tokens) {
                        Timing t = run(team, m, n, seconds, false);
                        report(type, kind.kernel(n), n, m.bytes(), t, threads);
                        if (n == 1) {
                            decode = t;
                            // a type named twice keeps its best: on a shared machine the slow runs are the noise
                            perByte.merge(type, new double[]{t.wall() / m.bytes(), t.cpu() / m.bytes()},
                                    (x, y) -> new double[]{Math.min(x[0], y[0]), Math.min(x[1], y[1])});
                        }
                    }
                    if (floatRef && kind.ggml() != null && FloatReference.supports(kind.ggml())) {
                        Timing f = run(team, m, 1, seconds, true);
                        report(type, "float-ref", 1, m.bytes(), f, threads);
                        if (decode != null) {
                            System.out.printf(Locale.ROOT, "%-10s decode int8 / float-ref speed: %.2fx wall, %.2fx cpu%n",
                                    type, f.wall() / decode.wall(), f.cpu() / decode.cpu());
                        }
                    }
                }
            }
        }
        double[] q4 = perByte.get("Q4_0");
        if (q4 != null) {
            for (var e : perByte.entrySet()) {
                System.out.printf(Locale.ROOT, "%-10s decode time per weight byte / Q4_0's: %.2fx wall, %.2fx cpu%n",
                        e.getKey(), e.getValue()[0] / q4[0], e.getValue()[1] / q4[1]);
            }
        }
    }

    /** A weight type to measure: a GGML type, or MLX affine quantization (ggml null). */
    private record Kind(GgmlType ggml, int mlxBits, int mlxGroupSize) {
        /** The kernel family that runs n tokens (Q4_0 decodes on float activations, see FloatDecodeKernels). */
        String kernel(int n) {
            if (ggml == GgmlType.Q4_0 && n < 4 && !Boolean.getBoolean("jknife.tensor.intDecode")) {
                return "float";
            }
            return ggml == null ? "mlx-float" : ggml.isQuantized() ? "int8" : "fused";
        }
    }

    private static final Pattern MLX_NAME = Pattern.compile("MLX_Q([2-8])_G(\\d+)");

    private static Kind kind(String name) {
        Matcher m = MLX_NAME.matcher(name);
        if (m.matches()) {
            return new Kind(null, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
        }
        GgmlType t = GgmlType.fromName(name).orElseThrow(() -> new IllegalArgumentException("type " + name
                + " (a GGML type such as Q4_0, or MLX_Q<bits>_G<groupSize> such as MLX_Q4_G64)"));
        if (!WeightTensor.supports(t)) {
            throw new IllegalArgumentException("type " + name + " has no kernel");
        }
        return new Kind(t, 0, 0);
    }

    /** Seconds per pass over the whole model: wall clock, and process CPU time. */
    private record Timing(double wall, double cpu) {
    }

    private static void report(String type, String kernel, int n, long bytes, Timing t, int threads) {
        double wall = t.wall() / n;
        double cpu = t.cpu() / threads / n;
        System.out.printf(Locale.ROOT, "%-10s %-9s %5d %9.2f %9.2f %9.2f | %9.2f %9.2f %9.2f%n", type, kernel, n,
                bytes / t.wall() / 1e9, wall * 1e3, 1 / wall, bytes / (t.cpu() / threads) / 1e9, cpu * 1e3, 1 / cpu);
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static Timing run(WorkerTeam team, Model m, int n, double seconds, boolean floatRef) {
        Random rnd = new Random(1);
        float[] xh = randomFloats(rnd, n * HIDDEN);
        float[] xf = randomFloats(rnd, n * FFN);
        Activations ah = Activations.allocate(n, HIDDEN);
        Activations af = Activations.allocate(n, FFN);
        float[] qo = new float[n * HIDDEN];
        float[] ko = new float[n * KV];
        float[] vo = new float[n * KV];
        float[] oo = new float[n * HIDDEN];
        float[] go = new float[n * FFN];
        float[] uo = new float[n * FFN];
        float[] dn = new float[n * HIDDEN];
        float[] logits = new float[n * VOCAB];
        Runnable pass = () -> {
            for (Layer l : m.layers()) {
                if (floatRef) {
                    GgmlType t = m.kind().ggml();
                    FloatReference.multiply(team, t, l.q(), xh, qo);
                    FloatReference.multiply(team, t, l.k(), xh, ko);
                    FloatReference.multiply(team, t, l.v(), xh, vo);
                    FloatReference.multiply(team, t, l.o(), xh, oo);
                    FloatReference.multiply(team, t, l.gate(), xh, go);
                    FloatReference.multiply(team, t, l.up(), xh, uo);
                    FloatReference.multiply(team, t, l.down(), xf, dn);
                    continue;
                }
                // as an engine does: the activations of each input quantized once
                ah.set(xh, n);
                MatMul.multiply(team, ah, new WeightTensor[]{l.q(), l.k(), l.v()}, new float[][]{qo, ko, vo});
                ah.set(xh, n);
                MatMul.multiply(team, l.o(), ah, oo);
                ah.set(xh, n);
                MatMul.multiply(team, ah, new WeightTensor[]{l.gate(), l.up()}, new float[][]{go, uo});
                af.set(xf, n);
                MatMul.multiply(team, l.down(), af, dn);
            }
            if (floatRef) {
                FloatReference.multiply(team, m.kind().ggml(), m.output(), xh, logits);
            } else {
                ah.set(xh, n);
                MatMul.multiply(team, m.output(), ah, logits);
            }
        };
        pass.run(); // warm-up: JIT and page faults
        pass.run();
        long start = System.nanoTime();
        long cpuStart = cpuNanos();
        long deadline = start + (long) (seconds * 1e9);
        int passes = 0;
        do {
            pass.run();
            passes++;
        } while (System.nanoTime() < deadline);
        return new Timing((System.nanoTime() - start) / 1e9 / passes, (cpuNanos() - cpuStart) / 1e9 / passes);
    }

    /** {@code count} standard normal floats (the benchmarks' weights and activations). */
    static float[] randomFloats(Random rnd, int count) {
        float[] x = new float[count];
        for (int i = 0; i < count; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }

    /** One encoded pattern, tiled: realistic scales and values without quantizing gigabytes. */
    private record Chunks(byte[] data, byte[] scales, byte[] biases) {
    }

    private static Model model(Arena arena, Kind kind, int layers) {
        float[] pattern = randomFloats(new Random(3), 64 * 1024);
        for (int i = 0; i < pattern.length; i++) {
            pattern[i] *= 0.02f;
        }
        Chunks chunk;
        if (kind.ggml() != null) {
            chunk = new Chunks(GgmlQuant.encode(pattern, kind.ggml()), null, null);
        } else {
            // as 32 rows of HIDDEN: every tiled matrix of HIDDEN columns gets whole rows of it
            MlxQuantized q = MlxQuantizer.quantize(pattern, pattern.length / HIDDEN, HIDDEN, kind.mlxBits(),
                    kind.mlxGroupSize(), SafetensorsDType.BF16);
            ByteBuffer words = ByteBuffer.allocate(4 * q.weight().length).order(ByteOrder.LITTLE_ENDIAN);
            words.asIntBuffer().put(q.weight());
            chunk = new Chunks(words.array(), FloatEncoding.encode(q.scales(), SafetensorsDType.BF16),
                    FloatEncoding.encode(q.biases(), SafetensorsDType.BF16));
        }
        List<Layer> ls = new ArrayList<>();
        long[] bytes = {0};
        for (int i = 0; i < layers; i++) {
            ls.add(new Layer(matrix(arena, kind, HIDDEN, HIDDEN, chunk, bytes), matrix(arena, kind, KV, HIDDEN, chunk, bytes),
                    matrix(arena, kind, KV, HIDDEN, chunk, bytes), matrix(arena, kind, HIDDEN, HIDDEN, chunk, bytes),
                    matrix(arena, kind, FFN, HIDDEN, chunk, bytes), matrix(arena, kind, FFN, HIDDEN, chunk, bytes),
                    matrix(arena, kind, HIDDEN, FFN, chunk, bytes)));
        }
        WeightTensor out = matrix(arena, kind, VOCAB, HIDDEN, chunk, bytes);
        return new Model(kind, ls, out, bytes[0]);
    }

    private static WeightTensor matrix(Arena arena, Kind kind, int rows, int cols, Chunks chunk, long[] total) {
        WeightTensor w;
        if (kind.ggml() != null) {
            w = WeightTensor.of(kind.ggml(), tiled(arena, kind.ggml().byteSize((long) rows * cols), chunk.data()),
                    rows, cols);
        } else {
            long groups = (long) rows * cols / kind.mlxGroupSize();
            w = WeightTensor.mlx(rows, cols, kind.mlxBits(), kind.mlxGroupSize(),
                    tiled(arena, (long) rows * cols * kind.mlxBits() / 8, chunk.data()),
                    tiled(arena, 2 * groups, chunk.scales()), tiled(arena, 2 * groups, chunk.biases()), GgmlType.BF16);
        }
        total[0] += w.byteSize();
        return w;
    }

    /** Fresh memory of {@code size} bytes filled with copies of {@code chunk}. */
    private static MemorySegment tiled(Arena arena, long size, byte[] chunk) {
        MemorySegment seg = arena.allocate(size, 64);
        MemorySegment src = MemorySegment.ofArray(chunk);
        for (long off = 0; off < size; off += chunk.length) {
            MemorySegment.copy(src, 0, seg, off, Math.min(chunk.length, size - off));
        }
        return seg;
    }

    /**
     * The float way, for comparison: weights widened to floats in registers and multiplied with the
     * float activations (no 8-bit activations), rows split across the same team. Q8_0 and Q4_0.
     */
    static final class FloatReference {
        private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
        private static final VectorSpecies<Byte> B = ByteVector.SPECIES_64;
        private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

        static boolean supports(GgmlType t) {
            return t == GgmlType.Q8_0 || t == GgmlType.Q4_0;
        }

        static void multiply(WorkerTeam team, GgmlType type, WeightTensor w, float[] x, float[] out) {
            int rows = w.rows();
            team.run(i -> {
                int from = (int) ((long) rows * i / team.threads());
                int to = (int) ((long) rows * (i + 1) / team.threads());
                for (int r = from; r < to; r++) {
                    out[r] = type == GgmlType.Q8_0 ? q8(w, r, x) : q4(w, r, x);
                }
            });
        }

        private static float q8(WeightTensor w, int r, float[] x) {
            MemorySegment seg = w.data();
            long row = r * w.rowBytes();
            FloatVector acc = FloatVector.zero(F);
            for (int b = 0; b < w.cols() / 32; b++) {
                long o = row + 34L * b;
                FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(seg.get(SHORT, o)));
                for (int k = 0; k < 32; k += 8) {
                    FloatVector wv = (FloatVector) ByteVector.fromMemorySegment(B, seg, o + 2 + k, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2F, F, 0);
                    acc = wv.mul(d).fma(FloatVector.fromArray(F, x, 32 * b + k), acc);
                }
            }
            return acc.reduceLanes(VectorOperators.ADD);
        }

        private static float q4(WeightTensor w, int r, float[] x) {
            MemorySegment seg = w.data();
            long row = r * w.rowBytes();
            FloatVector acc = FloatVector.zero(F);
            for (int b = 0; b < w.cols() / 32; b++) {
                long o = row + 18L * b;
                FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(seg.get(SHORT, o)));
                for (int k = 0; k < 16; k += 8) {
                    ByteVector raw = ByteVector.fromMemorySegment(B, seg, o + 2 + k, ByteOrder.LITTLE_ENDIAN);
                    FloatVector lo = (FloatVector) raw.and((byte) 0xF).sub((byte) 8).convertShape(VectorOperators.B2F, F, 0);
                    FloatVector hi = (FloatVector) raw.lanewise(VectorOperators.LSHR, 4).sub((byte) 8)
                            .convertShape(VectorOperators.B2F, F, 0);
                    acc = lo.mul(d).fma(FloatVector.fromArray(F, x, 32 * b + k), acc);
                    acc = hi.mul(d).fma(FloatVector.fromArray(F, x, 32 * b + 16 + k), acc);
                }
            }
            return acc.reduceLanes(VectorOperators.ADD);
        }
    }
}
