package io.jknife.store.policy;

import io.jknife.store.probe.Capability;
import io.jknife.store.probe.ModelProbe;

import java.util.List;

/**
 * Decides which engine runs a probed model, from the probe and the engines' declarations only.
 * The reason chain follows the original: integrity first, then known native hazards, then format,
 * architecture and tokenizer support. Reason texts keep the original's shape
 * ({@code model_type 'x' not supported by any engine}).
 */
public final class RoutingPolicy {
    private final EngineRegistry registry;

    public RoutingPolicy(EngineRegistry registry) {
        this.registry = registry;
    }

    public Route route(ModelProbe probe) {
        if (!probe.healthy()) {
            return Route.refused(probe.healthReason());
        }
        if (!probe.runtimeHazards().isEmpty()) {
            return Route.refused("Refused before loading (would crash the native engine): " + String.join("; ", probe.runtimeHazards()));
        }
        String framework = probe.framework().name();
        List<EngineDescriptor> byFormat = registry.engines().stream().filter(e -> e.formats().contains(framework)).toList();
        if (byFormat.isEmpty()) {
            return Route.refused("Incompatible framework: " + framework + " (" + probe.format().label()
                    + " models are not supported by any engine)");
        }
        String arch = probe.architecture();
        if (arch == null || arch.isBlank()) {
            return Route.refused(probe.format() == io.jknife.store.probe.ModelFormat.GGUF
                    ? "GGUF file has no general.architecture" : "config.json missing model_type field");
        }
        boolean embedding = probe.has(Capability.EMBEDDINGS);
        String lastReason = null;
        for (EngineDescriptor e : byFormat) {
            boolean archOk = embedding ? e.embeddingArchitectures().contains(arch) : e.architectures().contains(arch);
            if (!archOk) {
                lastReason = embedding
                        ? "Embedding architecture '" + arch + "' not supported by any engine"
                        : "model_type '" + arch + "' not supported by any engine";
                continue;
            }
            String pre = probe.tokenizerPre();
            if (pre != null && !e.preTokenizers().isEmpty() && !e.preTokenizers().contains(pre)) {
                lastReason = "tokenizer pre-type '" + pre + "' not supported by " + e.id();
                continue;
            }
            return Route.to(e);
        }
        return Route.refused(lastReason);
    }
}
