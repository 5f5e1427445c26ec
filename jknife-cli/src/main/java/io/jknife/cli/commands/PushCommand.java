package io.jknife.cli.commands;

import io.jknife.cli.BaseCommand;
import io.jknife.cli.CommandFailure;
import io.jknife.cli.Context;
import io.jknife.hub.HubException;
import io.jknife.hub.RepoIds;
import io.jknife.hub.http.HubHttp;
import io.jknife.hub.push.IgnoreRules;
import io.jknife.hub.push.LocalFiles;
import io.jknife.hub.push.WorkspaceCheck;
import io.jknife.hub.push.PushOutcome;
import io.jknife.hub.push.PushRequest;
import io.jknife.hub.push.PushStepException;
import io.jknife.hub.push.Pusher;
import io.jknife.store.ModelEntry;
import io.jknife.store.probe.ModelProbe;
import io.jknife.store.workspace.Workspaces;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code jknife push DIR ORG/REPO --private}: uploads a workspace to a Hub repository as one
 * commit, creating the (private) repository and the branch when missing. Never uploads the
 * workspace sentinel (local state) or its {@code .hf_cache/}; never deletes files on the Hub.
 * {@code --dry-run} compares content ids without writing; {@code --check-only} looks at the
 * workspace alone.
 */
@Command(name = "push", description = "Upload a workspace to a private Hugging Face Hub repository.")
public final class PushCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "DIR", description = "Workspace directory (or a name in JKNIFE_WORKSPACE_HOME).")
    String dir;

    @Parameters(index = "1", paramLabel = "ORG/REPO", description = "Hub repository.")
    String repo;

    @Option(names = "--private", required = true, description = "Required: the repository is (created) private.")
    boolean isPrivate;

    @Option(names = "--create", description = "Accepted for compatibility: a missing repository or branch is always created.")
    boolean create;

    @Option(names = "--branch", paramLabel = "B", description = "Target branch (default: main).")
    String branch = "main";

    @Option(names = "--commit", paramLabel = "MSG", description = "Commit message (default: jknife push).")
    String message = "jknife push";

    @Option(names = "--dry-run", description = "Compare with the Hub, upload nothing.")
    boolean dryRun;

    @Option(names = "--check-only", description = "Check the workspace locally; no token, no network.")
    boolean checkOnly;

    @Option(names = "--verbose", description = "More detail in human output.")
    boolean verbose;

    public PushCommand(Context ctx) {
        super(ctx);
    }

    @Override
    protected String name() {
        return "push";
    }

    @Override
    protected Object execute() {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("repo_id", repo);
        data.put("branch", branch);
        data.put("commit_sha", null);
        data.put("commit_url", null);
        data.put("repo_url", null);
        data.put("uploaded_files_count", null);
        data.put("local_files_count", null);
        data.put("no_changes", null);
        data.put("created_repo", false);
        data.put("message", null);
        String problem = RepoIds.problem(repo);
        if (problem == null && !repo.contains("/")) {
            problem = "Invalid repository: '" + repo + "' (expected org/name)";
        }
        if (problem != null) {
            throw new CommandFailure("ValidationError", problem, data, null);
        }
        boolean hasToken = !ctx.env().getOrDefault("HF_TOKEN", "").isBlank();
        if (!hasToken && !checkOnly) {
            throw new CommandFailure("auth_error", "HF_TOKEN not set", data, null);
        }
        Path local = resolveDir(data);
        try (HubHttp http = HubSupport.http(ctx, false)) {
            data.put("repo_url", http.config().repoUrl(repo));
            if (checkOnly) {
                return checkOnly(local, data);
            }
            PushOutcome o = new Pusher(http).push(new PushRequest(local, repo, branch, message, isPrivate, dryRun));
            fill(data, o);
            return data;
        } catch (PushStepException e) {
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("retryable", e.retryable());
            throw new CommandFailure(e.type(), e.getMessage(), data, extra);
        } catch (HubException e) {
            if (e.kind() == HubException.Kind.UNAUTHORIZED || e.kind() == HubException.Kind.FORBIDDEN) {
                throw new CommandFailure("auth_error", "The Hub refused the token for '" + repo + "': " + e.getMessage(), data, null);
            }
            throw new CommandFailure("upload_failed", "Upload failed: " + e.getMessage(), data, HubSupport.retryable(e));
        } catch (IOException e) {
            throw new CommandFailure("push_operation_failed", "Push failed: " + e.getMessage(), data, null);
        }
    }

    private void fill(Map<String, Object> data, PushOutcome o) {
        data.put("local_files_count", o.localFiles());
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("added", o.added());
        summary.put("modified", o.modified());
        summary.put("deleted", o.deleted());
        if (dryRun) {
            data.put("dry_run", true);
            data.put("uploaded_files_count", 0);
            data.put("no_changes", o.noChanges());
            data.put("change_summary", summary);
            data.put("dry_run_summary", summary);
            data.put("added_files", o.addedFiles());
            data.put("deleted_files", o.deletedFiles());
            data.put("would_create_repo", !o.repoExists());
            data.put("would_create_branch", !o.branchExists());
            data.put("message", !o.repoExists() ? "Dry-run: repository does not exist; would create and add all files."
                    : !o.branchExists() ? "Dry-run: branch does not exist; would create branch and add all files."
                    : o.noChanges() ? "Dry-run: no changes"
                    : "Dry-run: +" + o.added() + " ~" + o.modified() + " -" + o.deleted());
            return;
        }
        data.put("commit_sha", o.commitSha());
        data.put("commit_url", o.commitUrl());
        data.put("uploaded_files_count", o.uploaded());
        data.put("no_changes", o.noChanges());
        data.put("created_repo", o.createdRepo());
        data.put("created_branch", o.createdBranch());
        data.put("lfs_files_count", o.lfsFiles());
        Map<String, Object> changes = new LinkedHashMap<>(summary);
        changes.put("deleted", 0); // push never deletes on the Hub
        data.put("change_summary", changes);
        data.put("message", o.noChanges() ? "No files changed; skipped empty commit."
                : "Committed " + o.uploaded() + " files (+" + o.added() + " ~" + o.modified() + " -0).");
    }

    private Object checkOnly(Path local, Map<String, Object> data) throws IOException {
        LocalFiles files = LocalFiles.scan(local, IgnoreRules.forDirectory(local));
        Map<String, Object> health = WorkspaceCheck.check(local, files);
        // our own probe reads the weights' headers too: a corrupt file is an error the file list cannot show
        for (ModelEntry e : ctx.store().entriesOfWorkspace(local)) {
            ModelProbe p = ctx.catalog().probe(e);
            if (!p.healthy()) {
                @SuppressWarnings("unchecked")
                List<Object> anomalies = new ArrayList<>((List<Object>) health.get("anomalies"));
                anomalies.add(Map.of("severity", "error", "code", "model_unhealthy", "message", p.healthReason()));
                health.put("anomalies", anomalies);
                health.put("healthy", false);
                break;
            }
        }
        data.put("local_files_count", files.allCount());
        data.put("workspace_health", health);
        data.put("message", "Check-only: no upload performed.");
        return data;
    }

    /** An existing directory as given; else a workspace-home name (exact, then a unique substring). */
    private Path resolveDir(Map<String, Object> data) {
        Path p = Path.of(dir).toAbsolutePath().normalize();
        if (Files.isDirectory(p)) {
            return p;
        }
        if (Workspaces.isPathLike(dir) || ctx.store().config().workspaceHome().isEmpty()) {
            throw new CommandFailure("workspace_not_found", "Workspace not found or not a directory: " + dir, data, null);
        }
        Path home = ctx.store().config().workspaceHome().get();
        if (Files.isDirectory(home.resolve(dir))) {
            return home.resolve(dir);
        }
        List<String> matches = new ArrayList<>();
        for (Path ws : ctx.store().workspaceHomeEntries()) {
            if (ws.getFileName().toString().toLowerCase(Locale.ROOT).contains(dir.toLowerCase(Locale.ROOT))) {
                matches.add(ws.toString());
            }
        }
        if (matches.isEmpty()) {
            throw new CommandFailure("workspace_not_found", "No workspace found matching: " + dir, data, null);
        }
        if (matches.size() > 1) {
            throw new CommandFailure("ambiguous_workspace", "Ambiguous pattern '" + dir + "' matches " + matches.size()
                    + " workspaces: " + String.join(", ", matches) + ". Please specify exact path.", data, Map.of("matches", matches));
        }
        return Path.of(matches.getFirst());
    }

    @Override
    @SuppressWarnings("unchecked")
    protected void printHuman(Object data) {
        Map<String, Object> d = (Map<String, Object>) data;
        String head = "push: " + repo + "@" + branch + " — ";
        if (checkOnly) {
            Map<String, Object> h = (Map<String, Object>) d.get("workspace_health");
            ctx.out().println(head + "check-only: " + h.get("files_count") + " files, "
                    + (Boolean.TRUE.equals(h.get("healthy")) ? "healthy" : "unhealthy"));
            for (Map<String, Object> a : (List<Map<String, Object>>) h.get("anomalies")) {
                ctx.out().println("  " + a.get("severity") + ": " + a.get("message") + " [" + a.get("code") + "]");
            }
            return;
        }
        if (dryRun) {
            Map<String, Object> s = (Map<String, Object>) d.get("dry_run_summary");
            String text = Boolean.TRUE.equals(d.get("no_changes")) ? "dry-run: no changes"
                    : "dry-run: +" + s.get("added") + " ~" + s.get("modified") + " -" + s.get("deleted");
            List<String> would = new ArrayList<>();
            if (Boolean.TRUE.equals(d.get("would_create_repo"))) {
                would.add("create repo");
            }
            if (Boolean.TRUE.equals(d.get("would_create_branch"))) {
                would.add("create branch");
            }
            ctx.out().println(head + text + (would.isEmpty() ? "" : " (" + String.join(", ", would) + ")"));
            return;
        }
        if (Boolean.TRUE.equals(d.get("no_changes"))) {
            ctx.out().println(head + "no changes");
            return;
        }
        Map<String, Object> c = (Map<String, Object>) d.get("change_summary");
        String sha = String.valueOf(d.get("commit_sha"));
        ctx.out().println(head + "commit " + sha.substring(0, Math.min(7, sha.length())) + " (+" + c.get("added") + " ~"
                + c.get("modified") + " -" + c.get("deleted") + ")" + (verbose ? " <" + d.get("commit_url") + ">" : ""));
    }
}
