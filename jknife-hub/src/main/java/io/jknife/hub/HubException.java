package io.jknife.hub;

import java.io.IOException;

/**
 * A Hub operation that failed for a reason the user can read: the {@link Kind} says what class of
 * failure (commands map it to their error type), the message is one line.
 */
public final class HubException extends IOException {

    /** What went wrong; commands map kinds onto the contract's error types. */
    public enum Kind {
        /** 401: no or a wrong token. */
        UNAUTHORIZED,
        /** 403: the token may not access the repository. */
        FORBIDDEN,
        /** gated repository whose terms were not accepted */
        GATED,
        /** the repository does not exist (or is private and hidden) */
        REPO_NOT_FOUND,
        /** the repository exists, the branch/tag/commit does not */
        REVISION_NOT_FOUND,
        /** a file does not exist at that revision */
        ENTRY_NOT_FOUND,
        /** 429 after every retry */
        RATE_LIMITED,
        /** 5xx after every retry */
        SERVER_ERROR,
        /** connection failures, timeouts, connections dropped after every retry */
        NETWORK,
        /** the Hub answered something jknife cannot use (malformed JSON, missing headers, other 4xx) */
        PROTOCOL,
        /** downloaded bytes do not match the size or hash the Hub announced */
        CHECKSUM,
        /** no space left where the cache lives */
        DISK_FULL,
        /** the cache or target directory is not writable */
        PERMISSION_DENIED,
        /** a local file-system failure other than the two above */
        LOCAL_IO,
        /** a {@code :VARIANT} that names no model file of the repository */
        VARIANT_NOT_FOUND,
        /** {@code --include}/{@code --exclude} left nothing to download */
        NO_FILES,
        /** the repository (or branch) already exists (409) */
        CONFLICT
    }

    private final Kind kind;
    private final int status;

    public HubException(Kind kind, String message) {
        this(kind, 0, message, null);
    }

    public HubException(Kind kind, int status, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.status = status;
    }

    public Kind kind() {
        return kind;
    }

    /** The HTTP status that caused it, or 0. */
    public int status() {
        return status;
    }

    /** Whether retrying later may help. */
    public boolean retryable() {
        return kind == Kind.RATE_LIMITED || kind == Kind.SERVER_ERROR || kind == Kind.NETWORK;
    }
}
