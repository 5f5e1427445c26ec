package io.jknife.cli.commands;

import io.jknife.cli.BaseCommand;
import io.jknife.cli.CommandFailure;
import io.jknife.cli.Context;
import io.jknife.store.ModelEntry;
import io.jknife.store.Resolution;
import io.jknife.store.probe.ModelProbe;
import io.jknife.store.workspace.WorkspaceSentinel;
import io.jknife.store.workspace.Workspaces;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code jknife health [MODEL]}: are the files intact? Never asks whether an engine can run them. */
@Command(name = "health", description = "Check model files for integrity.")
public final class HealthCommand extends BaseCommand {
    @Parameters(arity = "0..1", paramLabel = "MODEL", description = "Model reference; all models when omitted.")
    String model;

    public HealthCommand(Context ctx) {
        super(ctx);
    }

    @Override
    protected String name() {
        return "health";
    }

    @Override
    protected Object execute() {
        List<ModelEntry> entries = new ArrayList<>();
        boolean pathGiven = false;
        if (model == null) {
            for (Path ws : ctx.store().workspaceHomeEntries()) {
                entries.addAll(ctx.store().entriesOfWorkspace(ws));
            }
            for (var repo : ctx.store().repositories()) {
                entries.addAll(ctx.store().entriesOf(repo, null));
            }
        } else if (Files.isDirectory(Path.of(model)) && Workspaces.isWorkspace(Path.of(model))) {
            // Any path to a workspace, "./" or not, is checked as that directory.
            entries.addAll(ctx.store().entriesOfWorkspace(Path.of(model)));
            pathGiven = true;
        } else {
            Resolution r = ctx.store().resolve(Resolve.parse(model));
            switch (r) {
                case Resolution.Ambiguous a -> throw new CommandFailure("ambiguous_match",
                        "Multiple models match '" + model + "'", report(List.of(), List.of()), Map.of("matches", a.matches()));
                case Resolution.NotFound nf -> {
                    // not found is a successful, empty report
                }
                case Resolution.Found f -> entries.addAll(f.entries());
            }
        }
        boolean managedField = pathGiven;
        List<Map<String, Object>> rows = Listing.parallelMap(entries, e -> row(e, managedField));
        List<Map<String, Object>> healthy = rows.stream().filter(r -> r.get("status").equals("healthy")).toList();
        List<Map<String, Object>> unhealthy = rows.stream().filter(r -> !r.get("status").equals("healthy")).toList();
        return report(healthy, unhealthy);
    }

    private Map<String, Object> row(ModelEntry e, boolean managedField) {
        ModelProbe p = ctx.catalog().probe(e);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("name", e.name());
        r.put("status", p.healthy() ? "healthy" : "unhealthy");
        r.put("reason", p.healthReason());
        if (managedField) {
            r.put("managed", WorkspaceSentinel.read(e.dir()).map(WorkspaceSentinel::managed).orElse(false));
        }
        return r;
    }

    private static Map<String, Object> report(List<Map<String, Object>> healthy, List<Map<String, Object>> unhealthy) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("healthy", healthy);
        data.put("unhealthy", unhealthy);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("total", healthy.size() + unhealthy.size());
        summary.put("healthy_count", healthy.size());
        summary.put("unhealthy_count", unhealthy.size());
        data.put("summary", summary);
        return data;
    }

    @Override
    @SuppressWarnings("unchecked")
    protected void printHuman(Object data) {
        Map<String, Object> d = (Map<String, Object>) data;
        Map<String, Object> s = (Map<String, Object>) d.get("summary");
        if (!Integer.valueOf(1).equals(s.get("total"))) {
            ctx.out().println("Summary: total " + s.get("total") + ", healthy " + s.get("healthy_count")
                    + ", unhealthy " + s.get("unhealthy_count"));
        }
        for (String key : List.of("healthy", "unhealthy")) {
            for (Map<String, Object> r : (List<Map<String, Object>>) d.get(key)) {
                String line = String.format("%-10s%s — %s", r.get("status"), r.get("name"), r.get("reason"));
                ctx.out().println(line.stripTrailing());
            }
        }
    }
}
