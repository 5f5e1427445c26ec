package io.jknife.java.model;

import io.jknife.java.parallel.Parallel;
import io.jknife.java.weights.Kernels;
import io.jknife.java.weights.Linear;

import java.util.Arrays;
import java.util.List;

/**
 * The forward pass of the Llama-family decoders: tokens at consecutive positions in, logits out,
 * keys and values kept in a {@link KvCache}. Prompts go through in batches of up to
 * {@link #maxBatch} tokens, each matrix multiplied once for the whole batch. All scratch memory is
 * allocated here, once; a forward pass allocates nothing per token. Not thread-safe: one pass at a time.
 *
 * <h2>Sequences</h2>
 * The KV cache holds independent sequences (numbered from 0, each created when first used, each
 * growing as it fills). {@link #forward(int[], int, int, int)} and the other single-sequence methods
 * run on the sequence {@link #useSequence} chose (0 at first); {@link #forward(Rows)} runs rows of
 * several sequences in one pass, so each weight is read once for all of them (parallel decoding).
 */
public final class Transformer {
    /** Multiply-adds below which element-wise work and attention stay on the calling thread. */
    private static final long PARALLEL_WORK = 1 << 20;

    private final ModelConfig c;
    private final ModelWeights w;
    private final Kernels kernels;
    private final Parallel par;
    private final int contextSize;
    private final int maxBatch;
    /** One cache per sequence, created on first use. */
    private KvCache[] caches = new KvCache[0];
    /** The sequence of the single-sequence methods. */
    private int sequence;
    /** Each row's position and sequence in the current batch. */
    private final int[] rowPos;
    private final KvCache[] rowCache;
    private final Rope ropeGlobal;
    private final Rope ropeLocal;

    // scratch, [token * width + i]
    private final float[] x;
    private final float[] xb;
    private final float[] q;
    private final float[] k;
    private final float[] v;
    private final float[] qkv;
    private final float[] att;
    private final float[] o;
    private final float[] gate;
    private final float[] up;
    private final float[] hb;
    private final float[] last;
    private final float[] logits;
    private float[] allLogits = new float[0];
    // a bidirectional span's hidden states and queries between its layer-major sub-batches, grown on first use
    private float[] spanX = new float[0];
    private float[] spanQ = new float[0];
    private final ThreadLocal<float[]> scores;

    private final Linear[][] attnIn;
    private final float[][] attnOut;
    private final Linear[][] ffnIn;
    private final float[][] ffnOut;

    Transformer(ModelConfig c, ModelWeights w, Kernels kernels, int contextSize, int maxBatch) {
        this.c = c;
        this.w = w;
        this.kernels = kernels;
        this.par = kernels.parallel();
        this.contextSize = contextSize;
        this.maxBatch = maxBatch;
        this.rowPos = new int[maxBatch];
        this.rowCache = new KvCache[maxBatch];
        this.ropeGlobal = new Rope(c.ropeDims(), c.neoxRope(), c.ropeBase(), c.ropeScale(), w.ropeFactors(),
                c.ropeAttnFactor(), contextSize);
        boolean localDiffers = c.ropeBaseLocal() != c.ropeBase() || c.ropeScaleLocal() != c.ropeScale();
        this.ropeLocal = localDiffers
                ? new Rope(c.ropeDims(), c.neoxRope(), c.ropeBaseLocal(), c.ropeScaleLocal(), null, 1f, contextSize)
                : ropeGlobal;
        int b = maxBatch;
        this.x = new float[b * c.dim()];
        this.xb = new float[b * Math.max(c.dim(), c.ffn())];
        this.q = new float[b * c.qDim()];
        this.k = new float[b * c.kvDim()];
        this.v = new float[b * c.vDim()];
        boolean fusedQkv = w.layers()[0].qkv() != null;
        this.qkv = new float[fusedQkv ? b * (c.qDim() + c.kvDim() + c.vDim()) : 0];
        this.att = new float[b * c.attnOutDim()];
        this.o = new float[b * c.dim()];
        boolean fusedFfn = w.layers()[0].gateUp() != null;
        this.gate = new float[b * c.ffn() * (fusedFfn ? 2 : 1)];
        this.up = new float[fusedFfn ? 0 : b * c.ffn()];
        this.hb = new float[b * c.ffn()];
        this.last = new float[c.dim()];
        this.logits = new float[w.vocab()];
        this.scores = ThreadLocal.withInitial(() -> new float[contextSize]);
        int n = c.layers();
        this.attnIn = new Linear[n][];
        this.ffnIn = new Linear[n][];
        for (int l = 0; l < n; l++) {
            LayerWeights lw = w.layers()[l];
            attnIn[l] = lw.qkv() != null ? new Linear[]{lw.qkv()} : new Linear[]{lw.q(), lw.k(), lw.v()};
            ffnIn[l] = lw.gateUp() != null ? new Linear[]{lw.gateUp()} : new Linear[]{lw.gate(), lw.up()};
        }
        this.attnOut = fusedQkv ? new float[][]{qkv} : new float[][]{q, k, v};
        this.ffnOut = fusedFfn ? new float[][]{gate} : new float[][]{gate, up};
    }

    public ModelConfig config() {
        return c;
    }

    public int vocabularySize() {
        return w.vocab();
    }

    public int contextSize() {
        return contextSize;
    }

    public int maxBatch() {
        return maxBatch;
    }

    /** Makes {@code sequence} the one {@link #forward(int[], int, int, int)} and the other single-sequence methods run on. */
    public void useSequence(int sequence) {
        cache(sequence);
        this.sequence = sequence;
    }

    /** The cache of {@code sequence}, created when first used (it takes memory only as it fills). */
    private KvCache cache(int sequence) {
        if (sequence < 0) {
            throw new IllegalArgumentException("a sequence number must be >= 0, got " + sequence);
        }
        if (sequence >= caches.length) {
            caches = Arrays.copyOf(caches, sequence + 1);
        }
        if (caches[sequence] == null) {
            caches[sequence] = new KvCache(c.layers(), c.kvHeads(), c.headDimK(), contextSize);
        }
        return caches[sequence];
    }

    /** Rows {@code [0, n)} of the batch are the chosen sequence's positions {@code pos, pos + 1, ...}. */
    private void consecutiveRows(int n, int pos) {
        KvCache cache = cache(sequence);
        for (int t = 0; t < n; t++) {
            rowPos[t] = pos + t;
            rowCache[t] = cache;
        }
    }

    /**
     * One batch of rows of any sequences: row {@code i} is token {@code tokens[i]} at position
     * {@code positions[i]} of sequence {@code sequences[i]}; rows with {@code logits[i]} set get
     * their logits. Build it with {@link #add}, which numbers the outputs, and run it with
     * {@link Transformer#forward(Rows)}, which returns output {@code i} at {@code [i * vocab, (i + 1) * vocab)}.
     */
    public static final class Rows {
        private final int[] tokens;
        private final int[] positions;
        private final int[] sequences;
        private final boolean[] wantLogits;
        private int size;
        private int outputs;

        /** Room for {@code capacity} rows (at most the transformer's {@link #maxBatch}). */
        public Rows(int capacity) {
            tokens = new int[capacity];
            positions = new int[capacity];
            sequences = new int[capacity];
            wantLogits = new boolean[capacity];
        }

        public void clear() {
            size = 0;
            outputs = 0;
        }

        public int size() {
            return size;
        }

        public int capacity() {
            return tokens.length;
        }

        /**
         * Adds a row; returns the index of its logits among this batch's outputs, or -1 without
         * logits. Rows of one sequence must follow each other at consecutive positions that
         * continue what its cache holds.
         */
        public int add(int token, int position, int sequence, boolean logits) {
            if (size == tokens.length) {
                throw new IllegalStateException("the batch is full (" + size + " rows)");
            }
            tokens[size] = token;
            positions[size] = position;
            sequences[size] = sequence;
            wantLogits[size] = logits;
            size++;
            return logits ? outputs++ : -1;
        }
    }

    /**
     * Runs a batch of rows of several sequences through every layer (each row attends to its own
     * sequence only); returns the logits of the rows that asked for them, output {@code i} at
     * {@code [i * vocab, (i + 1) * vocab)}: an internal array, valid until the next call.
     */
    public float[] forward(Rows rows) {
        int n = rows.size;
        if (n == 0 || n > maxBatch) {
            throw new IllegalArgumentException("a batch holds 1 to " + maxBatch + " rows, got " + n);
        }
        int dim = c.dim();
        for (int t = 0; t < n; t++) {
            int pos = rows.positions[t];
            if (pos < 0 || pos >= contextSize) {
                throw new IllegalArgumentException("position " + pos + " is outside a context of " + contextSize);
            }
            embedRow(rows.tokens[t], t);
            rowPos[t] = pos;
            rowCache[t] = cache(rows.sequences[t]);
        }
        layers(n);
        int vocab = w.vocab();
        if (allLogits.length < rows.outputs * vocab) {
            allLogits = new float[rows.outputs * vocab];
        }
        int out = 0;
        for (int t = 0; t < n; t++) {
            if (rows.wantLogits[t]) {
                VectorMath.rmsNorm(x, t * dim, w.outputNorm(), xb, out++ * dim, dim, c.rmsEps());
            }
        }
        if (out > 0) {
            kernels.multiply(xb, out, w.output(), allLogits);
            for (int i = 0; i < out; i++) {
                finishLogits(allLogits, i * vocab);
            }
        }
        return allLogits;
    }

    /**
     * Runs {@code n} tokens of {@code tokens} from {@code off} at positions {@code pos, pos+1, ...}
     * (the cache must hold positions {@code [0, pos)}), and returns the logits after the last one:
     * an internal array, valid until the next call.
     */
    public float[] forward(int[] tokens, int off, int n, int pos) {
        check(n, pos);
        for (int done = 0; done < n; ) {
            int m = Math.min(maxBatch, n - done);
            batch(tokens, off + done, m, pos + done);
            done += m;
        }
        return lastLogits(n);
    }

    /**
     * Like {@link #forward} but the {@code n} input rows are given: {@code embeddings[t * dim, (t + 1) * dim)}
     * is the first layer's input at position {@code pos + t} (a token's row as {@link #embed} gives it,
     * or an image feature projected into the text model's width). Same cache, batches and result.
     */
    public float[] forwardEmbeddings(float[] embeddings, int n, int pos) {
        check(n, pos);
        int dim = c.dim();
        if (embeddings.length < (long) n * dim) {
            throw new IllegalArgumentException(n + " rows of " + dim + " need " + (long) n * dim
                    + " values, got " + embeddings.length);
        }
        for (int done = 0; done < n; ) {
            int m = Math.min(maxBatch, n - done);
            System.arraycopy(embeddings, done * dim, x, 0, m * dim);
            consecutiveRows(m, pos + done);
            layers(m);
            done += m;
        }
        return lastLogits(n);
    }

    /**
     * Positions {@code [start, end)} whose rows attend to each other in both directions (Gemma 3's
     * image rows): each also sees the span's later rows; everything else stays causal.
     */
    public record Span(int start, int end) {
        public Span {
            if (start < 0 || end <= start) {
                throw new IllegalArgumentException("a span needs 0 <= start < end, got [" + start + ", " + end + ")");
            }
        }
    }

    /**
     * {@link #forwardEmbeddings(float[], int, int)} with the rows of each span of {@code bidirectional}
     * (sorted, disjoint, inside {@code [pos, pos + n)}) attending to the whole span. A span runs layer by
     * layer over all its rows (every row's keys cached before any of them attends), in sub-batches of
     * {@link #maxBatch}, so it may be longer than a batch; the other rows run as {@link #forwardEmbeddings}
     * runs them. No spans: exactly {@link #forwardEmbeddings(float[], int, int)}.
     */
    public float[] forwardEmbeddings(float[] embeddings, int n, int pos, List<Span> bidirectional) {
        if (bidirectional.isEmpty()) {
            return forwardEmbeddings(embeddings, n, pos);
        }
        check(n, pos);
        int dim = c.dim();
        if (embeddings.length < (long) n * dim) {
            throw new IllegalArgumentException(n + " rows of " + dim + " need " + (long) n * dim
                    + " values, got " + embeddings.length);
        }
        int next = pos;
        for (Span s : bidirectional) {
            if (s.start() < next || s.end() > pos + n) {
                throw new IllegalArgumentException("span [" + s.start() + ", " + s.end() + ") is not inside positions ["
                        + pos + ", " + (pos + n) + ") after the previous span");
            }
            next = s.end();
        }
        int done = 0;
        int lastRow = 0;
        for (Span s : bidirectional) {
            lastRow = causalRows(embeddings, done, s.start() - pos - done, pos + done, lastRow);
            done = s.start() - pos;
            lastRow = spanRows(embeddings, done, s.end() - s.start(), s.start());
            done = s.end() - pos;
        }
        lastRow = causalRows(embeddings, done, n - done, pos + done, lastRow);
        return logitsOf(lastRow);
    }

    /**
     * Rows {@code [off, off + n)} of {@code embeddings} in ordinary batches; returns the index in
     * {@link #x} of the last one's hidden state ({@code lastRow} when there are none).
     */
    private int causalRows(float[] embeddings, int off, int n, int pos, int lastRow) {
        int dim = c.dim();
        for (int done = 0; done < n; ) {
            int m = Math.min(maxBatch, n - done);
            System.arraycopy(embeddings, (off + done) * dim, x, 0, m * dim);
            consecutiveRows(m, pos + done);
            layers(m);
            done += m;
            lastRow = m - 1;
        }
        return lastRow;
    }

    /**
     * Rows {@code [off, off + n)} of {@code embeddings}, one bidirectional span at positions
     * {@code [pos, pos + n)}: per layer, first every sub-batch's keys and values into the cache (queries
     * kept in {@link #spanQ}), then every sub-batch's attention over the whole span and its MLP.
     */
    private int spanRows(float[] embeddings, int off, int n, int pos) {
        int dim = c.dim();
        int qDim = c.qDim();
        if (spanX.length < n * dim) {
            spanX = new float[n * dim];
            spanQ = new float[n * qDim];
        }
        System.arraycopy(embeddings, off * dim, spanX, 0, n * dim);
        int lastRow = 0;
        for (int l = 0; l < c.layers(); l++) {
            for (int done = 0; done < n; done += maxBatch) {
                int m = Math.min(maxBatch, n - done);
                System.arraycopy(spanX, done * dim, x, 0, m * dim);
                consecutiveRows(m, pos + done);
                project(l, m);
                System.arraycopy(q, 0, spanQ, done * qDim, m * qDim);
            }
            for (int done = 0; done < n; done += maxBatch) {
                int m = Math.min(maxBatch, n - done);
                System.arraycopy(spanX, done * dim, x, 0, m * dim);
                System.arraycopy(spanQ, done * qDim, q, 0, m * qDim);
                consecutiveRows(m, pos + done);
                attend(l, m, pos, pos + n);
                feedForward(l, m);
                System.arraycopy(x, 0, spanX, done * dim, m * dim);
                lastRow = m - 1;
            }
        }
        return lastRow;
    }

    /** The width of a row of {@link #forwardEmbeddings} (the model's hidden size). */
    public int embeddingLength() {
        return c.dim();
    }

    /** Token {@code token}'s input row as {@link #forward} feeds it (scaled as the family does), into {@code dst[off..]}. */
    public void embed(int token, float[] dst, int off) {
        if (token < 0 || token >= w.vocab()) {
            throw new IllegalArgumentException("token id " + token + " is outside the vocabulary of " + w.vocab());
        }
        w.embeddings().row(token, dst, off);
        if (c.embedScale() != 1f) {
            VectorMath.scale(dst, off, c.dim(), c.embedScale());
        }
    }

    /** The logits after the last of {@code n} rows just run (its hidden state is the last batch's). */
    private float[] lastLogits(int n) {
        return logitsOf((n - 1) % maxBatch);
    }

    /** The logits after the hidden state in row {@code lastRow} of {@link #x}. */
    private float[] logitsOf(int lastRow) {
        System.arraycopy(x, lastRow * c.dim(), last, 0, c.dim());
        VectorMath.rmsNorm(last, 0, w.outputNorm(), last, 0, c.dim(), c.rmsEps());
        kernels.multiply(last, 1, w.output(), logits);
        finishLogits(logits, 0);
        return logits;
    }

    /** Like {@link #forward} but returns the logits after every token ({@code result[i]} follows token {@code off + i}). */
    public float[][] forwardAll(int[] tokens, int off, int n, int pos) {
        check(n, pos);
        float[][] out = new float[n][];
        int vocab = w.vocab();
        for (int done = 0; done < n; ) {
            int m = Math.min(maxBatch, n - done);
            batch(tokens, off + done, m, pos + done);
            for (int t = 0; t < m; t++) {
                VectorMath.rmsNorm(x, t * c.dim(), w.outputNorm(), xb, t * c.dim(), c.dim(), c.rmsEps());
            }
            if (allLogits.length < m * vocab) {
                allLogits = new float[m * vocab];
            }
            kernels.multiply(xb, m, w.output(), allLogits);
            for (int t = 0; t < m; t++) {
                finishLogits(allLogits, t * vocab);
                out[done + t] = Arrays.copyOfRange(allLogits, t * vocab, (t + 1) * vocab);
            }
            done += m;
        }
        return out;
    }

    private void check(int n, int pos) {
        if (n <= 0 || pos < 0 || pos + n > contextSize) {
            throw new IllegalArgumentException(n + " tokens at position " + pos + " do not fit a context of " + contextSize);
        }
    }

    private void finishLogits(float[] l, int off) {
        int vocab = w.vocab();
        if (w.outputBias() != null) {
            for (int i = 0; i < vocab; i++) {
                l[off + i] += w.outputBias()[i];
            }
        }
        float cap = c.finalSoftcap();
        if (cap > 0) {
            for (int i = 0; i < vocab; i++) {
                l[off + i] = cap * (float) Math.tanh(l[off + i] / cap);
            }
        }
    }

    /** One batch of at most maxBatch tokens of the chosen sequence through every layer; the hidden states end in {@link #x}. */
    private void batch(int[] tokens, int off, int n, int pos) {
        for (int t = 0; t < n; t++) {
            embedRow(tokens[off + t], t);
        }
        consecutiveRows(n, pos);
        layers(n);
    }

    /** Token {@code token}'s input row into row {@code t} of {@link #x}. */
    private void embedRow(int token, int t) {
        int dim = c.dim();
        if (token < 0 || token >= w.vocab()) {
            throw new IllegalArgumentException("token id " + token + " is outside the vocabulary of " + w.vocab());
        }
        w.embeddings().row(token, x, t * dim);
        if (c.embedScale() != 1f) {
            VectorMath.scale(x, t * dim, dim, c.embedScale());
        }
    }

    /** The {@code n} input rows in {@link #x} (positions and caches in {@link #rowPos}, {@link #rowCache}) through every layer. */
    private void layers(int n) {
        for (int l = 0; l < c.layers(); l++) {
            project(l, n);
            attend(l, n, 0, 0);
            feedForward(l, n);
        }
    }

    /** The {@code n} rows of {@link #x} to queries in {@link #q} and keys and values in their caches. */
    private void project(int l, int n) {
        LayerWeights lw = w.layers()[l];
        int dim = c.dim();
        int qDim = c.qDim();
        int kvDim = c.kvDim();
        int hd = c.headDimK();
        for (int t = 0; t < n; t++) {
            VectorMath.rmsNorm(x, t * dim, lw.attnNorm(), xb, t * dim, dim, c.rmsEps());
        }
        kernels.multiply(xb, n, attnIn[l], attnOut);
        if (lw.qkv() != null) {
            int width = qDim + kvDim + c.vDim();
            for (int t = 0; t < n; t++) {
                System.arraycopy(qkv, t * width, q, t * qDim, qDim);
                System.arraycopy(qkv, t * width + qDim, k, t * kvDim, kvDim);
                System.arraycopy(qkv, t * width + qDim + kvDim, v, t * c.vDim(), c.vDim());
            }
        }
        Rope rope = c.isSliding(l) ? ropeLocal : ropeGlobal;
        for (int t = 0; t < n; t++) {
            addBias(q, t * qDim, lw.qBias());
            addBias(k, t * kvDim, lw.kBias());
            addBias(v, t * c.vDim(), lw.vBias());
            if (lw.qNorm() != null) {
                for (int h = 0; h < c.heads(); h++) {
                    VectorMath.rmsNorm(q, t * qDim + h * hd, lw.qNorm(), q, t * qDim + h * hd, hd, c.rmsEps());
                }
                for (int h = 0; h < c.kvHeads(); h++) {
                    VectorMath.rmsNorm(k, t * kvDim + h * hd, lw.kNorm(), k, t * kvDim + h * hd, hd, c.rmsEps());
                }
            }
            rope.apply(q, t * qDim, c.heads(), hd, rowPos[t]);
            rope.apply(k, t * kvDim, c.kvHeads(), hd, rowPos[t]);
            rowCache[t].put(l, rowPos[t], k, t * kvDim, v, t * c.vDim());
        }
    }

    /**
     * Attention of the {@link #q} rows over their caches, the output projection and the residual;
     * rows inside {@code [spanStart, spanEnd)} also see the span's later positions (an empty span,
     * {@code spanEnd == 0}: causal).
     */
    private void attend(int l, int n, int spanStart, int spanEnd) {
        LayerWeights lw = w.layers()[l];
        int dim = c.dim();
        int hd = c.headDimK();
        int heads = c.heads();
        int seen = spanEnd;
        for (int t = 0; t < n; t++) {
            seen = Math.max(seen, rowPos[t] + 1);
        }
        // a hand-off costs more than a short context's attention: split only when there is real work
        long work = (long) n * heads * seen * hd;
        int tasks = n * heads;
        int grain = work < PARALLEL_WORK ? tasks : Math.max(1, tasks / (par.threads() * 4));
        par.range(tasks, grain, (from, to) -> {
            float[] s = scores.get();
            for (int i = from; i < to; i++) {
                headAttention(l, i / heads, i % heads, spanStart, spanEnd, s);
            }
        });
        kernels.multiply(att, n, lw.out(), o);
        for (int t = 0; t < n; t++) {
            addBias(o, t * dim, lw.outBias());
            if (lw.postAttnNorm() != null) {
                VectorMath.rmsNorm(o, t * dim, lw.postAttnNorm(), o, t * dim, dim, c.rmsEps());
            }
        }
        VectorMath.add(x, o, n * dim);
    }

    /**
     * Attention of row {@code t} (at {@code rowPos[t]} of its sequence), query head {@code h}, into {@link #att};
     * inside the span {@code [spanStart, spanEnd)} the visible keys also take in the whole span (the union of
     * the causal or sliding window and the span is one interval, as it holds this position).
     */
    private void headAttention(int l, int t, int h, int spanStart, int spanEnd, float[] s) {
        int hd = c.headDimK();
        int g = h / (c.heads() / c.kvHeads());
        KvCache cache = rowCache[t];
        int p1 = rowPos[t];
        int p0 = c.isSliding(l) ? Math.max(0, p1 - c.slidingWindow() + 1) : 0;
        if (p1 >= spanStart && p1 < spanEnd) {
            p0 = Math.min(p0, spanStart);
            p1 = spanEnd - 1;
        }
        int qOff = t * c.qDim() + h * hd;
        float scale = c.queryScale();
        float cap = c.attnSoftcap();
        float max = Float.NEGATIVE_INFINITY;
        for (int p = p0; p <= p1; ) {
            int block = p / KvCache.BLOCK;
            int end = Math.min(p1, (block + 1) * KvCache.BLOCK - 1);
            float[] keys = cache.keys(l, block);
            for (; p <= end; p++) {
                float score = VectorMath.dot(q, qOff, keys, cache.offset(g, p), hd) * scale;
                if (cap > 0) {
                    score = cap * (float) Math.tanh(score / cap);
                }
                s[p] = score;
                max = Math.max(max, score);
            }
        }
        float sum = 0;
        for (int p = p0; p <= p1; p++) {
            float e = (float) Math.exp(s[p] - max);
            s[p] = e;
            sum += e;
        }
        int outOff = t * c.attnOutDim() + h * c.headDimV();
        Arrays.fill(att, outOff, outOff + hd, 0f);
        float inv = 1f / sum;
        for (int p = p0; p <= p1; ) {
            int block = p / KvCache.BLOCK;
            int end = Math.min(p1, (block + 1) * KvCache.BLOCK - 1);
            float[] values = cache.values(l, block);
            for (; p <= end; p++) {
                VectorMath.axpy(s[p] * inv, values, cache.offset(g, p), att, outOff, hd);
            }
        }
    }

    private void feedForward(int l, int n) {
        LayerWeights lw = w.layers()[l];
        int dim = c.dim();
        int ff = c.ffn();
        for (int t = 0; t < n; t++) {
            VectorMath.rmsNorm(x, t * dim, lw.ffnNorm(), xb, t * dim, dim, c.rmsEps());
        }
        kernels.multiply(xb, n, ffnIn[l], ffnOut);
        boolean fused = lw.gateUp() != null;
        boolean gelu = c.gelu();
        float[] u = fused ? gate : up;
        // split by whole 256-value pieces of every token's row, so that a single token uses every thread too
        int pieces = (ff + 255) / 256;
        int grain = (long) n * ff < PARALLEL_WORK / 8 ? n * pieces : Math.max(1, n * pieces / (par.threads() * 2));
        par.range(n * pieces, grain, (from, to) -> {
            for (int i = from; i < to; i++) {
                int t = i / pieces;
                int start = (i % pieces) * 256;
                int len = Math.min(256, ff - start);
                int gOff = (fused ? t * 2 * ff : t * ff) + start;
                int uOff = (fused ? t * 2 * ff + ff : t * ff) + start;
                VectorMath.gatedActivation(gelu, gate, gOff, u, uOff, hb, t * ff + start, len);
            }
        });
        kernels.multiply(hb, n, lw.down(), o);
        if (lw.postFfnNorm() != null) {
            for (int t = 0; t < n; t++) {
                VectorMath.rmsNorm(o, t * dim, lw.postFfnNorm(), o, t * dim, dim, c.rmsEps());
            }
        }
        VectorMath.add(x, o, n * dim);
    }

    private static void addBias(float[] y, int off, float[] bias) {
        if (bias != null) {
            for (int i = 0; i < bias.length; i++) {
                y[off + i] += bias[i];
            }
        }
    }
}
