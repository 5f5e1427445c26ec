package io.jknife.java;

import io.jknife.engine.TokenOutbox;
import io.jknife.java.grammar.GrammarConstraint;
import io.jknife.java.sampling.Sampler;
import io.jknife.java.sampling.TokenConstraint;
import io.jknife.vision.PixelValues;

import java.util.List;

/**
 * One generation as the {@link SlotScheduler} sees it: the prompt's positions, its images, the
 * limits, its own sampler and grammar state, and the outbox through which the scheduler hands
 * sampled token ids to the thread that called {@code stream}. Fields below "scheduler state" are
 * touched by the scheduler's thread only.
 */
final class SlotRequest {
    /** Token ids, {@link io.jknife.java.vision.VisionLanguageModel#IMAGE_ROW} in image rows. */
    final int[] prompt;
    final List<PixelValues> images;
    /** The most tokens to generate (also bounded by the context). */
    final int limit;
    final boolean ignoreEndOfGeneration;
    final Sampler sampler;
    /** The grammar's state and its view for the sampler; both null without a grammar. */
    final GrammarConstraint grammar;
    final TokenConstraint allowed;
    final TokenOutbox outbox;

    // ---- scheduler state ----
    /** Prompt positions already in the slot's KV cache. */
    int promptDone;
    /** Whether the prompt is in and tokens are being generated ({@link #pending} is the next to run). */
    boolean generating;
    int pending;
    int generated;
    long startNanos;
    long firstTokenNanos = -1;

    SlotRequest(int[] prompt, List<PixelValues> images, int limit, boolean ignoreEndOfGeneration, Sampler sampler,
                GrammarConstraint grammar, TokenConstraint allowed, TokenOutbox outbox) {
        this.prompt = prompt;
        this.images = images;
        this.limit = limit;
        this.ignoreEndOfGeneration = ignoreEndOfGeneration;
        this.sampler = sampler;
        this.grammar = grammar;
        this.allowed = allowed;
        this.outbox = outbox;
    }
}
