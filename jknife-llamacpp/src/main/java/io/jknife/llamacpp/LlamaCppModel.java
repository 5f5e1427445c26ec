package io.jknife.llamacpp;

import io.jknife.engine.FinishReason;
import io.jknife.engine.Generation;
import io.jknife.engine.GenerationRequest;
import io.jknife.engine.GenerationResult;
import io.jknife.engine.LoadedModel;
import io.jknife.engine.SamplingParams;
import io.jknife.engine.Usage;
import io.jknife.llamacpp.ffi.LlamaNative;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * A GGUF model loaded in llama.cpp: the weights (memory-mapped), one context (KV cache) and the
 * vocabulary. Created by {@link LlamaCppEngine#load}.
 *
 * <h2>Threading</h2>
 * One generation runs at a time: {@link Generation#stream} waits for a running one to end.
 * {@link #tokenize} and {@link #detokenize} may run at any time from any thread.
 * {@link Generation#cancel()} may be called from any thread and stops the generation within one
 * token, and during prompt processing within one graph node (llama.cpp's abort callback; also
 * while generating when a single token takes longer than {@value #SLOW_STEP_NANOS} ns). {@link #close()}
 * cancels a running generation, waits for it, then frees all native memory; it is idempotent, and
 * every later call fails with {@link IllegalStateException}.
 *
 * <h2>Prompts</h2>
 * A text prompt is tokenized with special tokens parsed, and gets the model's BOS when the model
 * asks for one ({@code tokenizer.ggml.add_bos_token}) unless the text already starts with it. A
 * token prompt is decoded exactly as given. The KV cache keeps the previous conversation: a prompt
 * that starts with the previous prompt and answer only processes the new tokens. The same request
 * twice gives the same output; the prompt's last token is always decoded on its own so that a
 * cached and a fresh prompt compute identical logits.
 *
 * <h2>Output</h2>
 * Pieces are whole characters; special (control) tokens are never shown; the generation stops at
 * any end-of-generation token of the model ({@link #endOfGenerationTokens()}, not counted in
 * {@link Usage#completionTokens()}), at a stop string (not included), at {@code maxTokens}, or
 * when the context is full ({@link FinishReason#LENGTH}).
 */
public final class LlamaCppModel implements LoadedModel {
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
    /** Whether the context's abort callback is set now (guarded by generationLock). */
    private boolean abortInstalled = true;
    private final int contextSize;
    private final int batchSize;
    private final int vocabSize;
    private final int threads;
    private final BitSet eog = new BitSet();
    private final List<Integer> eogList;
    private final boolean addsBos;
    private final int bos;

    private final ReentrantReadWriteLock life = new ReentrantReadWriteLock();
    private final ReentrantLock generationLock = new ReentrantLock();
    private final AtomicBoolean closeRequested = new AtomicBoolean();
    private final AtomicBoolean freed = new AtomicBoolean();
    private volatile boolean closed;
    private volatile Gen active;

    /** The tokens whose keys and values are in the KV cache, in position order (guarded by generationLock). */
    private final int[] cachedTokens;
    private int cachedCount;

    LlamaCppModel(LlamaNative nat, String name, MemorySegment model, MemorySegment ctx, Arena arena,
                  AbortSignal abortSignal, MemorySegment abortStub, int threads) {
        this.nat = nat;
        this.name = name;
        this.model = model;
        this.ctx = ctx;
        this.arena = arena;
        this.abortSignal = abortSignal;
        this.abortStub = abortStub;
        this.threads = threads;
        this.vocab = nat.vocab(model);
        this.contextSize = nat.contextSize(ctx);
        this.batchSize = Math.max(1, nat.batchSize(ctx));
        this.vocabSize = nat.vocabSize(vocab);
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
        this.cachedTokens = new int[contextSize];
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

    @Override
    public int contextSize() {
        return contextSize;
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
            checkTokens(tokens);
            if (tokens.length == 0) {
                return "";
            }
            try (Arena a = Arena.ofConfined()) {
                MemorySegment in = a.allocateFrom(JAVA_INT, tokens);
                int max = tokens.length * 8 + 16;
                MemorySegment out = a.allocate(max);
                int n = nat.detokenize(vocab, in, tokens.length, out, max, false, true);
                if (n < 0) {
                    max = -n;
                    out = a.allocate(max);
                    n = nat.detokenize(vocab, in, tokens.length, out, max, false, true);
                }
                if (n < 0) {
                    throw new IllegalStateException("llama.cpp could not detokenize " + tokens.length + " tokens");
                }
                return new String(out.asSlice(0, n).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
            }
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

    /** Frees the context, the weights and the KV cache. Idempotent; cancels and waits for a running generation. */
    @Override
    public void close() {
        if (!closeRequested.compareAndSet(false, true)) {
            return;
        }
        closed = true;
        Gen g = active;
        if (g != null) {
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
        for (int t : tokens) {
            if (t < 0 || t >= vocabSize) {
                throw new IllegalArgumentException("token id " + t + " is outside the vocabulary of " + vocabSize + " tokens");
            }
        }
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

    private int[] tokenizeRaw(String text, boolean addSpecial, boolean parseSpecial) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment in = a.allocate(Math.max(1, utf8.length));
            MemorySegment.copy(utf8, 0, in, JAVA_BYTE, 0, utf8.length);
            int max = utf8.length + 8;
            MemorySegment out = a.allocate(JAVA_INT, max);
            int n = nat.tokenize(vocab, in, utf8.length, out, max, addSpecial, parseSpecial);
            if (n == Integer.MIN_VALUE) {
                throw new IllegalArgumentException("text too long to tokenize (" + utf8.length + " bytes)");
            }
            if (n < 0) {
                max = -n;
                out = a.allocate(JAVA_INT, max);
                n = nat.tokenize(vocab, in, utf8.length, out, max, addSpecial, parseSpecial);
            }
            if (n < 0) {
                throw new IllegalStateException("llama.cpp could not tokenize " + utf8.length + " bytes");
            }
            return out.asSlice(0, (long) n * Integer.BYTES).toArray(JAVA_INT);
        }
    }

    /** Whether the running generation wants llama.cpp to stop (called from native code between graph nodes). */
    boolean abortRequested() {
        Gen g = active;
        return g != null && g.stopRequested();
    }

    /** Seeds are 64-bit for us, 32-bit for llama.cpp, where 0xFFFFFFFF means "pick a random seed". */
    static int nativeSeed(long seed) {
        int s = (int) (seed ^ (seed >>> 32));
        return s == -1 ? 0x5EED : s;
    }

    /** One generation; {@link #stream} runs it once. */
    private final class Gen implements Generation {
        private final int[] prompt;
        private final GenerationRequest request;
        private final AtomicBoolean started = new AtomicBoolean();
        private volatile boolean cancelled;
        private volatile Thread thread;

        Gen(int[] prompt, GenerationRequest request) {
            this.prompt = prompt;
            this.request = request;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }

        boolean stopRequested() {
            Thread t = thread;
            return cancelled || (t != null && t.isInterrupted());
        }

        @Override
        public GenerationResult stream(Consumer<String> onText) {
            if (!started.compareAndSet(false, true)) {
                throw new IllegalStateException("this generation was already run");
            }
            thread = Thread.currentThread();
            life.readLock().lock();
            try {
                generationLock.lock();
                try {
                    checkOpen();
                    active = this;
                    try {
                        return run(onText);
                    } finally {
                        active = null;
                    }
                } finally {
                    generationLock.unlock();
                }
            } finally {
                life.readLock().unlock();
                thread = null;
                if (closeRequested.get() && life.getReadHoldCount() == 0) {
                    freeNative(); // close() was called from inside onText
                }
            }
        }

        private GenerationResult run(Consumer<String> onText) {
            long t0 = System.nanoTime();
            long tFirst = -1;
            int generated = 0;
            FinishReason reason = null;
            StringBuilder text = new StringBuilder();
            Utf8Assembler utf8 = new Utf8Assembler();
            StopStrings stops = new StopStrings(request.stops());
            try (Arena a = Arena.ofConfined()) {
                Decoder decoder = new Decoder(a, Math.min(batchSize, prompt.length));
                MemorySegment sampler = sampler(a, request.sampling());
                try {
                    if (!prefill(decoder)) {
                        reason = FinishReason.CANCELLED;
                    } else {
                        int limit = Math.min(request.maxTokens(), contextSize - prompt.length + 1);
                        MemorySegment piece = a.allocate(256);
                        byte[] bytes = new byte[256];
                        while (true) {
                            if (stopRequested()) {
                                reason = FinishReason.CANCELLED;
                                break;
                            }
                            int token = nat.sample(sampler, ctx);
                            if (tFirst < 0) {
                                tFirst = System.nanoTime();
                            }
                            if (eog.get(token)) {
                                reason = FinishReason.STOP;
                                break;
                            }
                            generated++;
                            int n = nat.tokenToPiece(vocab, token, piece, (int) piece.byteSize(), false);
                            if (n < 0) {
                                piece = a.allocate(-n);
                                n = nat.tokenToPiece(vocab, token, piece, (int) piece.byteSize(), false);
                            }
                            if (n > 0) {
                                if (bytes.length < n) {
                                    bytes = new byte[n];
                                }
                                MemorySegment.copy(piece, JAVA_BYTE, 0, bytes, 0, n);
                                String chars = utf8.push(bytes, n);
                                if (!chars.isEmpty()) {
                                    emit(stops.push(chars), text, onText);
                                    if (stops.stopped()) {
                                        reason = FinishReason.STOP;
                                        break;
                                    }
                                }
                            }
                            if (generated >= limit) {
                                reason = FinishReason.LENGTH;
                                break;
                            }
                            if (stopRequested()) {
                                reason = FinishReason.CANCELLED;
                                break;
                            }
                            if (!decoder.decodeOne(token)) {
                                reason = FinishReason.CANCELLED;
                                break;
                            }
                        }
                    }
                } finally {
                    nat.samplerFree(sampler);
                }
            }
            if (!stops.stopped()) {
                emit(stops.flush(), text, onText);
            }
            long tEnd = System.nanoTime();
            double promptMillis = ((tFirst >= 0 ? tFirst : tEnd) - t0) / 1e6;
            double generationMillis = tFirst >= 0 ? (tEnd - tFirst) / 1e6 : 0;
            return new GenerationResult(text.toString(), reason,
                    new Usage(prompt.length, generated, promptMillis, generationMillis));
        }

        private void emit(String s, StringBuilder text, Consumer<String> onText) {
            if (!s.isEmpty()) {
                text.append(s);
                onText.accept(s);
            }
        }

        /**
         * Brings the KV cache to the prompt: keeps the cached prefix it shares (at most all but its
         * last token), decodes the rest in batches, then the last token alone. False when cancelled.
         */
        private boolean prefill(Decoder decoder) {
            int n = prompt.length;
            int common = 0;
            int max = Math.min(cachedCount, n - 1);
            while (common < max && cachedTokens[common] == prompt[common]) {
                common++;
            }
            if (common < cachedCount) {
                if (!nat.kvRemoveFrom(ctx, common)) {
                    nat.kvClear(ctx);
                    common = 0;
                }
                cachedCount = common;
            }
            abortCallback(true); // a long prompt must be cancellable while it is processed
            int pos = common;
            while (pos < n - 1) {
                if (stopRequested()) {
                    return false;
                }
                int count = Math.min(batchSize, n - 1 - pos);
                if (!decoder.decode(prompt, pos, count)) {
                    return false;
                }
                pos += count;
            }
            if (stopRequested()) {
                return false;
            }
            long t = System.nanoTime();
            if (!decoder.decode(prompt, n - 1, 1)) {
                return false;
            }
            // the last prompt token was one decode step: it tells how long generating steps take
            abortCallback(System.nanoTime() - t > SLOW_STEP_NANOS);
            return true;
        }

        private MemorySegment sampler(Arena a, SamplingParams s) {
            MemorySegment chain = nat.samplerChain(a);
            boolean penalties = s.repeatPenalty() != 1.0;
            if (penalties) {
                nat.samplerAdd(chain, nat.samplerPenalties(PENALTY_LAST_N, (float) s.repeatPenalty()));
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
                for (int i = Math.max(0, prompt.length - PENALTY_LAST_N); i < prompt.length; i++) {
                    nat.samplerAccept(chain, prompt[i]);
                }
            }
            return chain;
        }
    }

    /** Sets or clears the context's abort callback (guarded by generationLock). */
    private void abortCallback(boolean on) {
        if (on != abortInstalled) {
            nat.setAbortCallback(ctx, on ? abortStub : MemorySegment.NULL, MemorySegment.NULL);
            abortInstalled = on;
        }
    }

    /** Feeds tokens to llama_decode and keeps {@link #cachedTokens} in step with the KV cache. */
    private final class Decoder {
        private final MemorySegment batch;
        private final MemorySegment tokens;
        private final int capacity;

        Decoder(Arena a, int capacity) {
            this.capacity = Math.max(1, capacity);
            this.batch = a.allocate(LlamaNative.BATCH);
            this.tokens = a.allocate(JAVA_INT, this.capacity);
        }

        boolean decodeOne(int token) {
            tokens.setAtIndex(JAVA_INT, 0, token);
            return run(1, token, null, 0);
        }

        boolean decode(int[] source, int offset, int count) {
            MemorySegment.copy(source, offset, tokens, JAVA_INT, 0, count);
            return run(count, 0, source, offset);
        }

        /** True on success, false when aborted (cancel); throws on a llama.cpp error. */
        private boolean run(int count, int single, int[] source, int offset) {
            if (count > capacity || cachedCount + count > contextSize) {
                throw new IllegalStateException("internal: batch of " + count + " tokens does not fit");
            }
            LlamaNative.fillBatch(batch, tokens, count);
            int rc = nat.decode(ctx, batch);
            if (rc != 0) {
                // a failed or aborted batch may leave part of it in the cache: start clean next time
                nat.kvClear(ctx);
                cachedCount = 0;
                if (rc == LlamaNative.DECODE_ABORTED) {
                    return false;
                }
                throw new IllegalStateException("llama.cpp failed to decode " + count + " tokens of " + name
                        + " (llama_decode returned " + rc + ")");
            }
            if (source == null) {
                cachedTokens[cachedCount++] = single;
            } else {
                System.arraycopy(source, offset, cachedTokens, cachedCount, count);
                cachedCount += count;
            }
            return true;
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
        return "LlamaCppModel[" + name + ", ctx=" + contextSize + ", threads=" + threads + "]";
    }

    /** For tests: how many tokens the KV cache holds. */
    int cachedTokenCount() {
        generationLock.lock();
        try {
            return cachedCount;
        } finally {
            generationLock.unlock();
        }
    }
}
