package io.jknife.store.probe;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What probing learned about one model from its metadata alone (GGUF keys, {@code config.json},
 * file headers), never from tensor data. The routing policy decides from this record only.
 *
 * @param architecture       GGUF {@code general.architecture}, {@code config.json} {@code model_type}, or {@code whisper}
 * @param healthReason       why the files are unhealthy, or a short "healthy" note
 * @param runtimeHazards     files that are intact but known to crash a native engine; the policy refuses them
 * @param tokenizerPre       GGUF {@code tokenizer.ggml.pre} (llama.cpp refuses unknown ones at load)
 * @param embedder           how an embedding model embeds, or {@link Embedder#NONE}
 * @param quantizationConfig the MLX {@code quantization} block of {@code config.json}, copied verbatim for {@code show}
 * @param metadata           the key facts for {@code show}, in display order
 */
public record ModelProbe(
        ModelFormat format,
        Framework framework,
        String architecture,
        ModelType modelType,
        List<Capability> capabilities,
        Integer contextLength,
        Long parameterCount,
        String quantization,
        JsonNode quantizationConfig,
        boolean healthy,
        String healthReason,
        List<String> runtimeHazards,
        String tokenizerPre,
        Embedder embedder,
        JsonNode config,
        Map<String, Object> metadata,
        List<Path> files) {

    /** The embedding route, as the original classifies embedders. */
    public enum Embedder {
        NONE,
        /** a causal LM used as an embedder (e.g. Qwen3-Embedding) */
        DECODER,
        /** a BERT-style encoder */
        ENCODER
    }

    /** The same probe with another integrity verdict (e.g. an interrupted download found at repository level). */
    public ModelProbe withHealth(HealthResult h) {
        return new ModelProbe(format, framework, architecture, modelType, capabilities, contextLength, parameterCount,
                quantization, quantizationConfig, h.healthy(), h.reason(), runtimeHazards, tokenizerPre, embedder,
                config, metadata, files);
    }

    public boolean has(Capability c) {
        return capabilities.contains(c);
    }
}
