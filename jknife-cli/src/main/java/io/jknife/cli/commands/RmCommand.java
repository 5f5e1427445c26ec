package io.jknife.cli.commands;

import io.jknife.cli.BaseCommand;
import io.jknife.cli.CommandFailure;
import io.jknife.cli.Context;
import io.jknife.store.ModelEntry;
import io.jknife.store.ModelRef;
import io.jknife.store.Resolution;
import io.jknife.store.cache.CacheEditor;
import io.jknife.store.cache.HfRepo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code jknife rm MODEL}: deletes a repository from the cache ({@code @REV}: one snapshot;
 * {@code :VARIANT}: one model file), asking first unless {@code -f}. Workspaces and anything
 * outside the cache are refused.
 */
@Command(name = "rm", description = "Delete a model from the Hugging Face cache.")
public final class RmCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "MODEL", description = "Cache model reference (org/name[@REV][:VARIANT] or a short name).")
    String model;

    @Option(names = {"-f", "--force"}, description = "Delete without asking, even when lock files exist.")
    boolean force;

    public RmCommand(Context ctx) {
        super(ctx);
    }

    @Override
    protected String name() {
        return "rm";
    }

    @Override
    protected Object execute() {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("model", null);
        data.put("action", "unknown");
        data.put("message", "");
        data.put("requires_confirmation", false);
        data.put("matches", List.of());
        data.put("lock_files_cleaned", 0);
        Path hub = ctx.store().config().hub();
        if (!Files.isDirectory(hub)) {
            throw new CommandFailure("cache_not_found", "Model cache directory does not exist: " + hub, data, null);
        }
        ModelRef ref = Resolve.parse(model);
        Resolution r = ctx.store().resolve(ref);
        ModelEntry first = switch (r) {
            case Resolution.NotFound nf -> throw new CommandFailure("model_not_found",
                    "No models found matching '" + model + "'", data, null);
            case Resolution.Ambiguous a -> {
                data.put("action", "ambiguous");
                data.put("matches", a.matches());
                throw new CommandFailure("ambiguous_match", "Multiple models match '" + model + "'", data, Map.of("matches", a.matches()));
            }
            case Resolution.Found f -> f.entries().getFirst();
        };
        if (!first.cached()) {
            data.put("model", first.dir().toString());
            throw new CommandFailure("workspace_model", "Cannot delete workspace model. Use: rm -rf " + first.dir(), data, null);
        }
        HfRepo repo = first.repo();
        String target = repo.repoId() + (ref.revision() != null ? "@" + first.commitOrDir() : "")
                + (ref.variant() != null ? ":" + first.variant().name() : "");
        data.put("model", target);
        CacheEditor editor = new CacheEditor(hub);
        List<Path> locks = editor.lockFiles(repo);
        if (!locks.isEmpty() && !force) {
            data.put("locks_detected", true);
            data.put("lock_files", locks.stream().map(p -> hub.relativize(p).toString()).toList());
            throw new CommandFailure("locks_present", "Model has active locks. Use --force to override.", data, null);
        }
        boolean fuzzy = !repo.repoId().equalsIgnoreCase(ref.name());
        if (!force && !confirm(target)) {
            data.put("action", "requires_confirmation");
            data.put("requires_confirmation", true);
            data.put("message", fuzzy ? "Would delete '" + target + "' (matched from '" + model + "')"
                    : "Would delete '" + target + "'. Use -f/--force to delete without asking.");
            return data;
        }
        try {
            if (ref.variant() != null) {
                editor.deleteFiles(repo, first.variant().files());
                data.put("action", "deleted_variant");
                data.put("message", "Deleted " + target);
            } else if (ref.revision() != null) {
                editor.deleteSnapshot(repo, first.dir());
                data.put("action", "delete_hash");
                data.put("commit_hash", first.commit());
                data.put("message", "Deleted " + target);
            } else {
                data.put("lock_files_cleaned", editor.deleteRepository(repo));
                data.put("action", "deleted");
                data.put("message", "Deleted entire model " + repo.repoId());
            }
        } catch (AccessDeniedException e) {
            throw new CommandFailure("permission_denied", "Permission denied: Cannot delete " + e.getFile(), data, null);
        } catch (IOException e) {
            throw new CommandFailure("deletion_failed", e.toString(), data, null);
        }
        return data;
    }

    /** Asks on the terminal; without one (scripts, --json) nothing is deleted unless -f. */
    private boolean confirm(String target) {
        if (json || !ctx.interactive()) {
            return false;
        }
        ctx.err().print("Delete " + target + "? [y/N]: ");
        ctx.err().flush();
        try {
            String line = ctx.in().readLine();
            String a = line == null ? "" : line.strip().toLowerCase(Locale.ROOT);
            return a.equals("y") || a.equals("yes");
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    protected void printHuman(Object data) {
        Map<String, Object> d = (Map<String, Object>) data;
        ctx.out().println("rm: " + d.get("model") + " — " + d.get("action") + ": " + d.get("message"));
    }
}
