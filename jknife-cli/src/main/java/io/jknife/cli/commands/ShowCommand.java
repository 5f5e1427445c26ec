package io.jknife.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import io.jknife.cli.BaseCommand;
import io.jknife.cli.Context;
import io.jknife.cli.output.Humanize;
import io.jknife.store.ModelEntry;
import io.jknife.store.ModelInfo;
import io.jknife.store.probe.Capability;
import io.jknife.store.workspace.ContentHash;
import io.jknife.store.workspace.WorkspaceSentinel;
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
import java.util.stream.Collectors;

/** {@code jknife show MODEL}: one model in detail: what it is, whether it is intact, which engine runs it. */
@Command(name = "show", description = "Show one model in detail.")
public final class ShowCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "MODEL", description = "Model reference (org/name[@REV][:VARIANT], a short name, or a path).")
    String model;

    @Option(names = "--files", description = "List the model's files.")
    boolean files;

    @Option(names = "--config", description = "Print the parsed config.json.")
    boolean config;

    @Option(names = "--recalc-hash", description = "Workspaces: recompute and store the content hash (v2).")
    boolean recalcHash;

    public ShowCommand(Context ctx) {
        super(ctx);
    }

    @Override
    protected String name() {
        return "show";
    }

    @Override
    protected Object execute() {
        ModelEntry entry = Resolve.one(ctx.store(), model);
        boolean hashUpdated = false;
        if (recalcHash && !entry.cached()) {
            hashUpdated = ContentHash.recalc(entry.dir()).isPresent();
        }
        ModelInfo info = ctx.catalog().describe(entry);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("model", info.detailed());
        data.put("workspace_metadata", entry.cached() ? null
                : WorkspaceSentinel.read(entry.dir()).map(s -> (Object) s.json()).orElse(Map.of()));
        if (hashUpdated) {
            data.put("hash_updated", true);
        }
        if (files) {
            data.put("files", fileList(entry, info));
            data.put("metadata", null);
        } else if (config) {
            data.put("config", info.probe().config());
            data.put("metadata", null);
        } else {
            data.put("metadata", info.probe().metadata().isEmpty() ? null : info.probe().metadata());
        }
        return data;
    }

    private static List<Map<String, Object>> fileList(ModelEntry entry, ModelInfo info) {
        List<Path> paths = entry.variant() == null ? entry.files().allFiles() : info.probe().files();
        List<Map<String, Object>> list = new ArrayList<>();
        for (Path p : paths) {
            Map<String, Object> f = new LinkedHashMap<>();
            long size;
            try {
                size = Files.size(p);
            } catch (IOException e) {
                size = 0;
            }
            f.put("name", p.getFileName().toString());
            f.put("path", entry.dir().relativize(p).toString());
            f.put("size", fileSize(size));
            f.put("size_bytes", size);
            f.put("type", fileType(p.getFileName().toString()));
            list.add(f);
        }
        return list;
    }

    /** 1.2GB, 3.4MB, 5.6KB, 12B (the original's file list; unlike {@code Humanize.size}, no TB step). */
    static String fileSize(long n) {
        return Humanize.scaled(n, 1, "GB", "MB", "KB") + (n < 1_000L ? "B" : "");
    }

    static String fileType(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (name.equals("config.json")) {
            return "config";
        }
        if (lower.endsWith(".safetensors") || lower.endsWith(".bin") || lower.endsWith(".gguf")) {
            return "weights";
        }
        if (lower.contains("tokenizer")) {
            return "tokenizer";
        }
        if (lower.endsWith(".json")) {
            return "config";
        }
        if (name.equals("README.md")) {
            return "readme";
        }
        return "other";
    }

    @Override
    @SuppressWarnings("unchecked")
    protected void printHuman(Object data) {
        Map<String, Object> d = (Map<String, Object>) data;
        ModelInfo.Detailed detailed = (ModelInfo.Detailed) d.get("model");
        ModelInfo m = detailed.base();
        var out = ctx.out();
        out.println("Model: " + m.name() + (m.hash() != null ? "@" + m.hash().substring(0, 7) : ""));
        out.println("Framework: " + m.framework());
        out.println("Format: " + detailed.format());
        out.println("Type: " + m.modelType());
        out.println("Capabilities: " + (m.capabilities().isEmpty() ? "-"
                : m.capabilities().stream().map(Capability::word).collect(Collectors.joining(", "))));
        out.println("Architecture: " + orDash(detailed.architecture()));
        out.println("Context length: " + orDash(detailed.contextLength()));
        out.println("Parameters: " + (detailed.parameterCount() == null ? "-" : humanCount(detailed.parameterCount())));
        out.println("Quantization: " + orDash(detailed.quantization()) + requestedQuantization(m, detailed));
        out.println("Size: " + Humanize.size(m.sizeBytes()));
        out.println("Modified: " + Humanize.age(m.lastModified(), ctx.now()));
        out.println("Health: " + (!m.healthy() ? "unhealthy" : m.runtimeCompatible() ? "healthy" : "healthy (files OK, runtime incompatible)"));
        out.println("Engine: " + orDash(m.engine()));
        if (m.reason() != null) {
            out.println("Reason: " + m.reason());
        }
        if (d.containsKey("files")) {
            out.println();
            out.println("Files:");
            for (Map<String, Object> f : (List<Map<String, Object>>) d.get("files")) {
                out.println("  - " + f.get("path") + " (" + f.get("type") + ", " + f.get("size") + ")");
            }
        } else if (d.containsKey("config")) {
            out.println();
            out.println("Config:");
            JsonNode cfg = (JsonNode) d.get("config");
            if (cfg != null) {
                cfg.properties().forEach(e -> out.println("  " + e.getKey() + ": " + e.getValue()));
            }
        } else if (d.get("metadata") instanceof Map<?, ?> meta) {
            out.println();
            out.println("Metadata:");
            meta.forEach((k, v) -> out.println("  " + k + ": " + v));
        }
        if (!m.cached()) {
            WorkspaceSentinel.read(m.entry().dir()).filter(s -> s.sourceRepo().isPresent()).ifPresent(s -> {
                out.println();
                out.println("Workspace:");
                out.println("  Source: " + s.sourceRepo().get());
                out.println("  Operation: " + s.operation().orElse("-"));
                out.println("  Created: " + (s.json().hasNonNull("created_at") ? s.json().get("created_at").asText() : "-"));
                out.println("  Clean: " + (m.clean() == null ? "— (run with --recalc-hash to migrate to v2)"
                        : m.clean() ? "✓" : "✗ (workspace modified since clone)"));
                s.contentHash().ifPresent(h -> out.println("  Content Hash: " + h.substring(0, Math.min(23, h.length())) + "..."));
                s.hashModified().ifPresent(h -> out.println("  Hash Modified: " + h));
            });
        }
        if (Boolean.TRUE.equals(d.get("hash_updated"))) {
            out.println();
            out.println("Hash recalculated and stored (workspace now marked as clean)");
        }
    }

    /** " (requested: 8-bit, group_size=64)" when a convert asked for other bits than config.json holds. */
    private static String requestedQuantization(ModelInfo m, ModelInfo.Detailed detailed) {
        if (m.cached() || detailed.quantizationConfig() == null) {
            return "";
        }
        return WorkspaceSentinel.read(m.entry().dir()).map(WorkspaceSentinel::json)
                .map(j -> j.get("quantization"))
                .filter(q -> q != null && q.has("bits"))
                .filter(q -> !q.path("bits").equals(detailed.quantizationConfig().path("bits"))
                        || !q.path("group_size").equals(detailed.quantizationConfig().path("group_size")))
                .map(q -> " (requested: " + q.path("bits").asText() + "-bit, group_size=" + q.path("group_size").asText() + ")")
                .orElse("");
    }

    private static String orDash(Object o) {
        return o == null ? "-" : o.toString();
    }

    /** 1.24B, 135.0M, 4.5K parameters. */
    static String humanCount(long n) {
        return Humanize.scaled(n, 2, "B", "M", "K");
    }
}
