package io.jknife.engine;

/** An engine failed to load or run a model; the message says why in one line. */
public class EngineException extends Exception {
    public EngineException(String message) {
        super(message);
    }

    public EngineException(String message, Throwable cause) {
        super(message, cause);
    }
}
