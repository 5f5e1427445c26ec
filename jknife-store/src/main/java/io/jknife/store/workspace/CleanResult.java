package io.jknife.store.workspace;

import java.util.Objects;
import java.util.Optional;

/**
 * The clean state of a workspace (spec cli.md §5.5), mapped one-to-one onto the JSON fields
 * {@code clean}, {@code content_hash} (current) and the stored hash.
 *
 * @param clean       {@code true} (matches its sentinel), {@code false} (edited) or {@code null}
 *                    (unknown: no sentinel, legacy v1 hash, no or corrupt {@code file_index})
 * @param currentHash the hash on disk: the stored one when clean, the recomputed one when dirty
 *                    ({@code null} when that recompute fails), {@code null} when unknown
 * @param storedHash  the sentinel's {@code content_hash} when it is a string, else {@code null}
 * @param hint        a one-line UX hint for an unknown state that the user can fix
 */
public record CleanResult(Boolean clean, String currentHash, String storedHash, Optional<String> hint) {

    public CleanResult {
        Objects.requireNonNull(hint, "hint");
    }

    /** No sentinel: everything unknown, no hint. */
    public static CleanResult noSentinel() {
        return new CleanResult(null, null, null, Optional.empty());
    }

    public boolean isClean() {
        return Boolean.TRUE.equals(clean);
    }

    public boolean isDirty() {
        return Boolean.FALSE.equals(clean);
    }

    public boolean isUnknown() {
        return clean == null;
    }
}
