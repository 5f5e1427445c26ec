package io.jknife.hub.push;

import java.util.List;

/**
 * What a push did (or, with {@code --dry-run}, would do).
 *
 * @param commitSha      the new commit, or the branch's head when nothing changed (null for a dry run)
 * @param commitUrl      its web address, or null
 * @param localFiles     regular files in the workspace (ignored ones included)
 * @param added          files new on the Hub
 * @param modified       files whose content differs from the Hub's
 * @param deleted        Hub files absent locally (push never deletes them; reported so a dry run shows drift)
 * @param addedFiles     the first 20 added paths, sorted
 * @param deletedFiles   the first 20 deleted paths, sorted
 * @param createdRepo    the repository was created
 * @param createdBranch  the branch was created
 * @param repoExists     the repository existed before
 * @param branchExists   the branch existed before
 * @param lfsFiles       files uploaded through LFS
 */
public record PushOutcome(String commitSha, String commitUrl, int localFiles, int added, int modified, int deleted,
                          List<String> addedFiles, List<String> deletedFiles, boolean createdRepo, boolean createdBranch,
                          boolean repoExists, boolean branchExists, int lfsFiles) {

    public boolean noChanges() {
        return added == 0 && modified == 0;
    }

    public int uploaded() {
        return added + modified;
    }
}
