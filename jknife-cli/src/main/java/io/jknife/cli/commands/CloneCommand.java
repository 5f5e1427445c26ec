package io.jknife.cli.commands;

import io.jknife.cli.BaseCommand;
import io.jknife.cli.CommandFailure;
import io.jknife.cli.Context;
import io.jknife.cli.Version;
import io.jknife.hub.HubException;
import io.jknife.hub.RepoIds;
import io.jknife.hub.clone.CloneResult;
import io.jknife.hub.clone.Cloner;
import io.jknife.hub.http.HubHttp;
import io.jknife.hub.pull.PullPlan;
import io.jknife.hub.pull.PullProgress;
import io.jknife.hub.pull.PullRequest;
import io.jknife.hub.pull.Puller;
import io.jknife.hub.workspace.TargetException;
import io.jknife.store.ModelEntry;
import io.jknife.store.ModelRef;
import io.jknife.store.Resolution;
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
import java.util.Map;

/**
 * {@code jknife clone MODEL [TARGET]}: makes a self-contained, managed workspace from a Hub
 * repository (or one {@code :VARIANT} of it). Copied from the Hugging Face cache when it already
 * holds that revision (no download), else downloaded into a temporary cache beside the target;
 * when the Hub cannot be reached, a healthy cached copy is used.
 */
@Command(name = "clone", description = "Make a workspace from a Hub model (copied from the cache when it is there).")
public final class CloneCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "MODEL", description = "org/name[@REV][:VARIANT]")
    String model;

    @Parameters(index = "1", arity = "0..1", paramLabel = "TARGET",
            description = "Target directory (a bare name goes into JKNIFE_WORKSPACE_HOME; default: that home + the model name).")
    String target;

    @Option(names = "--branch", paramLabel = "REV", description = "Revision to clone (same as MODEL@REV).")
    String branch;

    @Option(names = "--no-health-check", description = "Skip the health check of the new workspace.")
    boolean noHealthCheck;

    @Option(names = "--quiet", description = "Human output without the health suffix.")
    boolean quiet;

    @Option(names = "--force-resume", description = "Accepted for compatibility: an interrupted clone always resumes.")
    boolean forceResume;

    public CloneCommand(Context ctx) {
        super(ctx);
    }

    @Override
    protected String name() {
        return "clone";
    }

    @Override
    protected Object execute() {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("model", model);
        data.put("clone_status", "unknown");
        data.put("message", "");
        data.put("target_dir", null);
        data.put("health_check", !noHealthCheck);
        String spec = model == null ? "" : model.strip();
        if (spec.isEmpty() || ModelRef.isExplicitPath(spec)) {
            data.put("clone_status", "error");
            throw new CommandFailure("ValidationError", spec.isEmpty() ? "Invalid model name: empty"
                    : "Invalid model name: clone takes a Hub repository id (org/name), not a path: " + spec, data, null);
        }
        ModelRef ref = ModelRef.parse(spec);
        String problem = RepoIds.problem(ref.name());
        if (problem != null) {
            data.put("clone_status", "error");
            throw new CommandFailure("ValidationError", problem, data, null);
        }
        String revision = ref.revision() != null ? ref.revision() : branch;
        Path dest = resolveTarget(ref.name(), data);
        data.put("target_dir", dest.toString());
        try {
            io.jknife.hub.workspace.StagedWorkspace.checkTarget(dest);
        } catch (TargetException e) {
            data.put("clone_status", "error");
            throw new CommandFailure("InvalidTargetError", e.getMessage(), data, null);
        }
        PullRequest req = PullRequest.of(ref.name(), revision, ref.variant());
        Cloner cloner = new Cloner(Version.cli());
        CloneResult result;
        data.put("clone_status", "preparing");
        try (HubHttp http = HubSupport.http(ctx, true); Puller puller = new Puller(HubSupport.api(http))) {
            Path userHub = ctx.store().config().hub();
            PullPlan cached = null;
            HubException hubError = null;
            try {
                cached = puller.plan(userHub, req, false);
            } catch (HubException e) {
                hubError = e;
            }
            if (cached != null && cached.complete()) {
                data.put("clone_status", "cloning");
                List<String> paths = cached.files().stream().map(f -> f.file().path()).toList();
                result = cloner.fromSnapshot(cached.layout().snapshot(cached.commit()), paths, ref.name(), cached.commit(), dest);
            } else if (hubError != null) {
                result = fromCacheOffline(cloner, ref, revision, dest, hubError, data);
            } else {
                data.put("clone_status", "pulling");
                PullProgress progress = HubSupport.progress(ctx, json);
                java.util.concurrent.atomic.AtomicBoolean cancelled = new java.util.concurrent.atomic.AtomicBoolean();
                try {
                    result = Interrupts.interruptingThread(() -> cancelled.set(true),
                            () -> cloner.fromHub(puller, req, spec, dest, progress));
                } catch (IOException e) {
                    if (cancelled.get()) {
                        throw cancelledByUser(Cloner.tempCacheFor(spec, dest), data);
                    }
                    throw e;
                } finally {
                    HubSupport.close(progress);
                }
            }
        } catch (TargetException e) {
            data.put("clone_status", "error");
            throw new CommandFailure("InvalidTargetError", e.getMessage(), data, null);
        } catch (HubException e) {
            throw pullFailed(e, ref.name(), data);
        } catch (IOException e) {
            data.put("clone_status", "filesystem_error");
            throw new CommandFailure("CloneFailedError", "Clone failed: " + e.getMessage(), data, null);
        }
        data.put("clone_status", "success");
        data.put("message", "Cloned to " + (target != null ? target : dest.toString()));
        data.put("source", result.source());
        data.put("commit_hash", result.commit());
        data.put("files", result.files());
        data.put("total_bytes", result.bytes());
        data.put("downloaded_bytes", result.downloadedBytes());
        data.put("copy_method", result.copyMethod());
        data.put("content_hash", result.contentHash());
        if (!noHealthCheck) {
            healthCheck(dest, data);
        }
        return data;
    }

    /** Ctrl-C during the download: the partial download stays in the temporary cache for the next run. */
    private static CommandFailure cancelledByUser(Path temp, Map<String, Object> data) {
        data.put("clone_status", "cancelled");
        String message = "Operation cancelled by user.";
        if (Files.isDirectory(temp)) {
            message += "\nPartial download preserved at: " + temp
                    + "\nTo resume: Run the same command again (same model + target).\nTo delete: rm -rf " + temp;
        }
        return new CommandFailure("UserCancelledError", message, data, null);
    }

    /** The Hub failed: a healthy copy in the cache still makes a workspace, with a warning. */
    private CloneResult fromCacheOffline(Cloner cloner, ModelRef ref, String revision, Path dest, HubException hubError,
                                         Map<String, Object> data) throws IOException {
        String text = ref.name() + (revision != null ? "@" + revision : "") + (ref.variant() != null ? ":" + ref.variant() : "");
        ModelEntry found = null;
        if (Files.isDirectory(io.jknife.store.cache.HfRepo.of(ctx.store().config().hub(), ref.name()).dir())
                && ctx.store().resolve(ModelRef.parse(text)) instanceof Resolution.Found f && f.single() != null
                && f.single().cached() && ctx.catalog().probe(f.single()).healthy()) {
            found = f.single();
        }
        if (found == null) {
            throw hubError;
        }
        ModelEntry entry = found;
        data.put("warning", "Hub not reachable or refused (" + hubError.getMessage() + "); cloned the cached copy.");
        data.put("clone_status", "cloning");
        List<Path> files = new ArrayList<>(entry.variant() != null ? entry.variant().files() : entry.files().allFiles());
        if (entry.variant() != null) {
            files.addAll(entry.files().mmprojFiles());
        }
        List<String> paths = files.stream().map(p -> entry.dir().relativize(p).toString()).distinct().toList();
        return cloner.fromSnapshot(entry.dir(), paths, ref.name(), entry.commitOrDir(), dest);
    }

    private CommandFailure pullFailed(HubException e, String repoId, Map<String, Object> data) {
        CommandFailure mapped = HubSupport.downloadFailure(e, repoId, null);
        data.put("clone_status", "pull_failed");
        return new CommandFailure("PullFailedError", "Pull operation failed: " + mapped.getMessage(), data,
                HubSupport.retryable(e));
    }

    /** The reference's target rules: none → the workspace home + the model's name; a bare name → inside the home. */
    private Path resolveTarget(String repoId, Map<String, Object> data) {
        String homeText = ctx.env().getOrDefault("JKNIFE_WORKSPACE_HOME", "");
        if (homeText.isBlank()) {
            homeText = ctx.env().getOrDefault("MLXK_WORKSPACE_HOME", "");
        }
        Path home = homeText.isBlank() ? null : expand(homeText);
        if (target == null) {
            data.put("clone_status", "error");
            if (home == null) {
                throw new CommandFailure("InvalidTargetError", "Target directory required. Set JKNIFE_WORKSPACE_HOME or give one: "
                        + "jknife clone " + model + " ./my-model", data, null);
            }
            if (!Files.isDirectory(home)) {
                throw new CommandFailure("InvalidTargetError", "JKNIFE_WORKSPACE_HOME is not a directory: " + home, data, null);
            }
            String name = repoId.substring(repoId.lastIndexOf('/') + 1);
            Path t = home.resolve(name);
            if (Files.exists(t)) {
                throw new CommandFailure("InvalidTargetError", name + " already exists in " + home, data, null);
            }
            data.put("clone_status", "unknown");
            return t.toAbsolutePath().normalize();
        }
        if (home != null && Files.isDirectory(home) && !Workspaces.isPathLike(target)) {
            return home.resolve(target).toAbsolutePath().normalize();
        }
        return expand(target).toAbsolutePath().normalize();
    }

    private Path expand(String p) {
        String h = ctx.env().getOrDefault("HOME", System.getProperty("user.home"));
        return p.equals("~") || p.startsWith("~/") ? Path.of(h + p.substring(1)) : Path.of(p);
    }

    private void healthCheck(Path dest, Map<String, Object> data) {
        data.put("clone_status", "health_checking");
        List<ModelEntry> entries = ctx.store().entriesOfWorkspace(dest);
        String reason = null;
        for (ModelEntry e : entries) {
            ModelProbe p = ctx.catalog().probe(e);
            if (!p.healthy()) {
                reason = p.healthReason();
                break;
            }
        }
        data.put("health", reason == null ? "healthy" : "unhealthy");
        data.put("health_reason", reason);
        data.put("clone_status", "success");
    }

    @Override
    @SuppressWarnings("unchecked")
    protected void printHuman(Object data) {
        Map<String, Object> d = (Map<String, Object>) data;
        String suffix = "";
        if (!quiet && d.containsKey("health")) {
            suffix = "healthy".equals(d.get("health")) ? " (✓ healthy)" : " (⚠ unhealthy: " + d.get("health_reason") + ")";
        }
        if (d.get("warning") != null) {
            ctx.err().println("clone: warning: " + d.get("warning"));
        }
        ctx.out().println("clone: " + d.get("model") + " → " + d.get("target_dir") + suffix);
    }
}
