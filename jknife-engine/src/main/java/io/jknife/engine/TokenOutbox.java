package io.jknife.engine;

import io.jknife.engine.text.StopStrings;
import io.jknife.engine.text.Utf8Assembler;

import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * Hands the token ids an engine's scheduler thread samples for one generation to the thread that
 * called {@link Generation#stream}, ending with one {@link End}. The scheduler posts and ends; the
 * streaming thread runs {@link #consume}, which turns the tokens into text. Engines that batch several
 * generations on one thread (parallel slots) share this, so every engine streams, stops and cancels alike.
 */
public final class TokenOutbox {
    /** The last message: why the scheduler stopped (null when the consumer asked), or the error; and when it started and first sampled. */
    public record End(FinishReason reason, RuntimeException error, long startNanos, long firstTokenNanos) {
    }

    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final SingleRunGeneration generation;
    /** Set by the consumer when it needs no more tokens (a stop string matched, or its callback failed). */
    private volatile boolean consumerDone;

    /** The outbox of {@code generation}, whose cancel (or interrupt) stops it. */
    public TokenOutbox(SingleRunGeneration generation) {
        this.generation = generation;
    }

    // ---- scheduler side ----

    /** Whether the scheduler should stop this generation: cancelled, interrupted, or the consumer is done. */
    public boolean wantsStop() {
        return consumerDone || generation.stopRequested();
    }

    public void post(int token) {
        queue.add(token);
    }

    /** The end: {@code reason} null with an {@code error}, or when the consumer asked to stop. */
    public void end(FinishReason reason, RuntimeException error, long startNanos, long firstTokenNanos) {
        queue.add(new End(reason, error, startNanos, firstTokenNanos));
    }

    /**
     * Tokens posted that the consumer has not taken yet: a scheduler keeps a slot at most a few
     * tokens ahead, so a slow client holds its slot instead of having its answer computed into memory.
     */
    public int backlog() {
        return queue.size();
    }

    // ---- consumer side ----

    /**
     * Takes tokens until the end: each token's bytes ({@code pieces}; empty for tokens without text)
     * become whole characters, stop strings cut the text (the scheduler is told to stop), and the
     * text goes to {@code onText}. An interrupt cancels (and stays set); an {@code onText} failure
     * stops the scheduler first and is rethrown after the end arrives. Returns the result with
     * {@code promptTokens} as the prompt's size.
     */
    public GenerationResult consume(int promptTokens, List<String> stopStrings, IntFunction<byte[]> pieces,
                                    Consumer<String> onText) {
        FinishReason reason = null;
        int generated = 0;
        boolean interrupted = false;
        StringBuilder text = new StringBuilder();
        Utf8Assembler utf8 = new Utf8Assembler();
        StopStrings stops = new StopStrings(stopStrings);
        End end = null;
        RuntimeException failure = null;
        try {
            while (end == null) { // the scheduler owns the generation's state until its end
                Object next;
                try {
                    next = queue.take();
                } catch (InterruptedException e) {
                    interrupted = true;
                    generation.cancel();
                    continue;
                }
                if (next instanceof End e) {
                    end = e;
                    continue;
                }
                if (reason != null || failure != null) {
                    continue; // done here; the scheduler stops at its next step
                }
                if (generation.stopRequested()) {
                    reason = FinishReason.CANCELLED;
                    continue;
                }
                generated++;
                try {
                    byte[] bytes = pieces.apply((Integer) next);
                    String chars = bytes.length == 0 ? "" : utf8.push(bytes, bytes.length);
                    if (!chars.isEmpty()) {
                        emit(stops.push(chars), text, onText);
                        if (stops.stopped()) {
                            reason = FinishReason.STOP;
                            consumerDone = true;
                        }
                    }
                } catch (RuntimeException | Error e) {
                    failure = e instanceof RuntimeException r ? r : new IllegalStateException(e);
                    consumerDone = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        if (failure != null) {
            throw failure;
        }
        if (reason == null) {
            if (end.error() != null) {
                throw end.error();
            }
            reason = end.reason() != null ? end.reason() : FinishReason.CANCELLED;
        }
        if (!stops.stopped()) {
            emit(stops.flush(), text, onText);
        }
        long tEnd = System.nanoTime();
        long tStart = end.startNanos() != 0 ? end.startNanos() : tEnd;
        long tFirst = end.firstTokenNanos();
        double promptMillis = ((tFirst >= 0 ? tFirst : tEnd) - tStart) / 1e6;
        double generationMillis = tFirst >= 0 ? (tEnd - tFirst) / 1e6 : 0;
        return new GenerationResult(text.toString(), reason, new Usage(promptTokens, generated, promptMillis, generationMillis));
    }

    private static void emit(String s, StringBuilder text, Consumer<String> onText) {
        if (!s.isEmpty()) {
            text.append(s);
            onText.accept(s);
        }
    }
}
