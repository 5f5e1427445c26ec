package io.jknife.hub.clone;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jknife.hub.HubException;
import io.jknife.hub.cache.LocalErrors;
import io.jknife.hub.copy.FileCopier;
import io.jknife.hub.pull.PullPlan;
import io.jknife.hub.pull.PullProgress;
import io.jknife.hub.pull.PullRequest;
import io.jknife.hub.pull.PullResult;
import io.jknife.hub.pull.Puller;
import io.jknife.hub.workspace.StagedWorkspace;
import io.jknife.store.workspace.WorkspaceSentinel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Makes a managed workspace from a repository revision: the files of a snapshot copied (by
 * reflink, hard link or rename where possible) into a staged directory, the sentinel with its
 * provenance ({@code source_repo}, {@code source_revision} = the commit) and the content hash v2,
 * then renamed to the target. The snapshot comes from the user's cache when it already holds the
 * files, else from a download into a temporary cache beside the target (kept when interrupted, so
 * the next run resumes; deleted after success).
 */
public final class Cloner {
    private final String version;

    /** @param version the jknife version recorded in the sentinel */
    public Cloner(String version) {
        this.version = version;
    }

    /** Clones {@code paths} of an existing snapshot (the user's cache): nothing is downloaded. */
    public CloneResult fromSnapshot(Path snapshot, List<String> paths, String repoId, String commit, Path target)
            throws IOException {
        try (StagedWorkspace ws = StagedWorkspace.begin(target)) {
            FileCopier copier = new FileCopier(true);
            long bytes = 0;
            for (String p : paths) {
                Path dst = ws.dir().resolve(p);
                copier.copy(snapshot.resolve(p), dst);
                bytes += Files.size(dst);
            }
            String hash = ws.publish(sentinel(repoId, commit)).orElse(null);
            return new CloneResult(commit, "cache", paths.size(), bytes, 0, copier.summary(), hash);
        }
    }

    /**
     * Downloads {@code req} into the temporary cache for ({@code spec}, {@code target}) with
     * {@code puller}, then clones it. A plan made against that cache may be passed to skip asking
     * the Hub twice.
     */
    public CloneResult fromHub(Puller puller, PullRequest req, String spec, Path target, PullProgress progress)
            throws IOException {
        StagedWorkspace.checkTarget(target.toAbsolutePath().normalize());
        TempCache temp = TempCache.forTarget(spec, target);
        boolean success = false;
        try {
            temp.create();
            PullPlan plan = puller.plan(temp.root(), req);
            PullResult pulled = puller.execute(plan, progress);
            temp.markComplete();
            CloneResult r = moveIn(plan, pulled, req.repoId(), target);
            success = true;
            return r;
        } catch (IOException e) {
            throw e instanceof HubException ? e : LocalErrors.of(e, temp.root());
        } finally {
            if (success || !temp.holdsData()) {
                temp.delete(); // a partial download stays for the next run to resume
            }
        }
    }

    /** Path of the temporary cache a clone of {@code spec} into {@code target} uses. */
    public static Path tempCacheFor(String spec, Path target) {
        return TempCache.forTarget(spec, target).root();
    }

    private CloneResult moveIn(PullPlan plan, PullResult pulled, String repoId, Path target) throws IOException {
        try (StagedWorkspace ws = StagedWorkspace.begin(target)) {
            FileCopier copier = new FileCopier(false);
            Map<Path, Path> moved = new HashMap<>();
            long bytes = 0;
            for (PullPlan.PlannedFile f : plan.files()) {
                Path blob = plan.layout().blob(f.etag());
                Path dst = ws.dir().resolve(f.file().path());
                Path first = moved.get(blob);
                if (first == null) {
                    copier.move(blob, dst); // the temporary cache is deleted afterwards: take its blobs
                    moved.put(blob, dst);
                } else {
                    copier.copy(first, dst); // the same content at a second path
                }
                bytes += Files.size(dst);
            }
            String hash = ws.publish(sentinel(repoId, pulled.commit())).orElse(null);
            return new CloneResult(pulled.commit(), "hub", plan.files().size(), bytes, pulled.downloadedBytes(),
                    copier.summary(), hash);
        }
    }

    private ObjectNode sentinel(String repoId, String commit) {
        return WorkspaceSentinel.create(version, "clone", repoId, commit);
    }
}
