package io.jknife.cli.commands;

import io.jknife.cli.BaseCommand;
import io.jknife.cli.Context;
import io.jknife.cli.output.Humanize;
import io.jknife.cli.output.Table;
import io.jknife.store.ModelEntry;
import io.jknife.store.ModelInfo;
import io.jknife.store.ModelRef;
import io.jknife.store.probe.Capability;
import io.jknife.store.probe.ModelType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code jknife list [PATTERN]}: every model of the cache and the workspaces, probed and routed. */
@Command(name = "list", description = "List models in the Hugging Face cache and workspaces.")
public final class ListCommand extends BaseCommand {
    @Parameters(arity = "0..1", paramLabel = "PATTERN",
            description = "Case-insensitive substring filter, or a path (./dir, /abs) to list workspaces there.")
    String pattern;

    @Option(names = "--all", description = "Show every model, also unhealthy or not runnable ones.")
    boolean all;

    @Option(names = "--verbose", description = "More columns and full names.")
    boolean verbose;

    @Option(names = "--health", description = "Add health columns.")
    boolean health;

    public ListCommand(Context ctx) {
        super(ctx);
    }

    @Override
    protected String name() {
        return "list";
    }

    @Override
    protected Object execute() {
        List<ModelInfo> models;
        if (pattern != null && ModelRef.isExplicitPath(pattern)) {
            models = Listing.describeAll(ctx, WorkspaceListing.find(ctx.store(), pattern));
        } else {
            String needle = pattern == null || pattern.isBlank() ? null : pattern.toLowerCase(Locale.ROOT);
            List<Listing.Item> items = new ArrayList<>();
            for (Path ws : ctx.store().workspaceHomeEntries()) {
                if (needle == null || ws.getFileName().toString().toLowerCase(Locale.ROOT).contains(needle)) {
                    String dirName = ws.getFileName().toString();
                    for (ModelEntry e : ctx.store().entriesOfWorkspace(ws)) {
                        items.add(new Listing.Item(e, dirName + e.name().substring(ws.toString().length())));
                    }
                }
            }
            for (var repo : ctx.store().repositories()) {
                if (needle == null || repo.repoId().toLowerCase(Locale.ROOT).contains(needle)) {
                    for (ModelEntry e : ctx.store().entriesOf(repo, null)) {
                        items.add(new Listing.Item(e, null));
                    }
                }
            }
            models = new ArrayList<>(Listing.describeAll(ctx, items));
            models.sort(Comparator.comparing(ModelInfo::name, Listing::compareCodePoints));
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("models", models);
        data.put("count", models.size());
        return data;
    }

    @Override
    @SuppressWarnings("unchecked")
    protected void printHuman(Object data) {
        List<ModelInfo> models = (List<ModelInfo>) ((Map<String, Object>) data).get("models");
        boolean wide = all || verbose;
        List<String> header = new ArrayList<>(List.of("Name", "Hash", "Size", "Modified", "Src"));
        if (wide) {
            header.addAll(List.of("Clean", "Framework", "Engine"));
        }
        header.add("Type");
        if (health) {
            header.addAll(verbose ? List.of("Integrity", "Runtime", "Reason") : List.of("Health"));
        }
        Table table = new Table(header);
        if (health && verbose) {
            table.wrapLastColumn(26);
        }
        Instant now = ctx.now();
        for (ModelInfo m : models) {
            if (!all && !(m.healthy() && m.runtimeCompatible())) {
                continue;
            }
            List<String> row = new ArrayList<>();
            String shown = m.displayName() != null ? m.displayName() : m.name();
            if (!verbose && shown.startsWith("mlx-community/")) {
                shown = shown.substring("mlx-community/".length());
            }
            row.add(shown);
            row.add(shortHash(m));
            row.add(Humanize.size(m.sizeBytes()));
            row.add(Humanize.age(m.lastModified(), now));
            row.add(m.cached() ? "cache" : m.clean() == null ? "ws?" : m.clean() ? "ws" : "ws*");
            if (wide) {
                row.add(m.cached() || m.clean() == null ? "—" : m.clean() ? "✓" : "✗");
                row.add(m.framework().name());
                row.add(m.engine() == null ? "-" : m.engine());
            }
            row.add(typeLabel(m));
            if (health) {
                if (verbose) {
                    row.add(m.health());
                    row.add(m.healthy() ? (m.runtimeCompatible() ? "yes" : "no") : "-");
                    String reason = m.reason() == null ? "-" : m.reason();
                    row.add(reason.length() > 60 ? reason.substring(0, 57) + "..." : reason);
                } else {
                    row.add(m.healthy() ? (m.runtimeCompatible() ? "healthy" : "healthy*") : "unhealthy");
                }
            }
            table.add(row);
        }
        ctx.out().print(table.render());
    }

    static String shortHash(ModelInfo m) {
        if (m.hash() != null) {
            return m.hash().substring(0, 7);
        }
        if (m.contentHash() != null) {
            String h = m.contentHash().startsWith("sha256:") ? m.contentHash().substring(7) : m.contentHash();
            return h.substring(0, Math.min(7, h.length()));
        }
        return "-";
    }

    static String typeLabel(ModelInfo m) {
        StringBuilder sb = new StringBuilder(m.modelType().word());
        if (m.capabilities().contains(Capability.VISION)) {
            sb.append("+vision");
        }
        if (m.capabilities().contains(Capability.AUDIO) && m.modelType() != ModelType.AUDIO) {
            sb.append("+audio");
        }
        return sb.toString();
    }
}
