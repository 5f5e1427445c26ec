package io.jknife.tensor.bench;

import io.jknife.formats.GgmlType;
import io.jknife.formats.gguf.GgmlQuant;
import io.jknife.tensor.Activations;
import io.jknife.tensor.Interleaved;
import io.jknife.tensor.MappedGguf;
import io.jknife.tensor.MatMul;
import io.jknife.tensor.WeightTensor;
import io.jknife.tensor.WorkerTeam;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;

/**
 * What {@link Interleaved} costs and buys, measured apart from the engine:
 *
 * <pre>RepackBench --gguf FILE [--threads 2]                       load: touch the mapped file, Arena.allocate
 *                                                             its size, repack every matrix
 * RepackBench --type Q6_K [--rows 8192 --cols 2048] [--tokens 1] [--threads 2] [--seconds 2]
 *                                                             that many tokens through 8 such matrices,
 *                                                             ggml's layout against the repacked one,
 *                                                             ns per block of one token's product</pre>
 *
 * Needs {@code --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED}. Each
 * measurement of the load part runs in the same fresh JVM once; run it in a new JVM to see
 * fresh memory as a model load does.
 */
public final class RepackBench {
    private RepackBench() {
    }

    public static void main(String[] args) throws Exception {
        Path gguf = null;
        GgmlType type = null;
        int threads = 2;
        int rows = 8192;
        int cols = 2048;
        int tokens = 1;
        double seconds = 2;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--gguf" -> gguf = Path.of(args[++i]);
                case "--type" -> type = GgmlType.valueOf(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--rows" -> rows = Integer.parseInt(args[++i]);
                case "--cols" -> cols = Integer.parseInt(args[++i]);
                case "--tokens" -> tokens = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        try (WorkerTeam team = new WorkerTeam(threads)) {
            if (gguf != null) {
                load(gguf, team);
            } else if (type != null) {
                kernels(type, rows, cols, tokens, seconds, team);
            } else {
                throw new IllegalArgumentException("--gguf FILE or --type TYPE");
            }
        }
    }

    private static void load(Path file, WorkerTeam team) throws Exception {
        try (MappedGguf g = MappedGguf.open(file); Arena arena = Arena.ofShared()) {
            long bytes = 0;
            long sink = 0;
            long t0 = System.nanoTime();
            for (String n : g.tensorNames()) {
                MemorySegment s = g.segment(n);
                for (long o = 0; o < s.byteSize(); o += 4096) {
                    sink += s.get(ValueLayout.JAVA_BYTE, o);
                }
                bytes += s.byteSize();
            }
            long touched = System.nanoTime();
            try (Arena fresh = Arena.ofConfined()) {
                fresh.allocate(bytes, 64);
            }
            long allocated = System.nanoTime();
            long matrices = 0;
            for (String n : g.tensorNames()) {
                if (g.info(n).dims().length == 2) {
                    WeightTensor w = g.weight(n);
                    matrices += w.byteSize();
                    Interleaved.of(w, arena, team);
                }
            }
            long repacked = System.nanoTime();
            System.out.printf(Locale.ROOT, "%s: %.2f GB of tensors (%d)%n", file.getFileName(), bytes / 1e9, sink & 1);
            System.out.printf(Locale.ROOT, "touch the mapped pages      %7.0f ms%n", (touched - t0) / 1e6);
            System.out.printf(Locale.ROOT, "Arena.allocate the same     %7.0f ms (one thread, zeroed)%n", (allocated - touched) / 1e6);
            System.out.printf(Locale.ROOT, "repack %.2f GB of matrices  %7.0f ms (%d threads)%n", matrices / 1e9,
                    (repacked - allocated) / 1e6, team.threads());
        }
    }

    private static void kernels(GgmlType type, int rows, int cols, int tokens, double seconds, WorkerTeam team) {
        int mats = 8;
        Random rnd = new Random(1);
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        byte[] bytes = GgmlQuant.encode(v, type);
        Arena arena = Arena.ofShared();
        WeightTensor[] ggml = new WeightTensor[mats];
        WeightTensor[] repacked = new WeightTensor[mats];
        for (int m = 0; m < mats; m++) {
            ggml[m] = WeightTensor.of(type, copy(arena, bytes), rows, cols);
            repacked[m] = Interleaved.of(WeightTensor.of(type, copy(arena, bytes), rows, cols), arena, team);
        }
        if (!Interleaved.repacks(type, cols)) {
            System.out.println(type + " rows of " + cols + " are not repacked: both sides are ggml's layout");
        }
        float[] x = new float[tokens * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        Activations act = Activations.allocate(tokens, cols);
        float[] out = new float[tokens * rows];
        long blocks = (long) mats * rows * cols / 32 * tokens;
        for (int round = 0; round < 3; round++) {
            for (WeightTensor[] ws : new WeightTensor[][]{ggml, repacked}) {
                long t0 = System.nanoTime();
                int reps = 0;
                while (System.nanoTime() - t0 < seconds * 1e9) {
                    for (WeightTensor w : ws) {
                        act.set(x, tokens);
                        MatMul.multiply(team, w, act, out);
                    }
                    reps++;
                }
                System.out.printf(Locale.ROOT, "%s %dx%d x %d tokens %-8s %.3f ns per 32 values and token%n", type, rows,
                        cols, tokens, ws == ggml ? "ggml" : "repacked", (System.nanoTime() - t0) / (double) reps / blocks);
            }
        }
        arena.close();
    }

    private static MemorySegment copy(Arena arena, byte[] bytes) {
        MemorySegment s = arena.allocate(bytes.length, 64);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, s, 0, bytes.length);
        return s;
    }
}
