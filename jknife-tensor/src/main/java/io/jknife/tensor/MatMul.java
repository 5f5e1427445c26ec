package io.jknife.tensor;

import java.util.Objects;

/**
 * Matrix times activations, split across a {@link WorkerTeam} in contiguous row ranges (each
 * member reads its own part of the weights once).
 */
public final class MatMul {
    // below this much weight data a dispatch costs more than it saves
    private static final long MIN_PARALLEL_BYTES = 64 * 1024;

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
        int rows = w.rows();
        team.run(i -> {
            int from = split(rows, threads, i);
            int to = split(rows, threads, i + 1);
            if (from < to) {
                w.multiplyRows(x, from, to, out);
            }
        });
    }

    /**
     * Several matrices that read the same input in one dispatch (q/k/v, gate/up): fewer barriers.
     * {@code outs[i]} receives the result of {@code ws[i]} as {@link #multiply(WorkerTeam, WeightTensor, Activations, float[])}
     * would write it. The rows of all matrices together are split evenly across the team.
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
        long all = total;
        team.run(member -> {
            long from = all * member / threads;
            long to = all * (member + 1) / threads;
            long base = 0;
            for (int i = 0; i < ws.length && base < to; i++) {
                long end = base + ws[i].rows();
                long a = Math.max(from, base);
                long b = Math.min(to, end);
                if (a < b) {
                    ws[i].multiplyRows(x, (int) (a - base), (int) (b - base), outs[i]);
                }
                base = end;
            }
        });
    }

    /** Start of member {@code i}'s share of {@code rows} split {@code parts} ways. */
    static int split(int rows, int parts, int i) {
        return (int) ((long) rows * i / parts);
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
