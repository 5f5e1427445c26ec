package io.jknife.hub.push;

import java.nio.file.Path;

/**
 * What to push.
 *
 * @param dir       the workspace
 * @param repoId    {@code org/name} on the Hub
 * @param branch    target branch
 * @param message   commit summary
 * @param isPrivate create the repository private (push always asks for {@code --private})
 * @param dryRun    compare only, upload nothing
 */
public record PushRequest(Path dir, String repoId, String branch, String message, boolean isPrivate, boolean dryRun) {
}
