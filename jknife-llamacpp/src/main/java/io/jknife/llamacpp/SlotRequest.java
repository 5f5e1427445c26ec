package io.jknife.llamacpp;

import io.jknife.engine.FinishReason;
import io.jknife.engine.TokenOutbox;

import java.lang.foreign.MemorySegment;

/**
 * One generation as the {@link SlotScheduler} sees it: the prompt, the limits, its own sampler
 * chain, and the {@link TokenOutbox} through which the scheduler hands sampled token ids to the
 * thread that called {@code stream}. Fields below "scheduler state" are touched by the
 * scheduler's thread only.
 */
final class SlotRequest {
    final int[] prompt;
    /** The most tokens to generate (also bounded by the slot's context). */
    final int limit;
    final MemorySegment sampler;
    final boolean ignoreEndOfGeneration;
    private final TokenOutbox outbox;

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

    SlotRequest(int[] prompt, int limit, MemorySegment sampler, boolean ignoreEndOfGeneration, TokenOutbox outbox) {
        this.prompt = prompt;
        this.limit = limit;
        this.sampler = sampler;
        this.ignoreEndOfGeneration = ignoreEndOfGeneration;
        this.outbox = outbox;
    }

    /** Whether the scheduler should stop this request (cancelled, interrupted, or the consumer is done). */
    boolean wantsStop() {
        return outbox.wantsStop();
    }

    void post(int token) {
        outbox.post(token);
    }

    void end(FinishReason reason, RuntimeException error) {
        outbox.end(reason, error, startNanos, firstTokenNanos);
    }

    /** Tokens posted that the consumer has not taken yet. */
    int backlog() {
        return outbox.backlog();
    }
}
