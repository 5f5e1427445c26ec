package io.jknife.store.policy;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.Set;

/**
 * What one engine declares it executes. Engines are chosen by these declarations, never by model names.
 *
 * @param formats                framework labels it loads ({@code GGUF}, {@code GGML}, {@code MLX}, {@code PyTorch})
 * @param architectures          architectures (GGUF {@code general.architecture} or {@code config.json} {@code model_type})
 * @param embeddingArchitectures architectures it can run as embedding models
 * @param preTokenizers          GGUF {@code tokenizer.ggml.pre} values it knows; empty means "not checked"
 * @param implemented            false while the engine's module has not landed: routing still names it
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record EngineDescriptor(
        String id,
        String description,
        boolean implemented,
        Set<String> formats,
        Set<String> capabilities,
        Set<String> architectures,
        @JsonProperty("embedding_architectures") Set<String> embeddingArchitectures,
        @JsonProperty("pre_tokenizers") Set<String> preTokenizers) {
}
