package io.jknife.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.jknife.engine.EmbeddingModel;
import io.jknife.engine.EngineException;
import io.jknife.store.ModelCatalog;
import io.jknife.store.ModelEntry;
import io.jknife.store.ModelInfo;
import io.jknife.store.ModelRef;
import io.jknife.store.Resolution;
import io.jknife.store.probe.Capability;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;

/**
 * {@code POST /v1/embeddings}: a string or a list of strings embedded by a GGUF embedding model
 * (through the model manager, like any model: loaded on demand, one request at a time per model,
 * memory-gated), answered in OpenAI's shape with L2-normalized vectors as float arrays (the
 * default, as OpenAI documents it) or base64 of little-endian float32 ({@code encoding_format:
 * "base64"}, what the official SDKs send). {@code dimensions} other than the model's width,
 * token-array inputs, empty inputs and inputs longer than the model's context are 400s; a model
 * that is not an embedding model is a 400 that says so.
 */
final class EmbeddingsHandler {
    private final ModelCatalog catalog;
    private final ModelManager models;
    private final Metrics metrics;
    private final ServerConfig config;
    private final Function<Context, ObjectNode> bodies;

    EmbeddingsHandler(ModelCatalog catalog, ModelManager models, Metrics metrics, ServerConfig config,
                      Function<Context, ObjectNode> bodies) {
        this.catalog = catalog;
        this.models = models;
        this.metrics = metrics;
        this.config = config;
        this.bodies = bodies;
    }

    void handle(Context ctx) throws Exception {
        ObjectNode body = bodies.apply(ctx);
        String model = model(body);
        List<String> inputs = inputs(body.get("input"));
        boolean base64 = base64(body.get("encoding_format"));
        Integer dimensions = dimensions(body.get("dimensions"));
        ModelManager.Resolved resolved = resolve(model);
        List<EmbeddingModel.Embedding> vectors;
        try (ModelManager.Lease lease = models.acquire(resolved)) {
            EmbeddingModel embedder = lease.session().embeddings().orElseThrow(() -> new ApiException(400,
                    "invalid_request_error", "model_not_supported", "model",
                    "Model '" + model + "' was not loaded as an embedding model", null));
            if (dimensions != null && dimensions != embedder.dimensions()) {
                throw new ApiException(400, "invalid_request_error", "invalid_value", "dimensions",
                        "dimensions " + dimensions + " is not supported: '" + model + "' makes "
                                + embedder.dimensions() + "-dimensional embeddings", null);
            }
            try {
                vectors = embedder.embed(inputs);
            } catch (IllegalArgumentException e) {
                throw new ApiException(400, "invalid_request_error", "invalid_value", "input", e.getMessage(), null);
            } catch (EngineException e) {
                throw new ApiException(500, "server_error", "engine_error", null, "Embedding failed: " + e.getMessage(), null);
            }
        }
        long tokens = vectors.stream().mapToLong(EmbeddingModel.Embedding::tokens).sum();
        metrics.embeddingRequests.increment();
        metrics.embeddingInputs.add(vectors.size());
        metrics.embeddingTokens.add(tokens);
        ctx.contentType("application/json").result(response(model, vectors, tokens, base64).toString());
    }

    private static ObjectNode response(String model, List<EmbeddingModel.Embedding> vectors, long tokens, boolean base64) {
        ObjectNode n = OpenAiServer.JSON.createObjectNode();
        n.put("object", "list");
        ArrayNode data = n.putArray("data");
        for (int i = 0; i < vectors.size(); i++) {
            ObjectNode e = data.addObject();
            e.put("object", "embedding");
            e.put("index", i);
            float[] v = vectors.get(i).vector();
            if (base64) {
                e.put("embedding", base64(v));
            } else {
                ArrayNode a = e.putArray("embedding");
                for (float x : v) {
                    a.add(x);
                }
            }
        }
        n.put("model", model);
        ObjectNode usage = n.putObject("usage");
        usage.put("prompt_tokens", tokens);
        usage.put("total_tokens", tokens);
        return n;
    }

    /** Little-endian float32, as OpenAI encodes embeddings. */
    static String base64(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        return Base64.getEncoder().encodeToString(b.array());
    }

    private String model(ObjectNode body) {
        JsonNode m = body.get("model");
        if (m == null || m.isNull()) {
            if (config.defaultModel() == null) {
                throw ApiException.badRequest("'model' is required");
            }
            return config.defaultModel();
        }
        if (!m.isTextual()) {
            throw ApiException.invalidField("model", "'model' must be a string");
        }
        return m.asText();
    }

    static List<String> inputs(JsonNode input) {
        String shape = "'input' must be a non-empty string or array of strings";
        if (input == null || input.isNull()) {
            throw new ApiException(400, "invalid_request_error", "invalid_value", "input", "'input' is required", null);
        }
        List<String> out = new ArrayList<>();
        if (input.isTextual()) {
            out.add(input.asText());
        } else if (input.isArray() && !input.isEmpty()) {
            for (int i = 0; i < input.size(); i++) {
                JsonNode x = input.get(i);
                if (x.isIntegralNumber() || (x.isArray() && !x.isEmpty() && x.get(0).isIntegralNumber())) {
                    throw new ApiException(400, "invalid_request_error", "invalid_value", "input",
                            "Token-array inputs are not supported; send the text", null);
                }
                if (!x.isTextual()) {
                    throw new ApiException(400, "invalid_request_error", "invalid_value", "input",
                            shape + " (input[" + i + "] is " + x.getNodeType().name().toLowerCase() + ")", null);
                }
                out.add(x.asText());
            }
        } else {
            throw new ApiException(400, "invalid_request_error", "invalid_value", "input", shape, null);
        }
        for (int i = 0; i < out.size(); i++) {
            if (out.get(i).isEmpty()) {
                throw new ApiException(400, "invalid_request_error", "invalid_value", "input",
                        input.isTextual() ? "'input' must not be empty" : "input[" + i + "] is empty", null);
            }
        }
        return out;
    }

    private static boolean base64(JsonNode f) {
        if (f == null || f.isNull()) {
            return false;
        }
        String s = f.asText("");
        if (!f.isTextual() || !(s.equals("float") || s.equals("base64"))) {
            throw new ApiException(400, "invalid_request_error", "invalid_value", "encoding_format",
                    "encoding_format must be 'float' or 'base64' (got " + f + ")", null);
        }
        return s.equals("base64");
    }

    private static Integer dimensions(JsonNode d) {
        if (d == null || d.isNull()) {
            return null;
        }
        if (!d.isIntegralNumber() || !d.canConvertToInt() || d.asInt() < 1) {
            throw new ApiException(400, "invalid_request_error", "invalid_value", "dimensions",
                    "dimensions must be a positive integer (got " + d + ")", null);
        }
        return d.asInt();
    }

    /**
     * The request's model, which must be an embedding model. The model manager resolves names for
     * generation and refuses embedding models after every check of the name (no paths, known,
     * unambiguous); that refusal is where this resolution takes over.
     */
    private ModelManager.Resolved resolve(String name) {
        try {
            models.resolve(name);
        } catch (ApiException e) {
            if (!"model_not_supported".equals(e.code())) {
                throw e;
            }
            ModelEntry entry = single(name);
            ModelInfo info = catalog.describe(entry);
            if (!info.capabilities().contains(Capability.EMBEDDINGS)) {
                throw e;
            }
            if (!info.healthy()) {
                throw notSupported(name, "Model '" + name + "' is unhealthy: " + info.reason(), 400);
            }
            if (!info.runtimeCompatible()) {
                throw notSupported(name, "Model '" + name + "' is not compatible: " + info.reason(), 501);
            }
            // the same identity key as the model manager's, so that a loaded model is shared
            String key = entry.dir().toAbsolutePath().normalize() + (entry.variant() == null ? "" : "#" + entry.variant().name());
            return new ModelManager.Resolved(key, ModelManager.idOf(entry), info);
        }
        throw notSupported(name, "Model '" + name + "' is not an embedding model (it generates text); "
                + "use /v1/chat/completions, or an embedding model such as a BERT GGUF", 400);
    }

    private ModelEntry single(String name) {
        Resolution r = catalog.store().resolve(ModelRef.parse(name));
        if (r instanceof Resolution.Found f && f.single() != null) {
            return f.single();
        }
        throw ApiException.notFound("Model '" + name + "' not found");
    }

    private static ApiException notSupported(String name, String message, int status) {
        return new ApiException(status, status == 400 ? "invalid_request_error" : "not_implemented",
                "model_not_supported", "model", message, null);
    }
}
