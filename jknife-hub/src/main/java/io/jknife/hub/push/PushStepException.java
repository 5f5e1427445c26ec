package io.jknife.hub.push;

import io.jknife.hub.HubException;

import java.io.IOException;

/** A push that failed at a named step: {@code branch_create_failed} or {@code upload_failed} (the contract's types). */
public final class PushStepException extends IOException {
    private final String type;

    PushStepException(String type, String message, IOException cause) {
        super(message, cause);
        this.type = type;
    }

    public String type() {
        return type;
    }

    /** Whether retrying may help (the Hub was busy or the connection failed). */
    public boolean retryable() {
        return getCause() instanceof HubException h && h.retryable();
    }
}
