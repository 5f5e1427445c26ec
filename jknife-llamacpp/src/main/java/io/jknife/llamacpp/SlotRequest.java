package io.jknife.llamacpp;

import io.jknife.engine.FinishReason;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.BooleanSupplier;

/**
 * One generation as the {@link SlotScheduler} sees it: the prompt, the limits, its own sampler
 * chain, and the outbox through which the scheduler hands sampled token ids to the thread that
 * called {@code stream} (ending with one {@link End}). Fields below "scheduler state" are touched
 * by the scheduler's thread only.
 */
final class SlotRequest {
    /** The last message of a request: why the scheduler stopped it (null when the consumer asked), or the error. */
    record End(FinishReason reason, RuntimeException error, long startNanos, long firstTokenNanos) {
    }

    final int[] prompt;
    /** The most tokens to generate (also bounded by the slot's context). */
    final int limit;
    final MemorySegment sampler;
    final boolean ignoreEndOfGeneration;
    private final BooleanSupplier cancelled;
    private final LinkedBlockingQueue<Object> outbox = new LinkedBlockingQueue<>();
    /** Set by the consumer when it needs no more tokens (a stop string matched, or its callback failed). */
    private volatile boolean consumerDone;

    // ---- scheduler state ----
    /** Prompt tokens already in the slot's KV cache. */
    int promptDone;
    /** Whether the prompt is in (all but the token in {@link #pending}) and tokens are being generated. */
    boolean generating;
    /** The token the next step decodes (the prompt's last, then each sampled one). */
    int pending;
    int generated;
    long startNanos;
    long firstTokenNanos = -1;

    SlotRequest(int[] prompt, int limit, MemorySegment sampler, boolean ignoreEndOfGeneration, BooleanSupplier cancelled) {
        this.prompt = prompt;
        this.limit = limit;
        this.sampler = sampler;
        this.ignoreEndOfGeneration = ignoreEndOfGeneration;
        this.cancelled = cancelled;
    }

    /** Whether the scheduler should stop this request (cancelled, interrupted, or the consumer is done). */
    boolean wantsStop() {
        return consumerDone || cancelled.getAsBoolean();
    }

    void consumerDone() {
        consumerDone = true;
    }

    // ---- scheduler → consumer ----

    void post(int token) {
        outbox.add(token);
    }

    void end(FinishReason reason, RuntimeException error) {
        outbox.add(new End(reason, error, startNanos, firstTokenNanos));
    }

    /** Tokens posted that the consumer has not taken yet. */
    int backlog() {
        return outbox.size();
    }

    /** The next token id ({@link Integer}) or the {@link End}; blocks. */
    Object take() throws InterruptedException {
        return outbox.take();
    }
}
