package io.jknife.cli.commands;

import io.jknife.engine.EngineException;
import io.jknife.runtime.PromptTooLongException;
import io.jknife.runtime.TextSession;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Ctrl-C during long work stops that work, not the program: SIGINT is routed to an action (cancel
 * the answer, interrupt the download) for the duration of one step, then the previous handler returns.
 */
final class Interrupts {
    /** A step that may fail with a checked exception. */
    interface Step<T, E extends Exception> {
        T run() throws E;
    }

    /** A generation step that may fail with the session's checked exceptions. */
    interface GenerationStep<T> {
        T run() throws PromptTooLongException, EngineException;
    }

    private Interrupts() {
    }

    static <T> T whileRunning(TextSession session, GenerationStep<T> step) throws PromptTooLongException, EngineException {
        Signal sigint = new Signal("INT");
        SignalHandler previous;
        try {
            previous = Signal.handle(sigint, s -> session.cancel());
        } catch (IllegalArgumentException e) {
            return step.run(); // the JVM was started with -Xrs: no signal handling to borrow
        }
        try {
            return step.run();
        } finally {
            Signal.handle(sigint, previous);
        }
    }

    /** Runs {@code step} with SIGINT interrupting the calling thread; {@code onInterrupt} runs first. */
    static <T, E extends Exception> T interruptingThread(Runnable onInterrupt, Step<T, E> step) throws E {
        Thread caller = Thread.currentThread();
        Signal sigint = new Signal("INT");
        SignalHandler previous;
        try {
            previous = Signal.handle(sigint, s -> {
                onInterrupt.run();
                caller.interrupt();
            });
        } catch (IllegalArgumentException e) {
            return step.run();
        }
        try {
            return step.run();
        } finally {
            Signal.handle(sigint, previous);
            Thread.interrupted(); // a late signal must not leak into what follows
        }
    }
}
