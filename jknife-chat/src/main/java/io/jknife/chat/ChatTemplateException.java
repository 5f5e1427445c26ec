package io.jknife.chat;

import java.io.Serial;

/**
 * A chat template could not be parsed or rendered. When the template itself refused the
 * conversation with {@code raise_exception(msg)} (e.g. Mistral's "conversation roles must alternate
 * user/assistant/...", Gemma's role checks), {@link #getMessage()} is exactly the template's message
 * and {@link #raisedByTemplate()} is true; callers may show it to the user as a request error.
 */
public final class ChatTemplateException extends Exception {

    @Serial
    private static final long serialVersionUID = 1L;

    private final boolean raisedByTemplate;

    public ChatTemplateException(String message) {
        this(message, false, null);
    }

    public ChatTemplateException(String message, Throwable cause) {
        this(message, false, cause);
    }

    ChatTemplateException(String message, boolean raisedByTemplate, Throwable cause) {
        super(message, cause);
        this.raisedByTemplate = raisedByTemplate;
    }

    /** True when the template called {@code raise_exception}; the message is the template's. */
    public boolean raisedByTemplate() {
        return raisedByTemplate;
    }
}
