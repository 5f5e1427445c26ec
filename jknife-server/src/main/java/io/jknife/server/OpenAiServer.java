package io.jknife.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.Context;
import io.jknife.chat.ChatMessage;
import io.jknife.engine.EngineException;
import io.jknife.engine.FinishReason;
import io.jknife.engine.SamplingParams;
import io.jknife.engine.UnsupportedFeatureException;
import io.jknife.engine.Usage;
import io.jknife.runtime.ChatOptions;
import io.jknife.runtime.ChatResult;
import io.jknife.runtime.PromptTooLongException;
import io.jknife.runtime.VisionChat;
import io.jknife.store.ModelCatalog;
import io.jknife.store.ModelInfo;
import io.jknife.vision.ImageChunk;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The OpenAI-compatible HTTP server: {@code /health}, {@code /metrics}, {@code /v1/models},
 * {@code /v1/chat/completions} and {@code /v1/completions}, on Javalin with virtual threads.
 */
public final class OpenAiServer implements AutoCloseable {
    /** Strings as long as the body allows: a data URL of a 20 MiB image is 28 million characters (Jackson stops at 20). */
    static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build()).build());
    private static final String REQUEST_ID = "jknife.request-id";
    private static final String STARTED = "jknife.started";
    private static final String API_ERROR = "jknife.api-error";

    private final ServerConfig config;
    private final ModelManager models;
    private final Metrics metrics;
    private final MemoryReading memory;
    private final Consumer<String> log;
    private final String fingerprint = "fp_jknife";
    /** The fetcher of http(s) images, or null: only with {@code serve --allow-remote-images}. */
    private final RemoteImages remoteImages;
    private Javalin app;
    private volatile boolean stopping;
    private final java.util.concurrent.CountDownLatch stopRequested = new java.util.concurrent.CountDownLatch(1);

    public OpenAiServer(ServerConfig config, ModelCatalog catalog, ModelManager.Loader loader, MemoryReading memory,
                        Consumer<String> log) {
        this.config = config;
        this.metrics = new Metrics();
        this.memory = memory;
        this.log = log;
        this.remoteImages = config.allowRemoteImages() ? new RemoteImages(RemoteImages.FETCH_TIMEOUT) : null;
        MemoryGate gate = new MemoryGate(memory, config.gatePoll(), config.gateTimeout(), metrics);
        this.models = new ModelManager(catalog, loader, gate, metrics, config, this::logLine);
        this.app = Javalin.create(cfg -> {
            cfg.concurrency.useVirtualThreads = true;
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.http.compressionStrategy = CompressionStrategy.NONE;
            cfg.http.maxRequestSize = config.maxBodyBytes();
            cfg.routes.before(this::before);
            cfg.routes.after(this::after);
            cfg.routes.get("/health", this::health);
            cfg.routes.get("/metrics", this::metrics);
            cfg.routes.get("/v1/models", this::listModels);
            cfg.routes.get("/v1/models/<id>", this::getModel);
            cfg.routes.post("/v1/chat/completions", this::chat);
            cfg.routes.post("/v1/completions", this::completions);
            AudioEndpoints audio = new AudioEndpoints(models, config, this::logLine);
            cfg.routes.post("/v1/audio/transcriptions", audio::transcriptions);
            cfg.routes.post("/v1/audio/translations", audio::translations);
            cfg.routes.post("/v1/embeddings", new EmbeddingsHandler(catalog, models, metrics, config, this::readBody)::handle);
            if (!config.corsOrigins().isEmpty()) {
                cfg.routes.options("/<path>", ctx -> ctx.status(204));
            }
            cfg.routes.exception(ApiException.class, (e, ctx) -> writeError(ctx, e));
            cfg.routes.exception(Exception.class, (e, ctx) -> {
                logLine("internal error on " + ctx.path() + ": " + e);
                writeError(ctx, new ApiException(500, "server_error", "internal_error", null,
                        e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage(), null));
            });
            cfg.routes.error(404, ctx -> {
                if (ctx.attribute(API_ERROR) == null) {
                    writeError(ctx, new ApiException(404, "invalid_request_error", "unknown_url", null,
                            "Unknown request URL: " + ctx.method() + " " + ctx.path(), null));
                }
            });
            cfg.routes.error(405, ctx -> {
                if (ctx.attribute(API_ERROR) == null) {
                    writeError(ctx, new ApiException(405, "invalid_request_error", "method_not_allowed", null,
                            "Method " + ctx.method() + " is not allowed on " + ctx.path(), null));
                }
            });
        });
    }

    /** Starts listening; with a default model, loads it first. */
    public OpenAiServer start() throws InterruptedException {
        if (config.defaultModel() != null) {
            models.preload(config.defaultModel());
        }
        app.start(config.host(), config.port());
        return this;
    }

    public int port() {
        return app.port();
    }

    public ModelManager models() {
        return models;
    }

    public Metrics metricsRegistry() {
        return metrics;
    }

    /** Stops accepting, cancels running generations, frees the models. */
    public synchronized void stop() {
        if (app == null) {
            return;
        }
        stopping = true;
        models.cancelAll();
        try {
            app.stop();
        } finally {
            app = null;
            models.close();
        }
    }

    @Override
    public void close() {
        stop();
    }

    /**
     * Blocks until SIGINT or SIGTERM (or {@link #requestStop()}), then stops: running generations
     * are cancelled, in-flight responses end, models are freed, the port is released.
     * Returns how long stopping took.
     */
    public java.time.Duration runUntilSignalled() throws InterruptedException {
        for (String name : new String[]{"INT", "TERM"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> requestStop());
            } catch (IllegalArgumentException e) {
                // -Xrs or a platform without this signal: the shutdown hook below still frees the models
            }
        }
        Thread hook = new Thread(this::stop, "jknife-server-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        stopRequested.await();
        long t0 = System.nanoTime();
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down
        }
        return java.time.Duration.ofNanos(System.nanoTime() - t0);
    }

    /** Makes {@link #runUntilSignalled()} return (signal handlers call this). */
    public void requestStop() {
        stopping = true;
        stopRequested.countDown();
    }

    // ---- plumbing

    private void before(Context ctx) {
        String rid = ctx.header("X-Request-ID");
        if (rid == null || rid.isBlank() || rid.length() > 128) {
            rid = UUID.randomUUID().toString();
        }
        ctx.attribute(REQUEST_ID, rid);
        ctx.attribute(STARTED, System.nanoTime());
        ctx.header("X-Request-ID", rid);
        metrics.requests.increment();
        boolean preflight = ctx.method().name().equals("OPTIONS");
        if (!config.corsOrigins().isEmpty()) {
            String origin = ctx.header("Origin");
            if (origin != null && (config.corsOrigins().contains("*") || config.corsOrigins().contains(origin))) {
                ctx.header("Access-Control-Allow-Origin", config.corsOrigins().contains("*") ? "*" : origin);
                ctx.header("Vary", "Origin");
                if (preflight) {
                    ctx.header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
                    String h = ctx.header("Access-Control-Request-Headers");
                    ctx.header("Access-Control-Allow-Headers", h != null ? h : "Authorization, Content-Type");
                    ctx.header("Access-Control-Max-Age", "600");
                }
            }
        }
        if (preflight) {
            return;
        }
        if (stopping && !ctx.path().equals("/health")) {
            throw new ApiException(503, "server_shutdown", "server_shutdown", null, "The server is shutting down", 5);
        }
        String path = ctx.path();
        if (config.apiKey() != null && (path.startsWith("/v1/") || path.equals("/v1") || path.equals("/metrics"))) {
            String auth = ctx.header("Authorization");
            String expected = "Bearer " + config.apiKey();
            if (auth == null || !MessageDigest.isEqual(auth.trim().getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8))) {
                throw new ApiException(401, "authentication_error", "invalid_api_key", null,
                        auth == null ? "Missing API key: send 'Authorization: Bearer <key>'" : "Incorrect API key provided", null);
            }
        }
    }

    private void after(Context ctx) {
        Long t0 = ctx.attribute(STARTED);
        long ms = t0 == null ? 0 : (System.nanoTime() - t0) / 1_000_000;
        String rid = ctx.attribute(REQUEST_ID);
        if (config.logJson()) {
            ObjectNode n = JSON.createObjectNode();
            n.put("time", Instant.now().toString());
            n.put("request_id", rid);
            n.put("method", ctx.method().name());
            n.put("path", ctx.path());
            n.put("status", ctx.statusCode());
            n.put("duration_ms", ms);
            log.accept(n.toString());
        } else {
            log.accept(ctx.method().name() + " " + ctx.path() + " " + ctx.statusCode() + " " + ms + " ms [" + rid + "]");
        }
    }

    private void logLine(String message) {
        if (config.logJson()) {
            ObjectNode n = JSON.createObjectNode();
            n.put("time", Instant.now().toString());
            n.put("message", message);
            log.accept(n.toString());
        } else {
            log.accept(message);
        }
    }

    private void writeError(Context ctx, ApiException e) {
        metrics.errors.increment();
        ctx.attribute(API_ERROR, Boolean.TRUE);
        ObjectNode err = JSON.createObjectNode();
        ObjectNode inner = err.putObject("error");
        inner.put("message", e.getMessage());
        inner.put("type", e.type());
        inner.put("param", e.param());
        inner.put("code", e.code());
        if (e.retryAfterSeconds() != null) {
            ctx.header("Retry-After", String.valueOf(e.retryAfterSeconds()));
        }
        ctx.status(e.status()).contentType("application/json").result(err.toString());
    }

    private static void json(Context ctx, JsonNode body) {
        ctx.contentType("application/json").result(body.toString());
    }

    private ObjectNode readBody(Context ctx) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > config.maxBodyBytes()) {
            throw tooLarge(ctx);
        }
        byte[] body;
        try {
            body = ctx.req().getInputStream().readNBytes((int) Math.min(Integer.MAX_VALUE - 8, config.maxBodyBytes() + 1));
        } catch (IOException e) {
            throw ApiException.badRequest("Could not read the request body: " + e.getMessage());
        }
        if (body.length > config.maxBodyBytes()) {
            throw tooLarge(ctx);
        }
        String ct = ctx.header("Content-Type");
        if (ct != null && !ct.toLowerCase().startsWith("application/json")) {
            throw ApiException.badRequest("Content-Type must be application/json (got " + ct + ")");
        }
        JsonNode node;
        try {
            node = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("Invalid JSON body: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiException.badRequest("Invalid JSON body: " + e.getMessage());
        }
        if (node == null || !node.isObject()) {
            throw ApiException.badRequest("The request body must be a JSON object");
        }
        return (ObjectNode) node;
    }

    /** Largest oversized body read and dropped so the client, still sending, gets its 413 rather than a reset. */
    private static final long DRAIN_LIMIT = 64L << 20;

    /**
     * 413 for a body over the limit. What the client is still sending is read and dropped first (up
     * to {@link #DRAIN_LIMIT}; the connection closes after the answer): a server that answers and
     * closes while data arrives makes the kernel reset the connection, and the client sees no answer.
     */
    private ApiException tooLarge(Context ctx) {
        ctx.header("Connection", "close");
        try (InputStream in = ctx.req().getInputStream()) {
            long left = DRAIN_LIMIT;
            byte[] sink = new byte[64 * 1024];
            int n;
            while (left > 0 && (n = in.read(sink, 0, (int) Math.min(sink.length, left))) > 0) {
                left -= n;
            }
        } catch (IOException | RuntimeException e) {
            // the client gave up: nothing to answer
        }
        return new ApiException(413, "invalid_request_error", "request_too_large", null,
                "Request body exceeds " + config.maxBodyBytes() + " bytes", null);
    }

    // ---- endpoints

    private void health(Context ctx) {
        ObjectNode n = JSON.createObjectNode();
        n.put("status", "healthy");
        n.put("service", "mlx-knife-server-2.0");
        n.put("server", "jknife");
        ArrayNode loaded = n.putArray("loaded_models");
        models.loadedIds().forEach(loaded::add);
        ObjectNode mem = n.putObject("memory");
        mem.put("available_bytes", memory.availableBytes());
        mem.put("total_bytes", memory.totalBytes());
        java.util.OptionalDouble pressure = memory.pressure();
        if (pressure.isPresent()) {
            mem.put("pressure_some_avg10", pressure.getAsDouble());
        } else {
            mem.putNull("pressure_some_avg10");
        }
        json(ctx, n);
    }

    private void metrics(Context ctx) {
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                .result(metrics.render(models::queueDepth, models::loadedCount));
    }

    private ObjectNode modelObject(ModelInfo info) {
        ObjectNode m = JSON.createObjectNode();
        m.put("id", ModelManager.idOf(info.entry()));
        m.put("object", "model");
        long created = 0;
        try {
            created = info.lastModified() == null ? 0 : Instant.parse(info.lastModified()).getEpochSecond();
        } catch (RuntimeException e) {
            // unknown
        }
        m.put("created", created);
        m.put("owned_by", info.cached() ? "jknife" : "workspace");
        m.putArray("permission");
        Integer ctxLen = info.probe() == null ? null : info.probe().contextLength();
        if (ctxLen == null) {
            m.putNull("context_length");
        } else {
            m.put("context_length", ctxLen);
        }
        ArrayNode caps = m.putArray("capabilities");
        info.capabilities().forEach(c -> caps.add(JSON.valueToTree(c).asText()));
        return m;
    }

    private void listModels(Context ctx) {
        ObjectNode n = JSON.createObjectNode();
        n.put("object", "list");
        ArrayNode data = n.putArray("data");
        models.runnable().stream().map(this::modelObject)
                .sorted((a, b) -> a.get("id").asText().compareTo(b.get("id").asText()))
                .forEach(data::add);
        json(ctx, n);
    }

    private void getModel(Context ctx) {
        String id = ctx.pathParam("id");
        for (ModelInfo info : models.runnable()) {
            if (ModelManager.idOf(info.entry()).equals(id)) {
                json(ctx, modelObject(info));
                return;
            }
        }
        throw ApiException.notFound("The model '" + id + "' does not exist");
    }

    /** Request settings shared by chat and completions. */
    private record Params(String model, Integer maxTokens, SamplingParams sampling, List<String> stops,
                          boolean stream, boolean includeUsage, String grammar) {
    }

    private Params params(ObjectNode body) {
        JsonNode modelNode = body.get("model");
        String model;
        if (modelNode == null || modelNode.isNull()) {
            if (config.defaultModel() == null) {
                throw ApiException.badRequest("'model' is required");
            }
            model = config.defaultModel();
        } else if (!modelNode.isTextual()) {
            throw ApiException.invalidField("model", "'model' must be a string");
        } else {
            model = modelNode.asText();
        }
        JsonNode n = body.get("n");
        if (n != null && !n.isNull() && !(n.isIntegralNumber() && n.asInt() == 1)) {
            throw ApiException.invalidField("n", "Only n=1 is supported (got " + n + ")");
        }
        Integer maxTokens = intField(body, "max_tokens");
        if (maxTokens == null) {
            maxTokens = intField(body, "max_completion_tokens");
        }
        if (maxTokens != null && maxTokens < 1) {
            throw ApiException.invalidField("max_tokens", "max_tokens must be >= 1 (got " + maxTokens + ")");
        }
        if (maxTokens == null) {
            maxTokens = config.maxTokens();
        }
        SamplingParams s = SamplingParams.defaults();
        Double t = numberField(body, "temperature");
        if (t != null) {
            if (t < 0 || t > 2) {
                throw ApiException.invalidField("temperature", "temperature must be in [0, 2] (got " + t + ")");
            }
            s = s.withTemperature(t);
        }
        Double p = numberField(body, "top_p");
        if (p != null) {
            if (!(p > 0 && p <= 1)) {
                throw ApiException.invalidField("top_p", "top_p must be in (0, 1] (got " + p + ")");
            }
            s = s.withTopP(p);
        }
        JsonNode seed = body.get("seed");
        if (seed != null && !seed.isNull()) {
            if (!seed.isIntegralNumber()) {
                throw ApiException.invalidField("seed", "seed must be an integer");
            }
            s = s.withSeed(seed.asLong());
        }
        List<String> stops = new ArrayList<>();
        JsonNode stop = body.get("stop");
        if (stop != null && !stop.isNull()) {
            if (stop.isTextual()) {
                stops.add(stop.asText());
            } else if (stop.isArray()) {
                for (JsonNode x : stop) {
                    if (!x.isTextual()) {
                        throw ApiException.invalidField("stop", "stop must be a string or a list of strings");
                    }
                    stops.add(x.asText());
                }
            } else {
                throw ApiException.invalidField("stop", "stop must be a string or a list of strings");
            }
            stops.removeIf(String::isEmpty);
        }
        String grammar = ResponseFormat.grammar(body.get("response_format"));
        boolean stream = boolField(body, "stream");
        boolean includeUsage = false;
        JsonNode so = body.get("stream_options");
        if (so != null && so.isObject()) {
            includeUsage = boolField((ObjectNode) so, "include_usage");
        }
        return new Params(model, maxTokens, s, stops, stream, includeUsage, grammar);
    }

    private static Integer intField(ObjectNode body, String name) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isIntegralNumber() && v.canConvertToInt()) {
            return v.asInt();
        }
        if (v.isNumber() && v.asDouble() == Math.rint(v.asDouble()) && Math.abs(v.asDouble()) < Integer.MAX_VALUE) {
            return (int) v.asDouble();
        }
        throw ApiException.invalidField(name, name + " must be an integer (got " + v + ")");
    }

    private static Double numberField(ObjectNode body, String name) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber()) {
            throw ApiException.invalidField(name, name + " must be a number (got " + v + ")");
        }
        return v.asDouble();
    }

    private static boolean boolField(ObjectNode body, String name) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw ApiException.invalidField(name, name + " must be a boolean (got " + v + ")");
        }
        return v.asBoolean();
    }

    private static String prompt(ObjectNode body) {
        JsonNode p = body.get("prompt");
        if (p == null || p.isNull()) {
            throw ApiException.badRequest("'prompt' is required");
        }
        if (p.isTextual()) {
            return p.asText();
        }
        if (p.isArray() && p.size() == 1 && p.get(0).isTextual()) {
            return p.get(0).asText();
        }
        if (p.isArray() && p.size() > 1) {
            throw ApiException.invalidField("prompt", "Only one prompt per request is supported");
        }
        throw ApiException.invalidField("prompt", "'prompt' must be a string");
    }

    private void chat(Context ctx) throws Exception {
        ObjectNode body = readBody(ctx);
        Params p = params(body);
        List<ChatMessage> msgs = ChatMessages.parse(body);
        JsonNode messages = body.get("messages");
        int lastUser = ChatMessages.lastUser(messages);
        ModelManager.Resolved resolved = models.resolve(p.model());
        if (lastUser >= 0 && ChatMessages.hasImages(messages.get(lastUser))) {
            // images in the last user message: checked (and a text-only model refused) before anything loads
            VisionCompletion vision = VisionCompletion.prepare(body, p.model(), resolved, p.maxTokens(), p.grammar() != null,
                    config, remoteImages, metrics);
            generate(ctx, p, resolved, vision.options(), true, vision::run);
            return;
        }
        generate(ctx, p, resolved, options(p), true, (session, options, listener) -> session.chat(msgs, options, listener));
    }

    private void completions(Context ctx) throws Exception {
        ObjectNode body = readBody(ctx);
        Params p = params(body);
        String prompt = prompt(body);
        generate(ctx, p, models.resolve(p.model()), options(p), false,
                (session, options, listener) -> session.complete(prompt, options, listener));
    }

    private static ChatOptions options(Params p) {
        return new ChatOptions(p.maxTokens(), p.stops(), p.sampling(), true).withGrammar(p.grammar());
    }

    @FunctionalInterface
    private interface Run {
        ChatResult run(io.jknife.runtime.TextSession session, ChatOptions options, VisionChat.Listener listener)
                throws PromptTooLongException, EngineException;
    }

    private void generate(Context ctx, Params p, ModelManager.Resolved resolved, ChatOptions options, boolean chat, Run run)
            throws Exception {
        String id = (chat ? "chatcmpl-" : "cmpl-") + UUID.randomUUID().toString().replace("-", "");
        long created = Instant.now().getEpochSecond();
        try (ModelManager.Lease lease = models.acquire(resolved)) {
            ChatResult result;
            if (p.stream()) {
                SseWriter sse = new SseWriter(ctx, chat, id, created, p.model());
                try {
                    result = run.run(lease.session(), options, sse);
                } catch (PromptTooLongException e) {
                    if (sse.committed()) {
                        sse.error(e.getMessage());
                        return;
                    }
                    throw ApiException.invalidField(chat ? "messages" : "prompt", e.getMessage());
                } catch (UnsupportedFeatureException e) {
                    throw unsupported(e); // refused before anything was streamed
                } catch (ApiException e) {
                    if (sse.committed()) { // e.g. a later chunk's image that does not decode
                        sse.error(e.getMessage());
                        return;
                    }
                    throw e;
                } catch (EngineException e) {
                    if (sse.committed()) {
                        sse.error(e.getMessage());
                        return;
                    }
                    throw new ApiException(500, "server_error", "engine_error", null, e.getMessage(), null);
                }
                record(result);
                sse.finish(result, p.includeUsage());
            } else {
                // Jetty sees a closed connection only when it writes the answer: the socket is probed
                // meanwhile, and a client that went away cancels its generation (prompt processing included)
                ClientWatch client = ClientWatch.of(ctx);
                VisionChat.Listener watch = new VisionChat.Listener() {
                    @Override
                    public boolean cancelled() {
                        return stopping || client.wentAway();
                    }
                };
                try (AutoCloseable probing = client.watch(CLIENT_PROBE_MILLIS, lease.session()::cancel)) {
                    result = run.run(lease.session(), options, watch);
                } catch (PromptTooLongException e) {
                    throw ApiException.invalidField(chat ? "messages" : "prompt", e.getMessage());
                } catch (UnsupportedFeatureException e) {
                    throw unsupported(e);
                } catch (EngineException e) {
                    throw new ApiException(500, "server_error", "engine_error", null, e.getMessage(), null);
                }
                record(result);
                if (result.finishReason() == FinishReason.CANCELLED && client.wentAway()) {
                    logLine("client went away; generation " + id + " cancelled after "
                            + (result.usage() == null ? 0 : result.usage().completionTokens()) + " tokens");
                    return;
                }
                json(ctx, chat ? chatResponse(id, created, p.model(), result) : completionResponse(id, created, p.model(), result));
            }
        }
    }

    /** How often a non-streaming request's connection is probed for a client that went away. */
    private static final long CLIENT_PROBE_MILLIS = 100;

    private static ApiException unsupported(UnsupportedFeatureException e) {
        return new ApiException(400, "invalid_request_error", "unsupported_feature", "response_format",
                e.getMessage() + "; this model cannot honour the request's response_format", null);
    }

    private void record(ChatResult r) {
        Usage u = r.usage();
        if (u == null) {
            return;
        }
        metrics.generations.increment();
        metrics.promptTokens.add(u.promptTokens());
        metrics.completionTokens.add(u.completionTokens());
        metrics.ttftSeconds.add(u.promptMillis() / 1000.0);
        metrics.decodeSeconds.add(u.generationMillis() / 1000.0);
    }

    private static String finishWord(FinishReason f) {
        return f == FinishReason.LENGTH ? "length" : "stop";
    }

    private static ObjectNode usage(Usage u) {
        ObjectNode n = JSON.createObjectNode();
        n.put("prompt_tokens", u == null ? 0 : u.promptTokens());
        n.put("completion_tokens", u == null ? 0 : u.completionTokens());
        n.put("total_tokens", u == null ? 0 : u.totalTokens());
        return n;
    }

    private ObjectNode chatResponse(String id, long created, String model, ChatResult r) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", id);
        n.put("object", "chat.completion");
        n.put("created", created);
        n.put("model", model);
        n.put("system_fingerprint", fingerprint);
        ObjectNode choice = n.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode msg = choice.putObject("message");
        msg.put("role", "assistant");
        msg.put("content", r.answer());
        if (r.reasoning() != null) {
            msg.put("reasoning_content", r.reasoning());
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", finishWord(r.finishReason()));
        n.set("usage", usage(r.usage()));
        return n;
    }

    private ObjectNode completionResponse(String id, long created, String model, ChatResult r) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", id);
        n.put("object", "text_completion");
        n.put("created", created);
        n.put("model", model);
        n.put("system_fingerprint", fingerprint);
        ObjectNode choice = n.putArray("choices").addObject();
        choice.put("text", r.answer());
        choice.put("index", 0);
        choice.putNull("logprobs");
        choice.put("finish_reason", finishWord(r.finishReason()));
        n.set("usage", usage(r.usage()));
        return n;
    }

    /** Writes OpenAI's SSE stream; headers go out with the first piece so early errors stay plain HTTP errors. */
    private final class SseWriter implements VisionChat.Listener {
        private final Context ctx;
        private final boolean chat;
        private final String id;
        private final long created;
        private final String model;
        private OutputStream out;
        private volatile boolean gone;
        private int chunks;

        SseWriter(Context ctx, boolean chat, String id, long created, String model) {
            this.ctx = ctx;
            this.chat = chat;
            this.id = id;
            this.created = created;
            this.model = model;
        }

        boolean committed() {
            return out != null;
        }

        private ObjectNode chunk() {
            ObjectNode n = JSON.createObjectNode();
            n.put("id", id);
            n.put("object", chat ? "chat.completion.chunk" : "text_completion");
            n.put("created", created);
            n.put("model", model);
            n.put("system_fingerprint", fingerprint);
            return n;
        }

        private ObjectNode choice(ObjectNode chunk) {
            ObjectNode c = chunk.putArray("choices").addObject();
            c.put("index", 0);
            return c;
        }

        private void open() {
            if (out != null) {
                return;
            }
            ctx.status(200);
            ctx.res().setContentType("text/event-stream; charset=utf-8");
            ctx.res().setHeader("Cache-Control", "no-cache");
            ctx.res().setHeader("X-Accel-Buffering", "no");
            try {
                out = ctx.res().getOutputStream();
            } catch (IOException e) {
                gone = true;
                out = OutputStream.nullOutputStream();
            }
            if (chat) {
                ObjectNode n = chunk();
                ObjectNode c = choice(n);
                ObjectNode d = c.putObject("delta");
                d.put("role", "assistant");
                d.put("content", "");
                c.putNull("logprobs");
                c.putNull("finish_reason");
                send(n.toString());
            }
        }

        private void send(String data) {
            if (gone) {
                return;
            }
            try {
                out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException | RuntimeException e) {
                gone = true;
            }
        }

        private void piece(String field, String text) {
            open();
            ObjectNode n = chunk();
            ObjectNode c = choice(n);
            if (chat) {
                c.putObject("delta").put(field, text);
            } else {
                c.put("text", text);
            }
            c.putNull("logprobs");
            c.putNull("finish_reason");
            send(n.toString());
        }

        @Override
        public void onReasoning(String piece) {
            if (chat) {
                piece("reasoning_content", piece);
            }
        }

        @Override
        public void onAnswer(String piece) {
            piece("content", piece);
        }

        /** A vision chunk's metadata table, after a blank line from the chunk before: the non-streaming text, piece by piece. */
        @Override
        public void onChunkStart(ImageChunk chunk, String table) {
            piece("content", chunks++ == 0 ? table : "\n\n" + table);
        }

        @Override
        public boolean cancelled() {
            return gone || stopping;
        }

        void finish(ChatResult r, boolean includeUsage) {
            open();
            if (r.finishReason() == FinishReason.CANCELLED && gone) {
                logLine("client went away; generation " + id + " cancelled after "
                        + (r.usage() == null ? 0 : r.usage().completionTokens()) + " tokens");
                return;
            }
            ObjectNode n = chunk();
            ObjectNode c = choice(n);
            if (chat) {
                c.putObject("delta");
            } else {
                c.put("text", "");
            }
            c.putNull("logprobs");
            c.put("finish_reason", finishWord(r.finishReason()));
            send(n.toString());
            if (includeUsage) {
                ObjectNode u = chunk();
                u.putArray("choices");
                u.set("usage", usage(r.usage()));
                send(u.toString());
            }
            send("[DONE]");
        }

        void error(String message) {
            ObjectNode err = JSON.createObjectNode();
            ObjectNode inner = err.putObject("error");
            inner.put("message", message);
            inner.put("type", "server_error");
            inner.putNull("param");
            inner.put("code", "engine_error");
            metrics.errors.increment();
            send(err.toString());
            send("[DONE]");
        }
    }

    static Map<String, Object> banner(ServerConfig c, int port) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("host", c.host());
        m.put("port", port);
        m.put("url", "http://" + c.host() + ":" + port + "/v1");
        m.put("model", c.defaultModel());
        m.put("max_loaded", c.maxLoaded());
        m.put("keep_alive_seconds", c.keepAlive() == null ? null : c.keepAlive().toMillis() / 1000.0);
        m.put("api_key_required", c.apiKey() != null);
        m.put("cors_origins", c.corsOrigins());
        m.put("allow_remote_images", c.allowRemoteImages());
        return m;
    }

    /** A one-line description of where the server listens, for logs. */
    public String describe() {
        return "jknife server listening on http://" + config.host() + ":" + port() + " (OpenAI API under /v1"
                + (config.apiKey() != null ? ", API key required" : "") + ")";
    }

    /** The start banner's fields (serve --json). */
    public Map<String, Object> bannerData() {
        return banner(config, port());
    }
}
