package io.jknife.cli.commands;

import io.jknife.cli.BaseCommand;
import io.jknife.cli.CommandFailure;
import io.jknife.cli.Context;
import io.jknife.hub.HubException;
import io.jknife.hub.RepoIds;
import io.jknife.hub.http.HubHttp;
import io.jknife.hub.pull.PullPlan;
import io.jknife.hub.pull.PullProgress;
import io.jknife.hub.pull.PullRequest;
import io.jknife.hub.pull.PullResult;
import io.jknife.hub.pull.Puller;
import io.jknife.store.ModelEntry;
import io.jknife.store.ModelRef;
import io.jknife.store.Resolution;
import io.jknife.store.StoreConfig;
import io.jknife.store.cache.HfRepo;
import io.jknife.store.probe.ModelProbe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code jknife pull MODEL[@REV][:VARIANT]}: downloads a repository (or one model file of it) from
 * the Hub into the Hugging Face cache, in huggingface_hub's layout. The name is taken as given
 * (a bare name already cached as {@code mlx-community/NAME} expands to it), never fuzzy-matched.
 * A cached copy that is unhealthy is resumed only after confirmation ({@code --force-resume}, or
 * a yes on the terminal).
 */
@Command(name = "pull", description = "Download a model from the Hugging Face Hub into the cache.")
public final class PullCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "MODEL", description = "org/name[@REV][:VARIANT]")
    String model;

    @Option(names = "--include", paramLabel = "GLOB", description = "Only files matching GLOB (repeatable).")
    List<String> includes = new ArrayList<>();

    @Option(names = "--exclude", paramLabel = "GLOB", description = "Skip files matching GLOB (repeatable).")
    List<String> excludes = new ArrayList<>();

    @Option(names = "--force-resume", description = "Resume a partial or broken download without asking.")
    boolean forceResume;

    private boolean cancelled;

    public PullCommand(Context ctx) {
        super(ctx);
    }

    @Override
    protected String name() {
        return "pull";
    }

    @Override
    protected Object execute() {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("model", null);
        data.put("download_status", "unknown");
        data.put("message", "");
        data.put("expanded_name", null);
        String spec = model == null ? "" : model.strip();
        if (spec.isEmpty() || ModelRef.isExplicitPath(spec)) {
            data.put("download_status", "error");
            throw new CommandFailure("ValidationError", spec.isEmpty() ? "Invalid model name: empty"
                    : "Invalid model name: pull takes a Hub repository id (org/name), not a path: " + spec, data, null);
        }
        ModelRef ref = ModelRef.parse(spec);
        String problem = RepoIds.problem(ref.name());
        if (problem != null) {
            data.put("download_status", "error");
            throw new CommandFailure("ValidationError", problem, data, null);
        }
        // the hub path alone: the model catalog (engines, probing) is built only if a cached copy needs checking
        Path hub = StoreConfig.fromEnvironment(ctx.env()).hub();
        String repoId = ref.name();
        if (!repoId.contains("/") && Files.isDirectory(HfRepo.of(hub, "mlx-community/" + repoId).dir())) {
            repoId = "mlx-community/" + repoId;
            data.put("expanded_name", repoId);
        }
        data.put("model", repoId);
        if (ref.revision() != null) {
            data.put("revision", ref.revision());
        }
        if (ref.variant() != null) {
            data.put("variant", ref.variant());
        }

        Local local = local(hub, repoId, ref);
        if (local.unhealthy != null && !forceResume) {
            String message = local.unhealthy + ". Use --force-resume to attempt resume or 'jknife rm' to delete.";
            data.put("download_status", "requires_confirmation");
            data.put("message", message);
            if (json) {
                return data;
            }
            if (!ctx.interactive()) {
                throw new CommandFailure("requires_confirmation", message, data, null);
            }
            ctx.err().println("Model '" + repoId + "' has partial download:");
            ctx.err().println("  " + message);
            if (!HubSupport.ask(ctx, "Resume download? [Y/n]: ", true)) {
                cancelled = true;
                return data;
            }
        }

        PullRequest request = new PullRequest(repoId, ref.revision(), ref.variant(), includes, excludes);
        try (HubHttp http = HubSupport.http(ctx, true); Puller puller = new Puller(HubSupport.api(http))) {
            data.put("download_status", "checking_access");
            PullPlan plan;
            try {
                plan = puller.plan(hub, request);
            } catch (HubException e) {
                if (e.kind() == HubException.Kind.NETWORK && local.healthy) {
                    data.put("download_status", "already_exists");
                    data.put("message", "Model " + repoId + " already exists in cache");
                    data.put("preflight_warning", "Hub not reachable (" + e.getMessage() + "); using the cached copy.");
                    return data;
                }
                throw HubSupport.preflightFailure(e, repoId, data);
            }
            data.put("commit_hash", plan.commit());
            boolean complete = plan.complete();
            PullProgress progress = complete ? PullProgress.NONE : HubSupport.progress(ctx, json);
            PullResult result;
            try {
                data.put("download_status", "downloading");
                result = puller.execute(plan, progress);
            } catch (HubException e) {
                throw HubSupport.downloadFailure(e, repoId, data);
            } finally {
                HubSupport.close(progress);
            }
            data.put("files", result.files());
            data.put("total_bytes", result.totalBytes());
            data.put("downloaded_bytes", result.downloadedBytes());
            data.put("snapshot_path", result.snapshot().toString());
            if (complete) {
                data.put("download_status", "already_exists");
                data.put("message", "Model " + repoId + " already exists in cache");
            } else {
                data.put("download_status", "success");
                data.put("message", "Downloaded to " + result.snapshot());
            }
            return data;
        }
    }

    /** The cached copy, if any: healthy, or unhealthy with the reason. */
    private record Local(boolean healthy, String unhealthy) {
    }

    private Local local(Path hub, String repoId, ModelRef ref) {
        if (!Files.isDirectory(HfRepo.of(hub, repoId).dir())) {
            return new Local(false, null);
        }
        String text = repoId + (ref.revision() != null ? "@" + ref.revision() : "") + (ref.variant() != null ? ":" + ref.variant() : "");
        Resolution r = ctx.store().resolve(ModelRef.parse(text));
        if (!(r instanceof Resolution.Found found)) {
            return new Local(false, null); // that revision or variant is not here yet: nothing to resume
        }
        for (ModelEntry e : found.entries()) {
            ModelProbe probe = ctx.catalog().probe(e);
            if (!probe.healthy()) {
                return new Local(false, probe.healthReason());
            }
        }
        return new Local(true, null);
    }

    @Override
    @SuppressWarnings("unchecked")
    protected void printHuman(Object data) {
        Map<String, Object> d = (Map<String, Object>) data;
        if (cancelled) {
            ctx.err().println("Download cancelled. Partial download kept.");
            ctx.err().println("Use 'jknife rm " + d.get("model") + "' to delete if needed.");
            return;
        }
        ctx.out().println("pull: " + d.get("model") + " — " + d.get("message"));
    }
}
