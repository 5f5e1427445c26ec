package io.jknife.hub.push;

import io.jknife.hub.HubException;
import io.jknife.hub.HubException.Kind;
import io.jknife.hub.api.HubApi;
import io.jknife.hub.api.RepoFile;
import io.jknife.hub.api.RepoInfo;
import io.jknife.hub.http.HubHttp;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Uploads a workspace to a Hub repository as one commit: creates the repository (private) and the
 * branch when missing, skips files the Hub already has with the same content, sends large files
 * through LFS. Never deletes files on the Hub. A dry run compares local and remote content ids
 * without writing anything.
 */
public final class Pusher {
    private static final int LISTED = 20;

    private final HubApi api;
    private final CommitApi commits;

    public Pusher(HubHttp http) {
        this.api = new HubApi(http);
        this.commits = new CommitApi(http);
    }

    public PushOutcome push(PushRequest req) throws IOException {
        LocalFiles local = LocalFiles.scan(req.dir(), IgnoreRules.forDirectory(req.dir()));
        RepoInfo remote = null;
        boolean repoExists = true;
        boolean branchExists = true;
        try {
            remote = api.repoInfo(req.repoId(), req.branch());
        } catch (HubException e) {
            if (e.kind() == Kind.REPO_NOT_FOUND) {
                repoExists = false;
                branchExists = false;
            } else if (e.kind() == Kind.REVISION_NOT_FOUND) {
                branchExists = false;
            } else {
                throw e;
            }
        }
        Diff diff = diff(local.uploads(), remote);
        if (req.dryRun()) {
            return outcome(null, null, local, diff, false, false, repoExists, branchExists, 0);
        }
        boolean createdRepo = false;
        boolean createdBranch = false;
        if (!repoExists) {
            createdRepo = commits.createRepo(req.repoId(), req.isPrivate());
            remote = api.repoInfo(req.repoId(), "main");
            branchExists = req.branch().equals("main");
        }
        if (!branchExists) {
            try {
                commits.createBranch(req.repoId(), req.branch());
            } catch (HubException e) {
                throw new PushStepException("branch_create_failed", "Could not create branch '" + req.branch() + "' in "
                        + req.repoId() + ": " + e.getMessage(), e);
            }
            createdBranch = true;
        }
        List<LocalFile> changed = new ArrayList<>(diff.added);
        changed.addAll(diff.modified);
        if (changed.isEmpty()) {
            RepoInfo head = api.repoInfo(req.repoId(), req.branch());
            return outcome(head.commit(), api.http().config().endpoint() + "/" + req.repoId() + "/commit/" + head.commit(),
                    local, diff, createdRepo, createdBranch, repoExists, branchExists, 0);
        }
        try {
            return upload(req, local, diff, changed, createdRepo, createdBranch, repoExists, branchExists);
        } catch (PushStepException e) {
            throw e;
        } catch (HubException e) {
            if (e.kind() == Kind.UNAUTHORIZED || e.kind() == Kind.FORBIDDEN) {
                throw e;
            }
            throw new PushStepException("upload_failed", "Upload failed: " + e.getMessage(), e);
        }
    }

    private PushOutcome upload(PushRequest req, LocalFiles local, Diff diff, List<LocalFile> changed, boolean createdRepo,
                               boolean createdBranch, boolean repoExists, boolean branchExists) throws IOException {
        Map<String, CommitApi.Mode> modes = commits.preupload(req.repoId(), req.branch(), changed);
        List<CommitApi.Operation> ops = new ArrayList<>();
        List<LocalFile> lfs = new ArrayList<>();
        for (LocalFile f : changed) {
            CommitApi.Mode m = modes.get(f.path());
            boolean asLfs = m.lfs() && f.size() > 0; // the Hub cannot store empty LFS objects
            if (m.ignore()) {
                continue;
            }
            String localOid = asLfs ? f.sha256() : f.gitSha1();
            if (localOid.equals(m.remoteOid())) {
                continue; // the Hub has it already (the listing may have lacked oids)
            }
            ops.add(new CommitApi.Operation(f, asLfs));
            if (asLfs) {
                lfs.add(f);
            }
        }
        if (ops.isEmpty()) {
            RepoInfo head = api.repoInfo(req.repoId(), req.branch());
            return outcome(head.commit(), null, local, new Diff(List.of(), List.of(), diff.deleted), createdRepo, createdBranch,
                    repoExists, branchExists, 0);
        }
        commits.uploadLfs(req.repoId(), req.branch(), lfs);
        CommitApi.Commit c = commits.commit(req.repoId(), req.branch(), req.message(), ops);
        return outcome(c.oid(), c.url(), local, diff, createdRepo, createdBranch, repoExists, branchExists, lfs.size());
    }

    /** Local files against the remote revision: new, changed (by content id), and remote-only paths. */
    private record Diff(List<LocalFile> added, List<LocalFile> modified, List<String> deleted) {
    }

    private static Diff diff(List<LocalFile> local, RepoInfo remote) throws IOException {
        if (remote == null) {
            return new Diff(local, List.of(), List.of());
        }
        Map<String, RepoFile> byPath = remote.files().stream().collect(Collectors.toMap(RepoFile::path, f -> f));
        List<LocalFile> added = new ArrayList<>();
        List<LocalFile> modified = new ArrayList<>();
        for (LocalFile f : local) {
            RepoFile r = byPath.get(f.path());
            if (r == null) {
                added.add(f);
            } else if (r.lfs() ? !f.sha256().equals(r.lfsSha256()) : r.blobId() == null || !f.gitSha1().equals(r.blobId())) {
                modified.add(f);
            }
        }
        Set<String> localPaths = local.stream().map(LocalFile::path).collect(Collectors.toSet());
        TreeSet<String> deleted = new TreeSet<>();
        for (RepoFile r : remote.files()) {
            // .gitattributes is the Hub's own file; ignored paths are not ours to compare
            if (!localPaths.contains(r.path()) && !r.path().equals(".gitattributes")) {
                deleted.add(r.path());
            }
        }
        return new Diff(added, modified, List.copyOf(deleted));
    }

    private static PushOutcome outcome(String sha, String url, LocalFiles local, Diff d, boolean createdRepo,
                                       boolean createdBranch, boolean repoExists, boolean branchExists, int lfs) {
        List<String> added = d.added.stream().map(LocalFile::path).sorted().limit(LISTED).toList();
        List<String> deleted = d.deleted.stream().limit(LISTED).toList();
        return new PushOutcome(sha, url, local.allCount(), d.added.size(), d.modified.size(), d.deleted.size(), added, deleted,
                createdRepo, createdBranch, repoExists, branchExists, lfs);
    }
}
