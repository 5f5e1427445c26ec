package io.jknife.hub.api;

import java.util.List;

/**
 * A repository at one revision: the commit the revision points to and its files.
 *
 * @param repoId  {@code org/name} as the Hub spells it
 * @param commit  40-hex commit id
 * @param files   every file of the revision, sorted by path
 * @param isPrivate whether the repository is private
 * @param gated   whether access needs accepted terms
 */
public record RepoInfo(String repoId, String commit, List<RepoFile> files, boolean isPrivate, boolean gated) {
    public RepoInfo {
        files = List.copyOf(files);
    }
}
