package io.jknife.java;

import io.jknife.engine.FinishReason;
import io.jknife.engine.SlotLoop;
import io.jknife.java.model.Transformer;
import io.jknife.java.vision.VisionLanguageModel;

import java.util.ArrayList;
import java.util.List;

/**
 * Parallel slots over one {@link Transformer}: up to {@code slots} generations run at once, each in
 * its own KV-cache sequence (sequence number = slot number). Each step puts the next token of every
 * generating slot and the next prompt rows of starting ones into one {@link Transformer.Rows} batch,
 * runs the forward pass once (each weight read once for all of them), samples every generating slot
 * from its own logits with its own sampler and grammar, and posts the token to that request's
 * outbox. Requests beyond the slots wait in arrival order; a slot stays at most {@value #MAX_AHEAD}
 * tokens ahead of its consumer. A prompt with images runs alone in its step (the vision model
 * prefills it in one pass).
 *
 * <p>All computing runs on the scheduler's one thread (started on the first request), so the
 * transformer sees one pass at a time. Every slot keeps its cache after a generation; a new request
 * takes the free slot whose cached tokens share the longest prefix with its prompt, when that is at
 * least half the prompt (a conversation going on), else the free slot used least recently (so a
 * new conversation does not overwrite the one just served), and only computes what is not cached
 * (the prompt's last position is always computed; image rows never match).
 */
final class SlotScheduler extends SlotLoop<SlotRequest, SlotScheduler.Slot> {
    /** Tokens a slot may run ahead of its consumer (a slow client holds its slot instead of filling memory). */
    static final int MAX_AHEAD = 16;
    /** How long the thread sleeps when every slot waits for its consumer. */
    private static final long THROTTLED_WAIT_NANOS = 2_000_000L;

    private final Transformer transformer;
    private final VisionLanguageModel vision;
    private final boolean[] isEog;
    /** Tokens the sampler chooses from (the tokenizer's; the embeddings may have more rows). */
    private final int vocab;
    private final Slot[] slots;
    private final Transformer.Rows rows;
    /** One row of logits for a sampler (which changes what it samples from). */
    private final float[] row;

    /** The slot whose generated token goes first in the next step (rotates, for when the batch is short). */
    private int firstSlot;
    /** Counts releases: a slot's {@code lastUsed} orders the free slots by their last use. */
    private long releases;
    /** The most generating slots one step has decoded together (for tests: proof of batching). */
    private volatile int widestDecode;

    /** One KV-cache sequence and the positions it holds. */
    static final class Slot {
        final int seq;
        final int[] cached;
        volatile int cachedCount;
        SlotRequest request;
        long lastUsed;
        /** Rows of this slot in the current batch, and the index of its logits among the batch's outputs (-1: none). */
        int inBatch;
        int output;

        Slot(int seq, int context) {
            this.seq = seq;
            this.cached = new int[context];
        }
    }

    SlotScheduler(String name, Transformer transformer, VisionLanguageModel vision, boolean[] isEog, int vocab, int slotCount) {
        if (slotCount < 1 || slotCount > transformer.maxBatch()) {
            throw new IllegalArgumentException("parallel slots must be 1 to " + transformer.maxBatch() + ", got " + slotCount);
        }
        super("jknife-java slots " + name, "the model " + name + " is closed");
        this.transformer = transformer;
        this.vision = vision;
        this.isEog = isEog;
        this.vocab = vocab;
        this.slots = new Slot[slotCount];
        for (int i = 0; i < slotCount; i++) {
            slots[i] = new Slot(i, transformer.contextSize());
        }
        this.rows = new Transformer.Rows(transformer.maxBatch());
        this.row = new float[transformer.vocabularySize()];
    }

    int slots() {
        return slots.length;
    }

    /** The most generating slots one step has decoded together so far. */
    int widestDecode() {
        return widestDecode;
    }

    /** Positions in slot {@code slot}'s cache (for tests; read after the generations ended). */
    int cachedTokens(int slot) {
        return slots[slot].cachedCount;
    }

    @Override
    protected boolean wantsStop(SlotRequest r) {
        return r.outbox.wantsStop();
    }

    @Override
    protected void dropWaiting(SlotRequest r) {
        r.startNanos = System.nanoTime();
        r.outbox.end(FinishReason.CANCELLED, null, r.startNanos, -1);
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

    /**
     * The free slot whose cached positions share the longest prefix with {@code prompt} when that is
     * at least half of it, else the free slot used least recently; null when none is free.
     */
    private Slot freeSlotFor(int[] prompt) {
        Slot best = null;
        Slot oldest = null;
        int bestCommon = 0;
        for (Slot s : slots) {
            if (s.request == null) {
                int c = commonPrefix(s, prompt);
                if (c > bestCommon) {
                    best = s;
                    bestCommon = c;
                }
                if (oldest == null || s.lastUsed < oldest.lastUsed) {
                    oldest = s;
                }
            }
        }
        return best != null && 2 * bestCommon >= prompt.length ? best : oldest;
    }

    /** Cached positions the prompt can keep: at most all but its last, and never an image row (recomputed with its image). */
    private static int commonPrefix(Slot s, int[] prompt) {
        int max = Math.min(s.cachedCount, prompt.length - 1);
        int c = 0;
        while (c < max && s.cached[c] == prompt[c] && prompt[c] != VisionLanguageModel.IMAGE_ROW) {
            c++;
        }
        return c;
    }

    /** Cuts the slot's cache back to what the request's prompt shares with it. */
    @Override
    protected void start(Slot s) {
        SlotRequest r = s.request;
        r.startNanos = System.nanoTime();
        int common = commonPrefix(s, r.prompt);
        s.cachedCount = common;
        r.promptDone = common;
    }

    /** One forward pass over every active slot's next rows. */
    @Override
    protected void step() {
        for (Slot s : slots) {
            if (s.request != null && s.request.outbox.wantsStop()) {
                release(s, FinishReason.CANCELLED, null);
            }
        }
        for (Slot s : slots) {
            if (s.request != null && !s.request.generating && !s.request.images.isEmpty()) {
                prefillWithImages(s);
                return;
            }
        }
        rows.clear();
        List<Slot> inBatch = new ArrayList<>(slots.length);
        firstSlot = (firstSlot + 1) % slots.length;
        for (int k = 0; k < slots.length; k++) {
            Slot s = slots[(firstSlot + k) % slots.length];
            SlotRequest r = s.request;
            if (r != null && r.generating && r.outbox.backlog() < MAX_AHEAD) {
                s.output = rows.add(r.pending, s.cachedCount, s.seq, true);
                s.inBatch = 1;
                inBatch.add(s);
            }
        }
        if (inBatch.size() > widestDecode) {
            widestDecode = inBatch.size();
        }
        for (Slot s : slots) {
            SlotRequest r = s.request;
            int budget = rows.capacity() - rows.size();
            if (r != null && !r.generating && budget > 0) {
                int take = Math.min(budget, r.prompt.length - r.promptDone);
                boolean last = r.promptDone + take == r.prompt.length;
                s.output = -1;
                for (int i = 0; i < take; i++) {
                    int out = rows.add(r.prompt[r.promptDone + i], s.cachedCount + i, s.seq, last && i == take - 1);
                    if (out >= 0) {
                        s.output = out;
                    }
                }
                s.inBatch = take;
                inBatch.add(s);
            }
        }
        if (inBatch.isEmpty()) {
            if (!idle()) {
                throttled(THROTTLED_WAIT_NANOS); // every slot waits for its consumer
            }
            return;
        }
        float[] logits = transformer.forward(rows);
        for (Slot s : inBatch) {
            SlotRequest r = s.request;
            if (!r.generating) {
                System.arraycopy(r.prompt, r.promptDone, s.cached, s.cachedCount, s.inBatch);
                s.cachedCount += s.inBatch;
                r.promptDone += s.inBatch;
                if (s.output >= 0) {
                    sample(s, logits, s.output);
                }
                continue;
            }
            s.cached[s.cachedCount] = r.pending;
            s.cachedCount++;
            sample(s, logits, s.output);
        }
    }

    /** The slot's whole prompt, images and all, through the vision model in one pass; then its first token. */
    private void prefillWithImages(Slot s) {
        SlotRequest r = s.request;
        int n = r.prompt.length;
        float[] logits;
        transformer.useSequence(s.seq);
        try {
            logits = vision.prefill(r.prompt, r.images, r.promptDone);
        } finally {
            transformer.useSequence(0);
        }
        System.arraycopy(r.prompt, r.promptDone, s.cached, r.promptDone, n - r.promptDone);
        s.cachedCount = n;
        r.promptDone = n;
        sample(s, logits, 0);
    }

    /** Samples the slot's next token from output {@code output} of {@code logits}, posts it, and ends the request when it is done. */
    private void sample(Slot s, float[] logits, int output) {
        SlotRequest r = s.request;
        float[] l = logits;
        if (output > 0) {
            System.arraycopy(logits, output * row.length, row, 0, row.length);
            l = row;
        }
        int token;
        try {
            token = r.grammar == null ? r.sampler.sample(l, vocab) : r.sampler.sample(l, vocab, r.allowed);
        } catch (RuntimeException e) {
            release(s, null, e);
            return;
        }
        if (r.firstTokenNanos < 0) {
            r.firstTokenNanos = System.nanoTime();
        }
        if (token < 0) { // the grammar allows no token of the vocabulary
            release(s, r.grammar.canEnd() ? FinishReason.STOP : null, r.grammar.canEnd() ? null
                    : new IllegalStateException("no token of the vocabulary continues the grammar"
                    + " after " + r.generated + " generated tokens"));
            return;
        }
        if (isEog[token] && !r.ignoreEndOfGeneration) {
            release(s, FinishReason.STOP, null);
            return;
        }
        r.generated++;
        if (r.grammar != null && !isEog[token]) {
            r.grammar.accept(token);
        }
        r.outbox.post(token);
        if (r.grammar != null && r.grammar.isFinished()) {
            release(s, FinishReason.STOP, null); // nothing may follow: as llama.cpp, whose grammar then allows only EOG
        } else if (r.generated >= r.limit) {
            release(s, FinishReason.LENGTH, null);
        } else {
            r.pending = token;
            r.generating = true;
        }
    }

    /** Ends the slot's request; the slot keeps its cache for the next. */
    private void release(Slot s, FinishReason reason, RuntimeException error) {
        SlotRequest r = s.request;
        s.request = null;
        s.lastUsed = ++releases;
        r.outbox.end(reason, error, r.startNanos, r.firstTokenNanos);
    }

    /** An unexpected failure (a cache may be half-written): every running request gets it, every cache starts empty. */
    @Override
    protected void failAll(Throwable t) {
        RuntimeException e = t instanceof RuntimeException re ? re : new IllegalStateException(t);
        for (Slot s : slots) {
            s.cachedCount = 0;
            SlotRequest r = s.request;
            if (r != null) {
                s.request = null;
                r.outbox.end(null, e, r.startNanos, r.firstTokenNanos);
            }
        }
    }
}
