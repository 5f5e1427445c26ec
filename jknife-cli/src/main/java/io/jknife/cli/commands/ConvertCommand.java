package io.jknife.cli.commands;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jknife.cli.BaseCommand;
import io.jknife.cli.CommandFailure;
import io.jknife.cli.Context;
import io.jknife.cli.Version;
import io.jknife.hub.convert.ConvertException;
import io.jknife.hub.convert.IndexRepair;
import io.jknife.hub.convert.MlxConverter;
import io.jknife.hub.workspace.StagedWorkspace;
import io.jknife.hub.workspace.TargetException;
import io.jknife.store.ModelEntry;
import io.jknife.store.probe.ModelProbe;
import io.jknife.store.workspace.WorkspaceSentinel;
import io.jknife.store.workspace.Workspaces;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code jknife convert SRC DST (--repair-index | --quantize BITS)}: a new managed workspace made
 * from another one — with its safetensors index rebuilt from the shards, or quantized to MLX
 * affine 4 or 8 bits. The target is assembled beside itself and renamed into place when complete;
 * the Hugging Face cache is never a source or a target (clone first).
 */
@Command(name = "convert", description = "Repair a workspace's safetensors index or quantize it to MLX 4/8-bit.")
public final class ConvertCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "SRC", description = "Source workspace (a bare name is looked up in JKNIFE_WORKSPACE_HOME).")
    String source;

    @Parameters(index = "1", paramLabel = "DST", description = "New workspace (a bare name goes into JKNIFE_WORKSPACE_HOME).")
    String target;

    @Option(names = "--repair-index", description = "Rebuild model.safetensors.index.json from the shards.")
    boolean repairIndex;

    @Option(names = "--quantize", paramLabel = "BITS", description = "Quantize to MLX affine BITS (4 or 8).")
    Integer bits;

    @Option(names = {"--group-size", "--q-group-size"}, paramLabel = "N", description = "Values per scale: 32, 64 (default) or 128.")
    int groupSize = 64;

    @Option(names = "--skip-health", description = "Skip the health check of the result.")
    boolean skipHealth;

    public ConvertCommand(Context ctx) {
        super(ctx);
    }

    @Override
    protected String name() {
        return "convert";
    }

    @Override
    protected Object execute() {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("source", source);
        data.put("target", target);
        data.put("mode", repairIndex ? "repair-index" : bits != null ? "quantize" : null);
        data.put("health_check", !skipHealth);
        validateFlags(data);
        Path src = resolveSource();
        Path dst = resolveTarget();
        if (!Files.exists(src)) {
            throw new CommandFailure("ValidationError", "Source path does not exist: " + source, data, null);
        }
        if (!Files.isDirectory(src)) {
            throw new CommandFailure("ValidationError", "Source must be a directory: " + source, data, null);
        }
        Path cache = ctx.store().config().hfHome();
        if (under(src, cache)) {
            throw new CommandFailure("ValidationError", "Source path is in the Hugging Face cache (read-only): " + src
                    + "; make a workspace first with 'jknife clone'", data, null);
        }
        if (under(dst, cache)) {
            throw new CommandFailure("ValidationError", "Target path is in the Hugging Face cache (read-only): " + dst
                    + "; choose a path outside the cache", data, null);
        }
        try (StagedWorkspace ws = StagedWorkspace.begin(dst)) {
            ObjectNode sentinel = sentinel(src);
            if (repairIndex) {
                IndexRepair.Result r = IndexRepair.repair(src, ws.dir());
                data.put("message", r.message());
            } else {
                MlxConverter.Result r = new MlxConverter().convert(src, ws.dir(), bits, groupSize);
                data.put("message", "Quantized to " + bits + "-bit successfully");
                data.put("bits", bits);
                data.put("group_size", groupSize);
                data.put("quantized_tensors", r.quantized());
                data.put("shards", r.shards());
                ObjectNode q = sentinel.putObject("quantization");
                q.put("bits", bits);
                q.put("group_size", groupSize);
            }
            ws.publish(sentinel).ifPresent(h -> data.put("content_hash", h));
        } catch (TargetException e) {
            throw new CommandFailure("InvalidTargetError", e.getMessage(), data, null);
        } catch (ConvertException e) {
            Map<String, Object> extra = e.detail() == null ? null : new LinkedHashMap<>(Map.of("detail", e.detail()));
            if (e.type().equals("unsupported_multimodal") && extra != null) {
                extra.put("retryable", false);
            }
            throw new CommandFailure(e.type(), e.getMessage(), data, extra);
        } catch (IOException e) {
            String why = e.getMessage() == null ? e.toString() : e.getMessage();
            throw new CommandFailure("FilesystemError", "Conversion failed: " + why, data, null);
        }
        if (!skipHealth) {
            String reason = healthProblem(dst);
            data.put("health_status", reason == null ? "healthy" : "unhealthy");
            data.put("health_reason", reason);
            if (reason != null) {
                throw new CommandFailure("HealthCheckFailed", "Output workspace failed health check: " + reason, data, null);
            }
        }
        return data;
    }

    private void validateFlags(Map<String, Object> data) {
        if (repairIndex && bits != null) {
            throw new CommandFailure("InvalidArgumentError", "--repair-index and --quantize are mutually exclusive", data, null);
        }
        if (!repairIndex && bits == null) {
            throw new CommandFailure("InvalidArgumentError", "Must specify conversion mode (--repair-index or --quantize N)", data, null);
        }
        if (bits != null && bits != 4 && bits != 8) {
            throw new CommandFailure("InvalidArgumentError", "--quantize must be 4 or 8 (got " + bits + ")", data, null);
        }
        if (groupSize != 32 && groupSize != 64 && groupSize != 128) {
            throw new CommandFailure("InvalidArgumentError", "--group-size must be 32, 64 or 128 (got " + groupSize + ")", data, null);
        }
    }

    /** The sentinel of the new workspace: provenance from a managed source, else the source's path. */
    private ObjectNode sentinel(Path src) {
        Optional<WorkspaceSentinel> s = WorkspaceSentinel.read(src).filter(WorkspaceSentinel::managed);
        String repo = s.flatMap(WorkspaceSentinel::sourceRepo).orElse(src.toString());
        String rev = s.flatMap(WorkspaceSentinel::sourceRevision).orElse(null);
        ObjectNode o = WorkspaceSentinel.create(Version.cli(), "convert", repo, rev);
        o.put("mode", repairIndex ? "repair-index" : "quantize");
        return o;
    }

    private String healthProblem(Path dst) {
        for (ModelEntry e : ctx.store().entriesOfWorkspace(dst)) {
            ModelProbe p = ctx.catalog().probe(e);
            if (!p.healthy()) {
                return p.healthReason();
            }
        }
        return null;
    }

    private Optional<Path> home() {
        return ctx.store().config().workspaceHome();
    }

    private Path resolveSource() {
        if (!Workspaces.isPathLike(source) && home().isPresent() && Files.isDirectory(home().get().resolve(source))) {
            return home().get().resolve(source);
        }
        return Path.of(source).toAbsolutePath().normalize();
    }

    private Path resolveTarget() {
        if (!Workspaces.isPathLike(target) && home().isPresent()) {
            return home().get().resolve(target);
        }
        return Path.of(target).toAbsolutePath().normalize();
    }

    private static boolean under(Path p, Path root) {
        try {
            Path real = p.toAbsolutePath().normalize();
            Path r = Files.exists(root) ? root.toRealPath() : root.toAbsolutePath().normalize();
            Path probe = real;
            while (probe != null && !Files.exists(probe)) {
                probe = probe.getParent();
            }
            Path resolved = probe == null ? real : probe.toRealPath().resolve(probe.relativize(real));
            return resolved.startsWith(r);
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    protected void printHuman(Object data) {
        Map<String, Object> d = (Map<String, Object>) data;
        ctx.out().println("convert: " + source + " → " + target);
        ctx.out().println("  Mode: " + d.get("mode"));
        if (d.get("message") != null) {
            ctx.out().println("  " + d.get("message"));
        }
        if (d.containsKey("health_status")) {
            ctx.out().println("  ✓ Health check: passed");
        }
    }
}
