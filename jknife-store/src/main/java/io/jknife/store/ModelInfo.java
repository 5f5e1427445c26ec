package io.jknife.store;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import io.jknife.store.probe.Capability;
import io.jknife.store.probe.Framework;
import io.jknife.store.probe.ModelProbe;
import io.jknife.store.probe.ModelType;

import java.util.List;

/**
 * The model object of the JSON contract ({@code list} items and {@code show}'s {@code model}):
 * identity, probe results, health, and the routing decision.
 */
@JsonPropertyOrder({"name", "hash", "size_bytes", "last_modified", "framework", "model_type", "capabilities", "health",
        "runtime_compatible", "reason", "cached", "origin", "content_hash", "hash_modified", "clean", "engine", "display_name"})
public record ModelInfo(
        String name,
        String hash,
        @JsonProperty("size_bytes") long sizeBytes,
        @JsonProperty("last_modified") String lastModified,
        Framework framework,
        @JsonProperty("model_type") ModelType modelType,
        List<Capability> capabilities,
        String health,
        @JsonProperty("runtime_compatible") boolean runtimeCompatible,
        String reason,
        boolean cached,
        String origin,
        @JsonProperty("content_hash") String contentHash,
        @JsonProperty("hash_modified") String hashModified,
        Boolean clean,
        String engine,
        @JsonProperty("display_name") @JsonInclude(JsonInclude.Include.NON_NULL) String displayName,
        @JsonIgnore ModelEntry entry,
        @JsonIgnore ModelProbe probe) {

    public boolean healthy() {
        return "healthy".equals(health);
    }

    public ModelInfo withDisplayName(String display) {
        return new ModelInfo(name, hash, sizeBytes, lastModified, framework, modelType, capabilities, health,
                runtimeCompatible, reason, cached, origin, contentHash, hashModified, clean, engine, display, entry, probe);
    }

    /** The same model routed differently (an engine chosen by the user). */
    public ModelInfo withRoute(io.jknife.store.policy.Route route) {
        return new ModelInfo(name, hash, sizeBytes, lastModified, framework, modelType, capabilities, health,
                route.runtimeCompatible(), route.reason(), cached, origin, contentHash, hashModified, clean, route.engine(),
                displayName, entry, probe);
    }

    /** {@code show}'s model object: the list fields plus what show adds. */
    @JsonPropertyOrder({"name", "hash", "size_bytes", "last_modified", "framework", "model_type", "capabilities", "health",
            "runtime_compatible", "reason", "cached", "origin", "content_hash", "hash_modified", "clean", "engine",
            "format", "variant", "architecture", "context_length", "parameter_count", "quantization", "quantization_config"})
    public record Detailed(
            @com.fasterxml.jackson.annotation.JsonUnwrapped ModelInfo base,
            String format,
            String variant,
            String architecture,
            @JsonProperty("context_length") Integer contextLength,
            @JsonProperty("parameter_count") Long parameterCount,
            String quantization,
            @JsonProperty("quantization_config") JsonNode quantizationConfig) {
    }

    public Detailed detailed() {
        return new Detailed(this, probe.format().label(), entry.variant() == null ? null : entry.variant().name(),
                probe.architecture(), probe.contextLength(), probe.parameterCount(), probe.quantization(),
                probe.quantizationConfig());
    }
}
