package io.jknife.tensor.bench;

import io.jknife.formats.GgmlType;
import io.jknife.formats.gguf.GgmlQuant;
import io.jknife.tensor.Activations;
import io.jknife.tensor.FreshMemory;
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
 *                                                             its size, touch fresh memory of that size
 *                                                             twice, repack every matrix
 * RepackBench --type Q8_0 --repack [--rows 8192 --cols 2048]    repack one resident matrix again and again:
 *                                                             ms and GB/s per repack
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
        boolean repackOnly = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--gguf" -> gguf = Path.of(args[++i]);
                case "--type" -> type = GgmlType.valueOf(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--rows" -> rows = Integer.parseInt(args[++i]);
                case "--cols" -> cols = Integer.parseInt(args[++i]);
                case "--tokens" -> tokens = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--repack" -> repackOnly = true;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        try (WorkerTeam team = new WorkerTeam(threads)) {
            if (gguf != null) {
                load(gguf, team);
            } else if (type != null && repackOnly) {
                repack(type, rows, cols, seconds, team);
            } else if (type != null) {
                kernels(type, rows, cols, tokens, seconds, team);
            } else {
                throw new IllegalArgumentException("--gguf FILE or --type TYPE");
            }
        }
    }

    private static void load(Path file, WorkerTeam team) throws Exception {
        try (MappedGguf g = MappedGguf.open(file)) {
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
            // What the repack's memory costs (FreshMemory: huge pages where the system gives them),
            // touched by the team as the repack does, twice: where the first costs much more, the
            // machine backs fresh memory lazily (a VM or sandbox whose host hands memory out on
            // first use and takes freed memory back), and the second is what the pages cost once backed.
            double[] fresh = new double[2];
            for (int round = 0; round < 2; round++) {
                long start = System.nanoTime();
                long size = bytes;
                try (Arena arena = Arena.ofShared()) {
                    MemorySegment m = FreshMemory.allocate(arena, size);
                    int threads = team.threads();
                    team.run(i -> {
                        for (long o = size * i / threads / 4096 * 4096; o < size * (i + 1) / threads; o += 4096) {
                            m.set(ValueLayout.JAVA_BYTE, o, (byte) 1);
                        }
                    });
                }
                fresh[round] = (System.nanoTime() - start) / 1e6;
            }
            long reallocated = System.nanoTime();
            long matrices = 0; // the repack may get some of the memory just freed: less than a load pays
            try (Arena arena = Arena.ofShared()) {
                for (String n : g.tensorNames()) {
                    if (g.info(n).dims().length == 2) {
                        WeightTensor w = g.weight(n);
                        matrices += w.byteSize();
                        Interleaved.of(w, arena, team);
                    }
                }
            }
            long repacked = System.nanoTime();
            System.out.printf(Locale.ROOT, "%s: %.2f GB of tensors (%d)%n", file.getFileName(), bytes / 1e9, sink & 1);
            System.out.printf(Locale.ROOT, "touch the mapped pages      %7.0f ms (one thread, JIT warm-up included)%n",
                    (touched - t0) / 1e6);
            System.out.printf(Locale.ROOT, "Arena.allocate the same     %7.0f ms (one thread, zeroed)%n", (allocated - touched) / 1e6);
            System.out.printf(Locale.ROOT, "FreshMemory, touched        %7.0f ms (%d threads), again once freed %.0f ms%n",
                    fresh[0], team.threads(), fresh[1]);
            System.out.printf(Locale.ROOT, "repack %.2f GB of matrices  %7.0f ms (%d threads)%n", matrices / 1e9,
                    (repacked - reallocated) / 1e6, team.threads());
        }
    }

    /**
     * Repacks one resident matrix again and again, each copy freed before the next (so that from
     * the second on its memory is recycled, not fresh): what the repacking itself costs.
     */
    private static void repack(GgmlType type, int rows, int cols, double seconds, WorkerTeam team) {
        byte[] bytes = GgmlQuant.encode(MatMulBench.randomFloats(new Random(1), rows * cols), type);
        try (Arena source = Arena.ofShared()) {
            WeightTensor w = WeightTensor.of(type, copy(source, bytes), rows, cols);
            for (int round = 0; round < 3; round++) {
                long t0 = System.nanoTime();
                int reps = 0;
                while (System.nanoTime() - t0 < seconds * 1e9) {
                    try (Arena arena = Arena.ofShared()) {
                        Interleaved.of(w, arena, team);
                    }
                    reps++;
                }
                double s = (System.nanoTime() - t0) / 1e9 / reps;
                System.out.printf(Locale.ROOT, "%s %dx%d repack %.2f ms, %.2f GB/s of ggml bytes (%d threads)%n", type,
                        rows, cols, s * 1e3, bytes.length / s / 1e9, team.threads());
            }
        }
    }

    private static void kernels(GgmlType type, int rows, int cols, int tokens, double seconds, WorkerTeam team) {
        int mats = 8;
        Random rnd = new Random(1);
        byte[] bytes = GgmlQuant.encode(MatMulBench.randomFloats(rnd, rows * cols), type);
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
        float[] x = MatMulBench.randomFloats(rnd, tokens * cols);
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
