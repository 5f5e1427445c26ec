package io.jknife.hub.workspace;

import java.io.IOException;

/** A target directory that cannot receive a new workspace (the message is the user's one line). */
public final class TargetException extends IOException {
    public TargetException(String message) {
        super(message);
    }
}
