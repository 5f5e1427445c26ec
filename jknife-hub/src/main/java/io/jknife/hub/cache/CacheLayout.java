package io.jknife.hub.cache;

import io.jknife.store.cache.HfNames;

import java.nio.file.Path;

/**
 * Where huggingface_hub keeps each piece of one repository in a cache root ({@code $HF_HOME/hub},
 * or a clone's temporary cache): {@code blobs/<etag>}, {@code blobs/<etag>.incomplete} while
 * downloading, {@code snapshots/<commit>/<path>}, {@code refs/<revision>}, and the lock file
 * {@code .locks/models--org--name/<etag>.lock}.
 */
public record CacheLayout(Path root, String repoId, Path repoDir) {

    public static CacheLayout of(Path root, String repoId) {
        return new CacheLayout(root, repoId, root.resolve(HfNames.toDirName(repoId)));
    }

    public Path blobs() {
        return repoDir.resolve("blobs");
    }

    public Path blob(String etag) {
        return blobs().resolve(etag);
    }

    public Path incomplete(String etag) {
        return blobs().resolve(etag + ".incomplete");
    }

    public Path locksDir() {
        return root.resolve(".locks").resolve(repoDir.getFileName());
    }

    public Path lock(String etag) {
        return locksDir().resolve(etag + ".lock");
    }

    public Path snapshots() {
        return repoDir.resolve("snapshots");
    }

    public Path snapshot(String commit) {
        return snapshots().resolve(commit);
    }

    public Path ref(String revision) {
        return repoDir.resolve("refs").resolve(revision);
    }

    /**
     * A private directory beside {@code snapshots/} where a new snapshot is assembled before it
     * is renamed into place; two levels below the repository like a real snapshot, so the
     * relative blob links are already right. Dot-named: nothing lists it as a snapshot.
     */
    public Path staging(String commit, String unique) {
        return repoDir.resolve(".jknife-staging").resolve(commit + "-" + unique);
    }
}
