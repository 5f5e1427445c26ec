package io.jknife.store;

import io.jknife.store.cache.HfRepo;
import io.jknife.store.probe.ModelFiles;

import java.nio.file.Path;

/**
 * One model as the store lists it: a cache repository (or one model file of it) or a workspace.
 *
 * @param name          {@code org/name}, {@code org/name:VARIANT}, or a workspace's absolute path (plus {@code :VARIANT})
 * @param repo          the cache repository, or null for workspaces
 * @param dir           the directory probed: the selected snapshot, the workspace, or the repository
 *                      directory itself when it has no snapshot
 * @param commit        the snapshot's commit id when its directory is named by one, else null
 * @param files         the scanned files of {@code dir}
 * @param variant       the model file within {@code dir}, or null for the directory's Hugging Face weights
 * @param heuristicName the name used by name-based heuristics: the repository id, or the workspace's
 *                      source repository or directory name, never an absolute path
 */
public record ModelEntry(String name, HfRepo repo, Path dir, String commit, ModelFiles files,
                         ModelFiles.Variant variant, String heuristicName) {

    public boolean cached() {
        return repo != null;
    }

    /** The snapshot's commit id, or its directory name when that is not a commit id. */
    public String commitOrDir() {
        return commit != null ? commit : dir.getFileName().toString();
    }

    /** The repository-level name without {@code :VARIANT}. */
    public String baseName() {
        return variant == null ? name : name.substring(0, name.length() - variant.name().length() - 1);
    }
}
