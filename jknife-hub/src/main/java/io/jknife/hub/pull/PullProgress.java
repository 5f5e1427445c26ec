package io.jknife.hub.pull;

/**
 * What a pull reports while it runs; implementations must be thread-safe (files download in
 * parallel). Every method has a do-nothing default.
 */
public interface PullProgress {
    PullProgress NONE = new PullProgress() {
    };

    /** Before the first byte: files to fetch, their total size, bytes already on disk (resumed or cached). */
    default void started(String repoId, int files, long totalBytes, long presentBytes) {
    }

    default void fileStarted(String path, long size) {
    }

    /** {@code n} more bytes of {@code path} arrived. */
    default void bytes(String path, long n) {
    }

    /** {@code path} is complete; {@code cached}: it was already there. */
    default void fileFinished(String path, long size, boolean cached) {
    }

    /** The pull ended (successfully or not). */
    default void finished(boolean success) {
    }
}
