package io.jknife.cli;

import java.util.Map;

/**
 * A command that fails for a reason the user should read: becomes the error envelope (JSON) or one
 * {@code command: Error: message} line on stderr, and exit code 1. Never a stack trace.
 *
 * @param data  the command's partial data object for the envelope, or null
 * @param extra additional error keys ({@code matches}, {@code available_hashes}, ...)
 */
public final class CommandFailure extends RuntimeException {
    private final String type;
    private final transient Object data;
    private final transient Map<String, Object> extra;

    public CommandFailure(String type, String message) {
        this(type, message, null, null);
    }

    public CommandFailure(String type, String message, Object data, Map<String, Object> extra) {
        super(message, null, false, false);
        this.type = type;
        this.data = data;
        this.extra = extra;
    }

    public String type() {
        return type;
    }

    public Object data() {
        return data;
    }

    public Map<String, Object> extra() {
        return extra;
    }
}
