package io.jknife.llamacpp;

import io.jknife.engine.FinishReason;
import io.jknife.engine.SlotLoop;
import io.jknife.llamacpp.ffi.LlamaNative;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Continuous batching over one llama.cpp context: up to {@code slots} generations share the
 * context, each in its own KV-cache sequence (sequence id = slot number). Each step puts the next
 * token of every generating slot and prompt chunks of starting ones into one {@link SeqBatch},
 * calls {@code llama_decode} once, samples every generating slot from its own logits row with its
 * own sampler chain and posts the token to that request's consumer. Requests beyond the slots wait
 * in arrival order. A slot stays at most {@value #MAX_AHEAD} tokens ahead of its consumer.
 *
 * <p>All decoding runs on the scheduler's one thread (started on the first request), so
 * {@code llama_decode} is never called concurrently. A prompt's last token is decoded in a later
 * step than the rest of it, as a generated token is, so that a prompt found in the cache and a
 * fresh one compute the same logits. With one slot the slot keeps its KV cache after a generation
 * (a following prompt that starts the same only processes its new tokens); with several, a finished
 * slot frees its cells at once.
 */
final class SlotScheduler extends SlotLoop<SlotRequest, SlotScheduler.Slot> {
    /** Prompt tokens per step while other slots are generating: their next token waits for the step. */
    static final int PREFILL_CHUNK_BESIDE_DECODING = 512;
    /**
     * Tokens a slot may run ahead of its consumer: a consumer that does not keep up (a slow client)
     * holds its slot instead of having its whole answer computed into memory.
     */
    static final int MAX_AHEAD = 16;
    /** How long the thread sleeps when every slot waits for its consumer. */
    private static final long THROTTLED_WAIT_NANOS = 2_000_000L;

    private final LlamaNative nat;
    private final MemorySegment ctx;
    private final String name;
    private final BitSet eog;
    private final MemorySegment abortStub;
    private final Slot[] slots;
    private final SeqBatch batch;
    private final int batchSize;
    private final boolean keepCache;


    /** The requests in the batch being decoded, for the abort callback; null between steps. */
    private volatile SlotRequest[] decoding;
    private boolean abortInstalled = true;
    private boolean slowSteps;
    /** Tokens one step may take; halved while llama.cpp finds no contiguous KV cells for a step. */
    private int stepBudget;
    /** The slot whose generated token goes first in the next step (rotates, for when the budget is short). */
    private int firstSlot;

    /** One KV-cache sequence and the tokens it holds. */
    static final class Slot {
        final int seq;
        final int[] cached;
        int cachedCount;
        SlotRequest request;
        /** Tokens of this slot in the current batch, and the batch index of its logits. */
        int inBatch;
        int outputIndex;

        Slot(int seq, int context) {
            this.seq = seq;
            this.cached = new int[context];
        }
    }

    SlotScheduler(LlamaNative nat, MemorySegment ctx, String name, int slotCount, int slotContext, int batchSize,
                  int vocabSize, BitSet eog, MemorySegment abortStub, Arena arena) {
        super("llama.cpp slots " + name, "the model " + name + " is closed");
        this.nat = nat;
        this.ctx = ctx;
        this.name = name;
        this.eog = eog;
        this.abortStub = abortStub;
        this.batchSize = batchSize;
        this.stepBudget = batchSize;
        this.keepCache = slotCount == 1;
        this.slots = new Slot[slotCount];
        for (int i = 0; i < slotCount; i++) {
            slots[i] = new Slot(i, slotContext);
        }
        this.batch = new SeqBatch(arena, batchSize, slotCount, vocabSize, slotContext);
    }

    /** Whether llama.cpp should abort the running decode: a request in it wants to stop. Called from native code. */
    boolean abortRequested() {
        SlotRequest[] d = decoding;
        if (d == null) {
            return false;
        }
        for (SlotRequest r : d) {
            if (r.wantsStop()) {
                return true;
            }
        }
        return false;
    }

    /** Forgets every slot's cached tokens (the caller cleared the KV cache while no request ran). */
    void forgetCache() {
        for (Slot s : slots) {
            s.cachedCount = 0;
        }
    }

    /** Tokens in slot 0's KV sequence (for tests; read while no request runs). */
    int cachedTokens() {
        return slots[0].cachedCount;
    }

    @Override
    protected boolean wantsStop(SlotRequest r) {
        return r.wantsStop();
    }

    @Override
    protected void dropWaiting(SlotRequest r) {
        r.startNanos = System.nanoTime();
        r.end(FinishReason.CANCELLED, null);
    }

    @Override
    protected Slot claim(SlotRequest r) {
        Slot s = freeSlotFor(r.prompt);
        if (s != null) {
            s.request = r;
        }
        return s;
    }

    @Override
    protected boolean idle() {
        for (Slot s : slots) {
            if (s.request != null) {
                return false;
            }
        }
        return true;
    }

    /** The free slot whose cached tokens share the longest prefix with {@code prompt}; null when none is free. */
    private Slot freeSlotFor(int[] prompt) {
        Slot best = null;
        int bestCommon = -1;
        for (Slot s : slots) {
            if (s.request == null) {
                int c = commonPrefix(s, prompt);
                if (c > bestCommon) {
                    best = s;
                    bestCommon = c;
                }
            }
        }
        return best;
    }

    /** Cached tokens the prompt can keep: at most all but its last token, which is always decoded again. */
    private static int commonPrefix(Slot s, int[] prompt) {
        int max = Math.min(s.cachedCount, prompt.length - 1);
        int c = 0;
        while (c < max && s.cached[c] == prompt[c]) {
            c++;
        }
        return c;
    }

    /** Brings the slot's sequence to the request's cached prefix. */
    @Override
    protected void start(Slot s) {
        SlotRequest r = s.request;
        r.startNanos = System.nanoTime();
        int common = commonPrefix(s, r.prompt);
        if (common < s.cachedCount) {
            if (!nat.kvSeqRemove(ctx, s.seq, common, -1)) {
                removeSequence(s); // a recurrent model cannot cut a sequence: drop it whole
                common = 0;
            }
            s.cachedCount = common;
        }
        r.promptDone = common;
        if (common == r.prompt.length - 1) {
            r.generating = true;
            r.pending = r.prompt[common];
        }
    }

    /** One decode of every active slot's next tokens. */
    @Override
    protected void step() {
        for (Slot s : slots) {
            if (s.request != null && s.request.wantsStop()) {
                release(s, FinishReason.CANCELLED, null);
            }
        }
        batch.clear();
        List<Slot> inBatch = new ArrayList<>(slots.length);
        boolean anyGenerating = false;
        int limit = Math.min(batch.capacity(), stepBudget);
        firstSlot = (firstSlot + 1) % slots.length;
        for (int k = 0; k < slots.length && batch.size() < limit; k++) {
            Slot s = slots[(firstSlot + k) % slots.length];
            SlotRequest r = s.request;
            if (r != null && r.generating && r.backlog() < MAX_AHEAD) {
                s.outputIndex = batch.add(r.pending, s.cachedCount, s.seq, true);
                s.inBatch = 1;
                inBatch.add(s);
                anyGenerating = true;
            }
        }
        int budget = limit - batch.size();
        if (anyGenerating) {
            budget = Math.min(budget, PREFILL_CHUNK_BESIDE_DECODING);
        }
        int prefillTokens = 0;
        for (Slot s : slots) {
            SlotRequest r = s.request;
            if (r != null && !r.generating && budget > 0) {
                int take = Math.min(budget, r.prompt.length - 1 - r.promptDone);
                batch.addAll(r.prompt, r.promptDone, take, s.cachedCount, s.seq);
                s.inBatch = take;
                s.outputIndex = -1;
                inBatch.add(s);
                budget -= take;
                prefillTokens += take;
            }
        }
        if (inBatch.isEmpty()) {
            if (!idle()) {
                throttled(THROTTLED_WAIT_NANOS); // every slot waits for its consumer
            }
            return;
        }
        // a prompt must be cancellable while it is processed, and so must any step slower than SLOW_STEP_NANOS
        abortCallback(prefillTokens > 0 || slowSteps);
        SlotRequest[] d = new SlotRequest[inBatch.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = inBatch.get(i).request;
        }
        long t = System.nanoTime();
        decoding = d;
        int rc;
        try {
            rc = nat.decode(ctx, batch.struct());
        } finally {
            decoding = null;
        }
        if (rc != 0) {
            // a failed or aborted batch may leave part of itself in the cache: cut every sequence in it back
            for (Slot s : inBatch) {
                if (!nat.kvSeqRemove(ctx, s.seq, s.cachedCount, -1)) {
                    // a recurrent model cannot cut a sequence back: drop it whole; its request cannot go on
                    removeSequence(s);
                    boolean stop = s.request.wantsStop();
                    release(s, stop ? FinishReason.CANCELLED : null, stop ? null
                            : new IllegalStateException("llama.cpp could not resume " + name + " after a failed step"));
                }
            }
            inBatch.removeIf(s -> s.request == null);
            if (rc == LlamaNative.DECODE_ABORTED) {
                return; // the slots that asked to stop are released next step, the others go again
            }
            if (rc == 1 && batch.size() > 1) {
                stepBudget = Math.max(1, batch.size() / 2); // no contiguous free cells: smaller steps
                return;
            }
            IllegalStateException e = new IllegalStateException("llama.cpp failed to decode " + batch.size()
                    + " tokens of " + name + " (llama_decode returned " + rc + ")");
            for (Slot s : inBatch) {
                release(s, null, e);
            }
            return;
        }
        stepBudget = batchSize;
        if (prefillTokens == 0) {
            slowSteps = System.nanoTime() - t > LlamaCppModel.SLOW_STEP_NANOS;
        }
        for (Slot s : inBatch) {
            SlotRequest r = s.request;
            if (!r.generating) {
                System.arraycopy(r.prompt, r.promptDone, s.cached, s.cachedCount, s.inBatch);
                s.cachedCount += s.inBatch;
                r.promptDone += s.inBatch;
                if (r.promptDone == r.prompt.length - 1) {
                    r.generating = true;
                    r.pending = r.prompt[r.promptDone];
                }
                continue;
            }
            s.cached[s.cachedCount++] = r.pending;
            int token = nat.sampleAt(r.sampler, ctx, s.outputIndex);
            if (r.firstTokenNanos < 0) {
                r.firstTokenNanos = System.nanoTime();
            }
            if (eog.get(token) && !r.ignoreEndOfGeneration) {
                release(s, FinishReason.STOP, null);
                continue;
            }
            r.generated++;
            r.post(token);
            if (r.generated >= r.limit) {
                release(s, FinishReason.LENGTH, null);
            } else {
                r.pending = token;
            }
        }
    }

    /** Ends the slot's request; with several slots (or after an error) its KV cells are freed. */
    private void release(Slot s, FinishReason reason, RuntimeException error) {
        SlotRequest r = s.request;
        s.request = null;
        try {
            if (error != null || !keepCache) {
                removeSequence(s);
            }
        } finally {
            r.end(reason, error);
        }
    }

    private void removeSequence(Slot s) {
        if (!nat.kvSeqRemove(ctx, s.seq, -1, -1)) {
            throw new IllegalStateException("llama.cpp could not free KV sequence " + s.seq + " of " + name);
        }
        s.cachedCount = 0;
    }

    /** An unexpected failure: every running request gets it, the cache starts empty. */
    @Override
    protected void failAll(Throwable t) {
        RuntimeException e = t instanceof RuntimeException re ? re : new IllegalStateException(t);
        try {
            nat.kvClear(ctx);
        } catch (RuntimeException ignored) {
            // the requests below still end
        }
        for (Slot s : slots) {
            s.cachedCount = 0;
            SlotRequest r = s.request;
            if (r != null) {
                s.request = null;
                r.end(null, e);
            }
        }
    }

    private void abortCallback(boolean on) {
        if (on != abortInstalled) {
            nat.setAbortCallback(ctx, on ? abortStub : MemorySegment.NULL, MemorySegment.NULL);
            abortInstalled = on;
        }
    }
}
