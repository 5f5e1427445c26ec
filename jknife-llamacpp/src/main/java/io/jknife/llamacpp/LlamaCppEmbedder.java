package io.jknife.llamacpp;

import io.jknife.engine.EmbeddingModel;
import io.jknife.engine.EngineException;
import io.jknife.engine.Generation;
import io.jknife.engine.GenerationRequest;
import io.jknife.engine.LoadedModel;
import io.jknife.llamacpp.ffi.LlamaNative;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * A GGUF embedding model loaded in llama.cpp (BERT-style encoders, and decoders converted with a
 * pooling type such as Qwen3-Embedding): a context created with {@code embeddings = true} and the
 * model's own pooling. Inputs are tokenized with the model's special tokens ([CLS]/[SEP], BOS/EOS
 * as the vocabulary asks), packed several to a batch as separate sequences, run with
 * {@code llama_encode} (encoder-only models) or {@code llama_decode}, and every vector is
 * L2-normalized, as OpenAI's embeddings are. A model without pooling ({@code pooling_type} none)
 * is mean-pooled here over its token embeddings. Rerankers (pooling rank) are refused at load.
 *
 * <p>Thread-safe: calls are serialized; {@link #close()} waits for a running batch.
 */
public final class LlamaCppEmbedder implements LoadedModel, EmbeddingModel {
    /** Inputs one batch may hold (the context's {@code n_seq_max}). */
    static final int MAX_SEQUENCES = 16;

    private final LlamaNative nat;
    private final String name;
    private final MemorySegment model;
    private final MemorySegment ctx;
    private final MemorySegment vocab;
    private final int contextSize;
    private final int dimensions;
    private final int pooling;
    private final boolean encoderOnly;
    private final int vocabSize;
    private final VocabText vocabText;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile boolean closed;

    LlamaCppEmbedder(LlamaNative nat, String name, MemorySegment model, MemorySegment ctx) {
        this.nat = nat;
        this.name = name;
        this.model = model;
        this.ctx = ctx;
        this.vocab = nat.vocab(model);
        this.contextSize = nat.contextSize(ctx);
        this.dimensions = nat.embeddingSize(model);
        this.pooling = nat.poolingType(ctx);
        this.encoderOnly = nat.hasEncoder(model) && !nat.hasDecoder(model);
        this.vocabSize = nat.vocabSize(vocab);
        this.vocabText = new VocabText(nat, vocab, vocabSize);
    }

    @Override
    public String engine() {
        return LlamaCppEngine.ID;
    }

    @Override
    public int contextSize() {
        return contextSize;
    }

    @Override
    public int dimensions() {
        return dimensions;
    }

    @Override
    public int maxInputTokens() {
        return contextSize;
    }

    /** llama.cpp's pooling of this context ({@link LlamaNative#POOLING_MEAN} ...). */
    public int pooling() {
        return pooling;
    }

    @Override
    public Optional<EmbeddingModel> embeddings() {
        return Optional.of(this);
    }

    /** Token ids of {@code text} with the special tokens the model adds to every input. */
    @Override
    public int[] tokenize(String text, boolean parseSpecial) {
        lock.lock();
        try {
            checkOpen();
            return tokenizeLocked(text, parseSpecial);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String detokenize(int[] tokens) {
        lock.lock();
        try {
            checkOpen();
            return vocabText.detokenize(tokens);
        } finally {
            lock.unlock();
        }
    }

    /** An embedding model does not generate text. */
    @Override
    public Generation generate(GenerationRequest request) {
        throw new UnsupportedOperationException(name + " is an embedding model; it does not generate text");
    }

    @Override
    public List<Integer> endOfGenerationTokens() {
        return List.of();
    }

    @Override
    public List<Embedding> embed(List<String> inputs) throws EngineException {
        lock.lock();
        try {
            checkOpen();
            List<int[]> tokens = new ArrayList<>(inputs.size());
            for (int i = 0; i < inputs.size(); i++) {
                String text = inputs.get(i);
                if (text == null || text.isEmpty()) {
                    throw new IllegalArgumentException("input " + i + " is empty");
                }
                // user text: written special tokens stay text
                int[] t = tokenizeLocked(text, false);
                if (t.length > contextSize) {
                    throw new IllegalArgumentException("input " + i + " has " + t.length + " tokens; " + name
                            + " embeds at most " + contextSize + " tokens per input");
                }
                tokens.add(t);
            }
            List<Embedding> out = new ArrayList<>(inputs.size());
            int start = 0;
            while (start < tokens.size()) {
                int end = start;
                int total = 0;
                while (end < tokens.size() && end - start < MAX_SEQUENCES && total + tokens.get(end).length <= contextSize) {
                    total += tokens.get(end).length;
                    end++;
                }
                out.addAll(runBatch(tokens.subList(start, end), total));
                start = end;
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** One llama.cpp batch: each input its own sequence, positions from 0, every token an output. */
    private List<Embedding> runBatch(List<int[]> inputs, int total) throws EngineException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment tok = a.allocate(JAVA_INT, total);
            MemorySegment pos = a.allocate(JAVA_INT, total);
            MemorySegment nSeq = a.allocate(JAVA_INT, total);
            MemorySegment seqIds = a.allocate(JAVA_INT, inputs.size());
            MemorySegment seqPtrs = a.allocate(ADDRESS, total);
            MemorySegment outputs = a.allocate(JAVA_BYTE, total);
            int k = 0;
            for (int s = 0; s < inputs.size(); s++) {
                seqIds.setAtIndex(JAVA_INT, s, s);
                MemorySegment seqId = seqIds.asSlice((long) s * Integer.BYTES, Integer.BYTES);
                int[] t = inputs.get(s);
                for (int i = 0; i < t.length; i++, k++) {
                    tok.setAtIndex(JAVA_INT, k, t[i]);
                    pos.setAtIndex(JAVA_INT, k, i);
                    nSeq.setAtIndex(JAVA_INT, k, 1);
                    seqPtrs.setAtIndex(ADDRESS, k, seqId);
                    outputs.set(JAVA_BYTE, k, (byte) 1);
                }
            }
            MemorySegment batch = a.allocate(LlamaNative.BATCH);
            LlamaNative.fillBatch(batch, total, tok, pos, nSeq, seqPtrs, outputs);
            nat.kvClear(ctx); // every batch starts from empty sequences
            int rc = encoderOnly ? nat.encode(ctx, batch) : nat.decode(ctx, batch);
            if (rc != 0) {
                nat.kvClear(ctx);
                throw new EngineException("llama.cpp failed to embed " + inputs.size() + " input(s) of " + name
                        + " (" + (encoderOnly ? "llama_encode" : "llama_decode") + " returned " + rc + ")");
            }
            List<Embedding> out = new ArrayList<>(inputs.size());
            int first = 0;
            for (int s = 0; s < inputs.size(); s++) {
                int n = inputs.get(s).length;
                float[] v = pooling == LlamaNative.POOLING_NONE ? meanOfTokens(first, n) : pooled(s);
                out.add(new Embedding(normalize(v), n));
                first += n;
            }
            nat.kvClear(ctx);
            return out;
        }
    }

    private float[] pooled(int seq) throws EngineException {
        MemorySegment p = nat.embeddingsSeq(ctx, seq);
        if (p.equals(MemorySegment.NULL)) {
            throw new EngineException("llama.cpp returned no pooled embedding for " + name);
        }
        return p.reinterpret((long) dimensions * Float.BYTES).toArray(JAVA_FLOAT);
    }

    private float[] meanOfTokens(int first, int n) throws EngineException {
        float[] sum = new float[dimensions];
        for (int i = first; i < first + n; i++) {
            MemorySegment p = nat.embeddingsIth(ctx, i);
            if (p.equals(MemorySegment.NULL)) {
                throw new EngineException("llama.cpp returned no token embedding for " + name);
            }
            MemorySegment row = p.reinterpret((long) dimensions * Float.BYTES);
            for (int d = 0; d < dimensions; d++) {
                sum[d] += row.getAtIndex(JAVA_FLOAT, d);
            }
        }
        for (int d = 0; d < dimensions; d++) {
            sum[d] /= n;
        }
        return sum;
    }

    /** Scales to unit length (a zero vector stays zero). */
    static float[] normalize(float[] v) {
        double sq = 0;
        for (float x : v) {
            sq += (double) x * x;
        }
        if (sq > 0) {
            float inv = (float) (1.0 / Math.sqrt(sq));
            for (int i = 0; i < v.length; i++) {
                v[i] *= inv;
            }
        }
        return v;
    }

    private int[] tokenizeLocked(String input, boolean parseSpecial) {
        return vocabText.tokenize(input, true, parseSpecial);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the model " + name + " is closed");
        }
    }

    /** Frees the context and the weights; idempotent, waits for a running batch. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            nat.freeContext(ctx);
            nat.freeModel(model);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "LlamaCppEmbedder[" + name + ", ctx=" + contextSize + ", dims=" + dimensions + ", pooling=" + pooling + "]";
    }
}
