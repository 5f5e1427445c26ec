package io.jknife.tensor;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Matrix times activations, split across a {@link WorkerTeam} in chunks of contiguous rows that
 * the members claim from a shared counter (each chunk is read once, by one member).
 */
public final class MatMul {
    // below this much weight data a dispatch costs more than it saves
    private static final long MIN_PARALLEL_BYTES = 64 * 1024;
    /** Weight bytes per chunk of rows: far more work than claiming it (one atomic increment). */
    private static final long CHUNK_BYTES = 128 * 1024;

    private MatMul() {
    }

    /**
     * out[t*w.rows() + r] = dot(row r of w, token row t of x), for every token t and row r, split
     * across the team.
     *
     * @throws IllegalArgumentException when the shapes disagree or {@code out} is too small
     */
    public static void multiply(WorkerTeam team, WeightTensor w, Activations x, float[] out) {
        Objects.requireNonNull(team, "team");
        check(w, x, out);
        int threads = team.threads();
        if (threads == 1 || w.byteSize() < MIN_PARALLEL_BYTES || w.rows() < threads) {
            w.multiplyRows(x, 0, w.rows(), out);
            return;
        }
        multiply(team, x, new WeightTensor[]{w}, new float[][]{out});
    }

    /**
     * Several matrices that read the same input in one dispatch (q/k/v, gate/up): fewer barriers.
     * {@code outs[i]} receives the result of {@code ws[i]} as {@link #multiply(WorkerTeam, WeightTensor, Activations, float[])}
     * would write it. The chunks of all matrices together go to whichever member is free.
     */
    public static void multiply(WorkerTeam team, Activations x, WeightTensor[] ws, float[][] outs) {
        Objects.requireNonNull(team, "team");
        if (ws.length != outs.length) {
            throw new IllegalArgumentException(ws.length + " matrices but " + outs.length + " outputs");
        }
        long total = 0;
        for (int i = 0; i < ws.length; i++) {
            check(ws[i], x, outs[i]);
            total += ws[i].rows();
        }
        int threads = team.threads();
        if (threads == 1 || total < threads) {
            for (int i = 0; i < ws.length; i++) {
                ws[i].multiplyRows(x, 0, ws[i].rows(), outs[i]);
            }
            return;
        }
        // rows handed out in chunks from a shared counter: a member that runs ahead (or whose peer
        // lost its core on a shared machine) takes more, instead of waiting at the barrier
        int[] chunkRows = new int[ws.length];
        int[] firstChunk = new int[ws.length + 1];
        for (int i = 0; i < ws.length; i++) {
            chunkRows[i] = chunkRows(ws[i], x.n(), threads);
            firstChunk[i + 1] = firstChunk[i] + (ws[i].rows() + chunkRows[i] - 1) / chunkRows[i];
        }
        int chunks = firstChunk[ws.length];
        AtomicInteger next = new AtomicInteger();
        team.run(member -> {
            int c;
            int i = 0;
            while ((c = next.getAndIncrement()) < chunks) {
                while (c >= firstChunk[i + 1]) {
                    i++;
                }
                int from = (c - firstChunk[i]) * chunkRows[i];
                ws[i].multiplyRows(x, from, Math.min(ws[i].rows(), from + chunkRows[i]), outs[i]);
            }
        });
    }

    /**
     * Rows per chunk of {@code w}: about {@link #CHUNK_BYTES} of weights (times the tokens), a
     * multiple of 16 rows (the prefill kernels' row blocks), and at least 8 chunks per member so
     * that the shares even out.
     */
    static int chunkRows(WeightTensor w, int tokens, int threads) {
        long perRow = Math.max(1, w.rowBytes() * Math.max(1, Math.min(tokens, 8)));
        long rows = Math.max(16, CHUNK_BYTES / perRow / 16 * 16);
        long fair = Math.max(1, w.rows() / (8L * threads));
        return (int) Math.max(1, Math.min(rows, fair));
    }

    private static void check(WeightTensor w, Activations x, float[] out) {
        Objects.requireNonNull(w, "weight");
        Objects.requireNonNull(x, "activations");
        Objects.requireNonNull(out, "out");
        if (x.cols() != w.cols()) {
            throw new IllegalArgumentException("activations have " + x.cols() + " columns, the " + w
                    + " matrix needs " + w.cols());
        }
        if (out.length < (long) x.n() * w.rows()) {
            throw new IllegalArgumentException("output of " + out.length + " floats is smaller than "
                    + x.n() + " tokens x " + w.rows() + " rows");
        }
    }
}
