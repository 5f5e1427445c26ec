package io.jknife.java.weights;

import io.jknife.engine.Threads;
import io.jknife.formats.FormatException;
import io.jknife.java.parallel.Parallel;
import io.jknife.tensor.Activations;
import io.jknife.tensor.Interleaved;
import io.jknife.tensor.KernelWarmUp;
import io.jknife.tensor.MatMul;
import io.jknife.tensor.WeightTensor;
import io.jknife.tensor.WorkerTeam;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The optimized kernels of {@code jknife-tensor}: fused dequantize-and-dot on 8-bit activations
 * (prepared once per input and shared by every matrix that reads it), split across one
 * {@link WorkerTeam}, which also runs the rest of the forward pass. Q4_0, Q8_0, Q4_K and Q6_K
 * matrices are repacked into the lane-per-block layouts of {@link Interleaved} (memory these
 * kernels own until {@link #close()}).
 *
 * <h2>When the repacking happens</h2>
 * During the load, with all threads, unless the kernels were made for a model that idles after its
 * load (an interactive chat waiting for its first prompt). Then the model is ready as soon as its
 * files are mapped (its matrices run in ggml's layout), and after {@link #loaded()} one thread of
 * its own repacks them one by one, each matrix switching to its repacked copy when that is complete
 * (a forward pass reads either, both give the same products up to the activations' rounding);
 * {@link #awaitBackgroundWork()} waits for the last. The repacking's fresh memory costs seconds on
 * some machines (see {@link Interleaved}). Not the default because a prompt that runs meanwhile is
 * slower than after a repack during the load: the repacking thread competes with the team's (a
 * one-shot {@code run} of 32 tokens on the 1B-shaped Q4_0 model, 2 cores: 9.5-13.8 s against
 * 6.7-8.8 s end to end; with 1 engine thread 8.2-9.9 against 7.6-9.1 s).
 * {@code -Djknife.tensor.repack=background} or {@code =load} overrides the choice.
 *
 * <h2>The warm-up</h2>
 * {@link #warmUp()} runs {@link KernelWarmUp} over the model's matrices when the model waits for
 * requests ({@code JavaModel.warmUpInBackground}, which then runs a short generation for the rest
 * of the forward pass): a chat's first prompt, 37 tokens on the 1B-shaped Q4_0 model (2 cores,
 * {@code JavaDecodeBench --idle-after-load}, warm-up round), took 1.4 s with the kernel warm-up
 * alone, 0.55-0.62 s with both, 3.0-3.3 s with neither. During a load it saves nothing on two
 * cores, where nothing else runs while C2 compiles: the same prompt after a load with the kernel
 * warm-up took 3.7-3.9 s to load and 1.2-1.3 s to prefill, without it 1.8-1.9 s and 3.0-3.6 s.
 */
public final class TensorKernels implements Kernels {
    /** {@code -Djknife.tensor.repack=background|load} overrides what the caller asked for. */
    private static final String REPACK = System.getProperty("jknife.tensor.repack", "");

    private final WorkerTeam team;
    private final TeamParallel parallel;
    /** Whether matrices are repacked in the background after the load, or during it. */
    private final boolean repackInBackground;
    /** Matrices waiting for their repacking, in load order (until {@link #loaded()}). */
    private final List<Weight> pending = new ArrayList<>();
    /** Every matrix made here (for the kernels' warm-up). */
    private final List<Weight> all = new ArrayList<>();
    /** Set by {@link #loaded()}: later matrices are repacked at once. */
    private boolean started;
    private Thread repacker;
    private volatile boolean closing;
    /** The repacked matrices' memory. */
    private final Arena arena = Arena.ofShared();
    /** One reusable activations buffer per input width (a model has two or three widths). */
    private int[] widths = new int[0];
    private int[] capacities = new int[0];
    private Activations[] inputs = new Activations[0];
    /** The WeightTensor arrays of the multi-matrix calls, by the identity of the caller's Linear array. */
    private final Map<Linear[], WeightTensor[]> groups = new IdentityHashMap<>();

    /** Kernels that repack during the load. */
    public TensorKernels(int threads) {
        this(threads, false);
    }

    /** Kernels that repack in the background after the load when {@code background} (see the class comment). */
    public TensorKernels(int threads, boolean background) {
        this.team = new WorkerTeam(threads);
        this.parallel = new TeamParallel(team);
        this.repackInBackground = REPACK.equals("background") || (background && !REPACK.equals("load"));
    }

    @Override
    public Linear linear(StoredMatrix m) throws FormatException {
        try {
            return switch (m) {
                case StoredMatrix.Ggml g -> {
                    if (!WeightTensor.supports(g.type())) {
                        throw new FormatException("tensor " + g.name() + " has type " + g.type()
                                + ", which the Java engine does not support (F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K, MLX)");
                    }
                    WeightTensor t = WeightTensor.of(g.type(), g.data(), g.rows(), g.cols());
                    if (!Interleaved.repacks(g.type(), g.cols())) {
                        yield kept(new Weight(t));
                    }
                    if (!repackInBackground || started) {
                        yield kept(new Weight(Interleaved.of(t, arena, team)));
                    }
                    Weight w = kept(new Weight(t));
                    pending.add(w);
                    yield w;
                }
                case StoredMatrix.Mlx q -> kept(new Weight(WeightTensor.mlx(q.rows(), q.cols(), q.bits(), q.groupSize(),
                        q.packed(), q.scales(), q.biases(), q.scaleType())));
            };
        } catch (IllegalArgumentException e) {
            throw new FormatException("tensor " + m.name() + ": " + e.getMessage(), e);
        }
    }

    private synchronized Weight kept(Weight w) {
        all.add(w);
        return w;
    }

    /** When the model idles after its load: starts one thread of its own that repacks the waiting matrices. */
    @Override
    public synchronized void loaded() {
        if (started) {
            return;
        }
        started = true;
        if (pending.isEmpty() || closing) {
            return;
        }
        List<Weight> todo = List.copyOf(pending);
        pending.clear();
        repacker = Thread.ofPlatform().daemon().name("jknife-tensor repack").start(() -> {
            try (WorkerTeam own = new WorkerTeam(1)) {
                for (Weight w : todo) {
                    if (closing) {
                        return;
                    }
                    w.w = Interleaved.of(w.w, arena, own);
                }
            } catch (RuntimeException | OutOfMemoryError e) {
                // the matrices not yet repacked keep running in ggml's layout: slower, still right
                System.err.println("jknife: repacking the weights stopped (" + e + "); the rest stay in ggml's layout");
            }
        });
    }

    /**
     * Below this many bytes of matrices a first prompt at interpreted speed is short anyway (and
     * tests load many small models).
     */
    private static final long WARM_UP_BYTES = 32L << 20;

    /** {@link KernelWarmUp} over this model's matrices (call after {@link #awaitBackgroundWork()}: their final layouts). */
    @Override
    public boolean warmUp() {
        List<WeightTensor> weights;
        synchronized (this) {
            weights = all.stream().map(w -> w.w).toList();
        }
        if (closing || weights.stream().mapToLong(WeightTensor::byteSize).sum() < WARM_UP_BYTES
                || !KernelWarmUp.needed(weights)) {
            return false; // small, or an earlier model of the same kinds compiled everything already
        }
        KernelWarmUp.run(weights);
        return true;
    }

    @Override
    public void awaitBackgroundWork() throws InterruptedException {
        Thread t;
        synchronized (this) {
            t = repacker;
        }
        if (t != null) {
            t.join();
        }
    }
    @Override
    public void multiply(float[] x, int n, Linear[] ws, float[][] outs) {
        int cols = ws[0].cols();
        Activations a = input(cols, n).set(x, n);
        if (ws.length == 1) {
            MatMul.multiply(team, ((Weight) ws[0]).w, a, outs[0]);
            return;
        }
        WeightTensor[] wts = groups.computeIfAbsent(ws, k -> new WeightTensor[k.length]);
        for (int i = 0; i < ws.length; i++) {
            wts[i] = ((Weight) ws[i]).w; // read each time: a repacked copy may have replaced it
        }
        MatMul.multiply(team, a, wts, outs);
    }

    @Override
    public void multiply(float[] x, int n, Linear w, float[] out) {
        MatMul.multiply(team, ((Weight) w).w, input(w.cols(), n).set(x, n), out);
    }

    private Activations input(int cols, int n) {
        for (int i = 0; i < widths.length; i++) {
            if (widths[i] == cols) {
                if (capacities[i] < n) {
                    capacities[i] = Math.max(n, 32);
                    inputs[i] = Activations.allocate(capacities[i], cols);
                }
                return inputs[i];
            }
        }
        widths = java.util.Arrays.copyOf(widths, widths.length + 1);
        capacities = java.util.Arrays.copyOf(capacities, capacities.length + 1);
        inputs = java.util.Arrays.copyOf(inputs, inputs.length + 1);
        widths[widths.length - 1] = cols;
        capacities[capacities.length - 1] = Math.max(n, 32);
        inputs[inputs.length - 1] = Activations.allocate(capacities[capacities.length - 1], cols);
        return inputs[inputs.length - 1];
    }

    @Override
    public Parallel parallel() {
        return parallel;
    }

    @Override
    public String name() {
        return "jknife-tensor";
    }

    @Override
    public void close() {
        closing = true;
        Thread t;
        synchronized (this) {
            t = repacker;
        }
        Threads.joinUninterruptibly(t); // it stops after the matrix it is repacking: its memory is the arena's
        team.close();
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    /** A {@link WeightTensor} seen as a {@link Linear}; its repacked copy replaces it when ready. */
    static final class Weight implements Linear {
        volatile WeightTensor w;

        Weight(WeightTensor w) {
            this.w = w;
        }

        @Override
        public int rows() {
            return w.rows();
        }

        @Override
        public int cols() {
            return w.cols();
        }

        @Override
        public String typeName() {
            return w.typeName();
        }

        @Override
        public void row(int r, float[] dst, int off) {
            w.rowTo(r, dst, off);
        }
    }

    /** Index ranges over the team's members, handed out in chunks from a shared counter. */
    private static final class TeamParallel implements Parallel {
        private final WorkerTeam team;
        private final AtomicInteger next = new AtomicInteger();

        TeamParallel(WorkerTeam team) {
            this.team = team;
        }

        @Override
        public int threads() {
            return team.threads();
        }

        @Override
        public void range(int n, int grain, RangeTask task) {
            if (n <= 0) {
                return;
            }
            int g = Math.max(1, grain);
            if (team.threads() == 1 || n <= g) {
                task.run(0, n);
                return;
            }
            next.set(0);
            team.run(member -> {
                int from;
                while ((from = next.getAndAdd(g)) < n) {
                    task.run(from, Math.min(n, from + g));
                }
            });
        }

        @Override
        public void close() {
            team.close();
        }
    }
}
