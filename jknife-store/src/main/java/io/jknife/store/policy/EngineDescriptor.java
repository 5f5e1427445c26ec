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
 * @param weightTypes            tensor types it computes with: GGML types ({@code Q4_0}, {@code F16}, ...), safetensors
 *                               dtypes ({@code BF16}, ...) and MLX quantizations ({@code MLX_Q4_G64}); empty means "not checked"
 * @param tokenizerModels        GGUF {@code tokenizer.ggml.model} values it tokenizes; empty means "not checked"
 * @param weightFormats          on-disk weight formats it reads ({@code ModelFormat} labels: {@code gguf},
 *                               {@code safetensors}, {@code pytorch .bin}); empty means "not checked"
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
        @JsonProperty("pre_tokenizers") Set<String> preTokenizers,
        @JsonProperty("weight_types") Set<String> weightTypes,
        @JsonProperty("tokenizer_models") Set<String> tokenizerModels,
        @JsonProperty("weight_formats") Set<String> weightFormats) {

    public EngineDescriptor {
        formats = formats == null ? Set.of() : formats;
        capabilities = capabilities == null ? Set.of() : capabilities;
        architectures = architectures == null ? Set.of() : architectures;
        embeddingArchitectures = embeddingArchitectures == null ? Set.of() : embeddingArchitectures;
        preTokenizers = preTokenizers == null ? Set.of() : preTokenizers;
        weightTypes = weightTypes == null ? Set.of() : weightTypes;
        tokenizerModels = tokenizerModels == null ? Set.of() : tokenizerModels;
        weightFormats = weightFormats == null ? Set.of() : weightFormats;
    }

    /** A declaration that does not check weight formats. */
    public EngineDescriptor(String id, String description, boolean implemented, Set<String> formats, Set<String> capabilities,
                            Set<String> architectures, Set<String> embeddingArchitectures, Set<String> preTokenizers,
                            Set<String> weightTypes, Set<String> tokenizerModels) {
        this(id, description, implemented, formats, capabilities, architectures, embeddingArchitectures, preTokenizers,
                weightTypes, tokenizerModels, null);
    }

    /** True when {@code name} names this engine, ignoring case and punctuation ({@code llamacpp} = {@code llama.cpp}). */
    public boolean answersTo(String name) {
        return name != null && normalized(name).equals(normalized(id));
    }

    private static String normalized(String name) {
        return name.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]", "");
    }
}
