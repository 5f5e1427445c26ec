package io.jknife.store.workspace;

import java.io.Serial;

/**
 * Why a v2 content hash cannot be computed: not a workspace, a corrupt safetensors header, a
 * symbolic link that escapes the workspace or dangles, an unreadable file or directory.
 */
public final class HashException extends Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    public HashException(String message) {
        super(message);
    }

    public HashException(String message, Throwable cause) {
        super(message, cause);
    }
}
