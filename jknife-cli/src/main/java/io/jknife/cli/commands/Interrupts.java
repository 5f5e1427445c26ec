package io.jknife.cli.commands;

import io.jknife.engine.EngineException;
import io.jknife.runtime.PromptTooLongException;
import io.jknife.runtime.TextSession;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Ctrl-C while a model answers stops that answer, not the program: SIGINT is routed to
 * {@link TextSession#cancel()} for the duration of one generation, then the previous handler returns.
 */
final class Interrupts {
    /** A generation step that may fail with the session's checked exceptions. */
    interface Step<T> {
        T run() throws PromptTooLongException, EngineException;
    }

    private Interrupts() {
    }

    static <T> T whileRunning(TextSession session, Step<T> step) throws PromptTooLongException, EngineException {
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
}
