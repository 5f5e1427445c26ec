package io.jknife.llamacpp;

import io.jknife.engine.FinishReason;
import io.jknife.engine.Generation;
import io.jknife.engine.SingleRunGeneration;
import io.jknife.engine.TokenOutbox;
import io.jknife.engine.GenerationRequest;
import io.jknife.engine.GenerationResult;
import io.jknife.engine.LoadedModel;
import io.jknife.engine.SamplingParams;
import io.jknife.engine.Usage;
import io.jknife.llamacpp.ffi.LlamaNative;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.BitSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * A GGUF model loaded in llama.cpp: the weights (memory-mapped), one context (KV cache) and the
 * vocabulary. Created by {@link LlamaCppEngine#load}.
 *
 * <h2>Threading</h2>
 * Up to {@link #parallel()} generations run at once, in slots of one context (continuous batching,
 * {@link SlotScheduler}): each {@link Generation#stream} call receives its own pieces on its own
 * thread; further calls wait for a free slot, in arrival order. With one slot, one generation runs
 * at a time, as before. {@link #tokenize} and {@link #detokenize} may run at any time from any thread.
 * {@link Generation#cancel()} may be called from any thread and stops the generation within one
 * token, and during prompt processing within one graph node (llama.cpp's abort callback; also
 * while generating when a single step takes longer than {@value #SLOW_STEP_NANOS} ns); the other
 * slots go on. {@link #close()} cancels every running and waiting generation, waits for them, then
 * frees all native memory; it is idempotent, and every later call fails with {@link IllegalStateException}.
 *
 * <h2>Prompts</h2>
 * A text prompt is tokenized with special tokens parsed, and gets the model's BOS when the model
 * asks for one ({@code tokenizer.ggml.add_bos_token}) unless the text already starts with it. A
 * token prompt is decoded exactly as given. With one slot the KV cache keeps the previous
 * conversation: a prompt that starts with the previous prompt and answer only processes the new
 * tokens. The same request twice gives the same output; the prompt's last token is always decoded
 * in a step of its own so that a cached and a fresh prompt compute identical logits. Requests
 * running beside others are batched with them: llama.cpp's results then may differ in the last bits
 * from a run alone (see {@code docs/PERFORMANCE.md}).
 *
 * <h2>Output</h2>
 * Pieces are whole characters; special (control) tokens are never shown; the generation stops at
 * any end-of-generation token of the model ({@link #endOfGenerationTokens()}, not counted in
 * {@link Usage#completionTokens()}), at a stop string (not included), at {@code maxTokens}, or
 * when the context is full ({@link FinishReason#LENGTH}).
 */
public final class LlamaCppModel implements LoadedModel {
    private static final byte[] NO_BYTES = new byte[0];
    /** Tokens of recent context the repeat penalty looks at (llama.cpp's default). */
    static final int PENALTY_LAST_N = 64;
    /**
     * A decode step slower than this keeps the abort callback installed while generating, so that
     * cancel() interrupts a step; faster steps are cancelled between tokens, without calling into
     * Java after every graph node (where a JVM safepoint would stall the native threads).
     */
    static final long SLOW_STEP_NANOS = 250_000_000L;

    private final LlamaNative nat;
    private final String name;
    private final MemorySegment model;
    private final MemorySegment ctx;
    private final MemorySegment vocab;
    private final Arena arena;
    private final AbortSignal abortSignal;
    private final MemorySegment abortStub;
    private final int contextSize;
    private final int parallel;
    private final int vocabSize;
    private final VocabText vocabText;
    private final int threads;
    private final BitSet eog = new BitSet();
    private final List<Integer> eogList;
    private final boolean addsBos;
    private final int bos;

    private final ReentrantReadWriteLock life = new ReentrantReadWriteLock();
    /** Streams hold it shared; {@link #withEmptyContext} exclusively (no generation runs meanwhile). */
    private final ReentrantReadWriteLock exclusive = new ReentrantReadWriteLock();
    private final AtomicBoolean closeRequested = new AtomicBoolean();
    private final AtomicBoolean freed = new AtomicBoolean();
    private volatile boolean closed;
    /** Generations in {@link Generation#stream}, running or waiting for a slot: close() cancels them. */
    private final Set<Gen> live = ConcurrentHashMap.newKeySet();
    private final SlotScheduler scheduler;

    /**
     * @param parallel the context's sequences ({@code n_seq_max}): its {@code n_ctx} is split evenly
     *                 between that many slots
     */
    LlamaCppModel(LlamaNative nat, String name, MemorySegment model, MemorySegment ctx, Arena arena,
                  AbortSignal abortSignal, MemorySegment abortStub, int threads, int parallel) {
        this.nat = nat;
        this.name = name;
        this.model = model;
        this.ctx = ctx;
        this.arena = arena;
        this.abortSignal = abortSignal;
        this.abortStub = abortStub;
        this.threads = threads;
        this.vocab = nat.vocab(model);
        this.parallel = parallel;
        this.contextSize = nat.contextSize(ctx) / parallel;
        this.vocabSize = nat.vocabSize(vocab);
        this.vocabText = new VocabText(nat, vocab, vocabSize);
        this.addsBos = nat.addsBos(vocab);
        this.bos = nat.bos(vocab);
        for (int t = 0; t < vocabSize; t++) {
            if (nat.isEog(vocab, t)) {
                eog.set(t);
            }
        }
        // llama.cpp's EOG set includes eos and eot; name them explicitly in case a build does not
        for (int t : new int[]{nat.eos(vocab), nat.eot(vocab)}) {
            if (t >= 0 && t < vocabSize) {
                eog.set(t);
            }
        }
        this.eogList = eog.stream().boxed().toList();
        this.scheduler = new SlotScheduler(nat, ctx, name, parallel, contextSize, Math.max(1, nat.batchSize(ctx)),
                vocabSize, eog, abortStub, arena);
        abortSignal.bind(this);
    }

    @Override
    public String engine() {
        return LlamaCppEngine.ID;
    }

    /** The model's name as given at load (for messages). */
    public String name() {
        return name;
    }

    /** The context of one slot: each generation's prompt and output fit in it. */
    @Override
    public int contextSize() {
        return contextSize;
    }

    /** Generations that run at once (slots); more wait for a free one. */
    @Override
    public int parallel() {
        return parallel;
    }

    /** CPU threads used for generation and prompt processing. */
    public int threads() {
        return threads;
    }

    /** Tokens in the vocabulary. */
    public int vocabularySize() {
        return vocabSize;
    }

    /** Whether {@link #tokenize} puts the model's BOS token first. */
    public boolean addsBos() {
        return addsBos;
    }

    @Override
    public List<Integer> endOfGenerationTokens() {
        return eogList;
    }

    /** Grammars are applied with {@code llama_sampler_init_grammar}, first in the sampler chain. */
    @Override
    public boolean supportsGrammar() {
        return true;
    }

    /**
     * Token ids of {@code text}, with the model's BOS first when the model asks for one (as
     * llama.cpp tokenizes prompts; {@code tokenize("", ...)} is then exactly {@code [BOS]}).
     */
    @Override
    public int[] tokenize(String text, boolean parseSpecial) {
        life.readLock().lock();
        try {
            checkOpen();
            return tokenizeRaw(text, true, parseSpecial);
        } finally {
            life.readLock().unlock();
        }
    }

    @Override
    public String detokenize(int[] tokens) {
        life.readLock().lock();
        try {
            checkOpen();
            return vocabText.detokenize(tokens);
        } finally {
            life.readLock().unlock();
        }
    }

    /**
     * Prepares a generation: the prompt is tokenized and checked now.
     *
     * @throws IllegalArgumentException when the prompt is empty, does not fit the context, or has a token id outside the vocabulary
     * @throws IllegalStateException    when the model is closed
     */
    @Override
    public Generation generate(GenerationRequest request) {
        if (!request.images().isEmpty()) { // callers check vision() first; never drop the images silently
            throw new IllegalArgumentException("the llama.cpp engine of this build takes no images");
        }
        life.readLock().lock();
        try {
            checkOpen();
            int[] prompt;
            if (request.prompt() != null) {
                prompt = promptTokens(request.prompt());
            } else {
                prompt = request.promptTokens().clone();
                checkTokens(prompt);
            }
            if (prompt.length == 0) {
                throw new IllegalArgumentException("the prompt is empty (and the model adds no BOS token)");
            }
            if (prompt.length >= contextSize) {
                throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens; the context holds "
                        + contextSize + " (room is needed for at least one generated token)");
            }
            return new Gen(prompt, request);
        } finally {
            life.readLock().unlock();
        }
    }

    /**
     * Frees the context, the weights and the KV cache. Idempotent; cancels every running or waiting
     * generation and waits for them to end.
     */
    @Override
    public void close() {
        if (!closeRequested.compareAndSet(false, true)) {
            return;
        }
        closed = true;
        for (Gen g : live) {
            g.cancel();
        }
        if (life.getReadHoldCount() > 0) {
            return; // close() from inside this thread's stream(): freed when the stream ends
        }
        freeNative();
    }

    private void freeNative() {
        life.writeLock().lock();
        try {
            if (freed.compareAndSet(false, true)) {
                abortSignal.bind(null);
                scheduler.shutdown(); // no generation is left: its thread is idle
                nat.freeContext(ctx);
                nat.freeModel(model);
                arena.close();
            }
        } finally {
            life.writeLock().unlock();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the model " + name + " is closed");
        }
    }

    private void checkTokens(int[] tokens) {
        vocabText.check(tokens);
    }

    /** Prompt text → tokens: special tokens parsed, BOS added when the model wants one and the text has none. */
    private int[] promptTokens(String text) {
        int[] tokens = tokenizeRaw(text, true, true);
        // a template that writes the BOS itself and a tokenizer that adds one give two: keep one
        if (addsBos && tokens.length >= 2 && tokens[0] == bos && tokens[1] == bos) {
            int[] t = new int[tokens.length - 1];
            System.arraycopy(tokens, 1, t, 0, t.length);
            return t;
        }
        return tokens;
    }

    private int[] tokenizeRaw(String prompt, boolean addSpecial, boolean parseSpecial) {
        return vocabText.tokenize(prompt, addSpecial, parseSpecial);
    }

    /** Whether llama.cpp should abort the running decode (called from native code between graph nodes). */
    boolean abortRequested() {
        return scheduler.abortRequested();
    }

    /** Seeds are 64-bit for us, 32-bit for llama.cpp, where 0xFFFFFFFF means "pick a random seed". */
    static int nativeSeed(long seed) {
        int s = (int) (seed ^ (seed >>> 32));
        return s == -1 ? 0x5EED : s;
    }

    /**
     * One generation; {@link #stream} runs it once. The calling thread hands the request to the
     * {@link SlotScheduler}, then turns the token ids it posts into text (pieces, UTF-8, stop
     * strings) and calls {@code onText}, all on the caller's own thread.
     */
    private final class Gen extends SingleRunGeneration {
        private final int[] prompt;
        private final GenerationRequest request;

        Gen(int[] prompt, GenerationRequest request) {
            this.prompt = prompt;
            this.request = request;
        }

        @Override
        public GenerationResult stream(Consumer<String> onText) {
            startRun();
            life.readLock().lock();
            try {
                exclusive.readLock().lock();
                try {
                    live.add(this);
                    try {
                        checkOpen(); // after joining live: close() either sees this generation or it sees closed
                        return run(onText);
                    } finally {
                        live.remove(this);
                    }
                } finally {
                    exclusive.readLock().unlock();
                }
            } finally {
                life.readLock().unlock();
                endRun();
                if (closeRequested.get() && life.getReadHoldCount() == 0) {
                    freeNative(); // close() was called from inside onText
                }
            }
        }

        private GenerationResult run(Consumer<String> onText) {
            int limit = Math.min(request.maxTokens(), contextSize - prompt.length + 1);
            try (Arena a = Arena.ofConfined()) {
                MemorySegment sampler = sampler(a, request.sampling(), request.grammar());
                TokenOutbox outbox = new TokenOutbox(this);
                try {
                    scheduler.submit(new SlotRequest(prompt, limit, sampler, request.ignoreEndOfGeneration(), outbox));
                } catch (RuntimeException e) {
                    nat.samplerFree(sampler);
                    throw e;
                }
                MemorySegment[] piece = {a.allocate(256)};
                try {
                    // returns at the scheduler's end: it owns the sampler and the slot until then
                    return outbox.consume(prompt.length, request.stops(), token -> {
                        int n = nat.tokenToPiece(vocab, token, piece[0], (int) piece[0].byteSize(), false);
                        if (n < 0) {
                            piece[0] = a.allocate(-n);
                            n = nat.tokenToPiece(vocab, token, piece[0], (int) piece[0].byteSize(), false);
                        }
                        return n > 0 ? piece[0].asSlice(0, n).toArray(JAVA_BYTE) : NO_BYTES;
                    }, onText);
                } finally {
                    nat.samplerFree(sampler);
                }
            }
        }

        private MemorySegment sampler(Arena a, SamplingParams s, String grammar) {
            MemorySegment chain = nat.samplerChain(a);
            if (grammar != null) {
                // first: the samplers after it only see tokens the grammar allows
                LlamaNative.Grammar g = nat.samplerGrammar(vocab, grammar);
                if (!g.parsed()) {
                    if (!g.sampler().equals(MemorySegment.NULL)) {
                        nat.samplerFree(g.sampler());
                    }
                    nat.samplerFree(chain);
                    throw new IllegalArgumentException("llama.cpp could not parse the grammar"
                            + (g.errors().isEmpty() ? "" : ": " + String.join("; ", g.errors())));
                }
                nat.samplerAdd(chain, g.sampler());
            }
            boolean penalties = s.repeatPenalty() != 1.0;
            MemorySegment penalty = null;
            if (penalties) {
                penalty = nat.samplerPenalties(PENALTY_LAST_N, (float) s.repeatPenalty());
                nat.samplerAdd(chain, penalty);
            }
            if (s.isGreedy()) {
                nat.samplerAdd(chain, nat.samplerGreedy());
            } else {
                if (s.topK() > 0) {
                    nat.samplerAdd(chain, nat.samplerTopK(s.topK()));
                }
                if (s.topP() < 1.0) {
                    nat.samplerAdd(chain, nat.samplerTopP((float) s.topP()));
                }
                if (s.minP() > 0) {
                    nat.samplerAdd(chain, nat.samplerMinP((float) s.minP()));
                }
                nat.samplerAdd(chain, nat.samplerTemp((float) s.temperature()));
                nat.samplerAdd(chain, nat.samplerDist(nativeSeed(s.seed())));
            }
            if (penalties) {
                // the penalty looks at the prompt too, as llama.cpp's server does
                // (into the penalty sampler alone: a grammar must not see the prompt)
                for (int i = Math.max(0, prompt.length - PENALTY_LAST_N); i < prompt.length; i++) {
                    nat.samplerAccept(penalty, prompt[i]);
                }
            }
            return chain;
        }
    }

    /** The target of the context's abort callback, bound to its model once the model exists. */
    static final class AbortSignal {
        private volatile LlamaCppModel model;

        void bind(LlamaCppModel m) {
            this.model = m;
        }

        /** Upcall from llama.cpp: must never throw. */
        boolean check(MemorySegment data) {
            try {
                LlamaCppModel m = model;
                return m != null && m.abortRequested();
            } catch (Throwable t) {
                return false;
            }
        }
    }

    @Override
    public String toString() {
        return "LlamaCppModel[" + name + ", ctx=" + contextSize + ", parallel=" + parallel + ", threads=" + threads + "]";
    }

    /** Work on the raw context, for {@link LlamaCppLogits}. */
    interface ContextWork<T> {
        T run(LlamaNative nat, MemorySegment ctx, int vocabSize);
    }

    /**
     * Runs {@code work} on this model's context with an empty KV cache (emptied again afterwards),
     * while no generation runs. For {@link LlamaCppLogits}.
     */
    <T> T withEmptyContext(ContextWork<T> work) {
        life.readLock().lock();
        try {
            exclusive.writeLock().lock();
            try {
                checkOpen();
                nat.kvClear(ctx);
                scheduler.forgetCache();
                try {
                    return work.run(nat, ctx, vocabSize);
                } finally {
                    nat.kvClear(ctx);
                }
            } finally {
                exclusive.writeLock().unlock();
            }
        } finally {
            life.readLock().unlock();
        }
    }

    /** For tests: how many tokens slot 0's KV sequence holds. */
    int cachedTokenCount() {
        exclusive.writeLock().lock();
        try {
            return scheduler.cachedTokens();
        } finally {
            exclusive.writeLock().unlock();
        }
    }
}
