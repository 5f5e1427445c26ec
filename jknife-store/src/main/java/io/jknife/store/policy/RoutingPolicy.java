package io.jknife.store.policy;

import io.jknife.store.probe.Capability;
import io.jknife.store.probe.ModelProbe;

import java.util.List;

/**
 * Decides which engine runs a probed model, from the probe and the engines' declarations only.
 * The reason chain follows the original: integrity first, then known native hazards, then format,
 * architecture, weight file format (safetensors vs .bin), tokenizer and tensor-type support. Reason
 * texts keep the original's shape ({@code model_type 'x' not supported by any engine}).
 */
public final class RoutingPolicy {
    private final EngineRegistry registry;
    /** The engine the user named ({@code --engine}), or null for the registry's order of preference. */
    private final String engine;

    public RoutingPolicy(EngineRegistry registry) {
        this(registry, null);
    }

    private RoutingPolicy(EngineRegistry registry, String engine) {
        this.registry = registry;
        this.engine = engine;
    }

    /** This policy restricted to the engine the user named; null or blank keeps the order of preference. */
    public RoutingPolicy withEngine(String engine) {
        return new RoutingPolicy(registry, engine == null || engine.isBlank() ? null : engine);
    }

    /** The first engine, in the registry's order of preference (or the named engine), that runs {@code probe}. */
    public Route route(ModelProbe probe) {
        return route(probe, engine);
    }

    /**
     * Like {@link #route(ModelProbe)}, but with {@code engine} (an id or alias such as {@code llamacpp})
     * only that engine is considered: the reason then says why it cannot run the model.
     */
    public Route route(ModelProbe probe, String engine) {
        if (engine != null && registry.engines().stream().noneMatch(e -> e.answersTo(engine))) {
            return Route.refused("Unknown engine '" + engine + "' (known: "
                    + String.join(", ", registry.engines().stream().map(EngineDescriptor::id).toList()) + ")");
        }
        if (!probe.healthy()) {
            return Route.refused(probe.healthReason());
        }
        if (!probe.runtimeHazards().isEmpty()) {
            return Route.refused("Refused before loading (would crash the native engine): " + String.join("; ", probe.runtimeHazards()));
        }
        String framework = probe.framework().name();
        List<EngineDescriptor> byFormat = registry.engines().stream()
                .filter(e -> engine == null || e.answersTo(engine))
                .filter(e -> e.formats().contains(framework)).toList();
        if (byFormat.isEmpty()) {
            return Route.refused(engine != null
                    ? "Engine '" + engine + "' does not load " + probe.format().label() + " models"
                    : "Incompatible framework: " + framework + " (" + probe.format().label() + " models are not supported by any engine)");
        }
        String arch = probe.architecture();
        if (arch == null || arch.isBlank()) {
            return Route.refused(probe.format() == io.jknife.store.probe.ModelFormat.GGUF
                    ? "GGUF file has no general.architecture" : "config.json missing model_type field");
        }
        String lastReason = null;
        for (EngineDescriptor e : byFormat) {
            String why = whyNot(e, probe, engine != null);
            if (why == null) {
                return Route.to(e);
            }
            lastReason = why;
        }
        return Route.refused(lastReason);
    }

    /** Why engine {@code e} cannot run the model, or null when it can. */
    private static String whyNot(EngineDescriptor e, ModelProbe probe, boolean named) {
        String arch = probe.architecture();
        String by = named ? e.id() : "any engine";
        boolean embedding = probe.has(Capability.EMBEDDINGS);
        if (!(embedding ? e.embeddingArchitectures() : e.architectures()).contains(arch)) {
            return embedding
                    ? "Embedding architecture '" + arch + "' not supported by " + by
                    : "model_type '" + arch + "' not supported by " + by;
        }
        String weights = probe.format().label();
        if (!e.weightFormats().isEmpty() && !e.weightFormats().contains(weights)) {
            // e.g. a PyTorch checkpoint with .bin weights only, for an engine that maps safetensors
            return weights + " weights are not supported by " + e.id() + " ("
                    + String.join(", ", e.weightFormats().stream().sorted().toList()) + " only)";
        }
        String pre = probe.tokenizerPre();
        if (pre != null && !e.preTokenizers().isEmpty() && !e.preTokenizers().contains(pre)) {
            return "tokenizer pre-type '" + pre + "' not supported by " + e.id();
        }
        Object tokenizerModel = probe.metadata().get("tokenizer_model");
        if (tokenizerModel != null && !e.tokenizerModels().isEmpty() && !e.tokenizerModels().contains(tokenizerModel.toString())) {
            return "tokenizer model '" + tokenizerModel + "' not supported by " + e.id();
        }
        if (!e.weightTypes().isEmpty() && probe.metadata().get("tensor_types") instanceof List<?> types) {
            List<String> missing = types.stream().map(Object::toString).filter(t -> !e.weightTypes().contains(t)).toList();
            if (!missing.isEmpty()) {
                return "tensor type " + String.join(", ", missing) + " not supported by " + e.id();
            }
        }
        return null;
    }
}
