package io.jknife.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jknife.engine.EngineException;
import io.jknife.engine.SamplingParams;
import io.jknife.runtime.ChatOptions;
import io.jknife.runtime.ChatResult;
import io.jknife.runtime.PromptTooLongException;
import io.jknife.runtime.RunPreflight;
import io.jknife.runtime.TextSession;
import io.jknife.runtime.VisionChat;
import io.jknife.vision.ChunkSize;
import io.jknife.vision.ImageChunk;
import io.jknife.vision.ImageException;
import io.jknife.vision.ImageLimits;
import io.jknife.vision.ImageLoader;
import io.jknife.vision.VisionSettings;

import java.util.List;

/**
 * A chat request whose last user message carries images (reference server.md §5.5): everything is
 * checked before the model loads — the model must declare vision in its metadata, the chunk size,
 * the images and their limits — then {@link VisionChat} answers chunk by chunk, each chunk's
 * metadata table first. Generation as §5.5.4: greedy, {@code top_p} and {@code repetition_penalty}
 * from the request or 0.9 and 1.0, {@code stop} ignored.
 */
final class VisionCompletion {
    /** The answer's length when neither the request nor {@code serve --max-tokens} sets one (mlx-vlm's default). */
    static final int DEFAULT_MAX_TOKENS = 2048;
    private static final double DEFAULT_TOP_P = 0.9;

    private final String spec;
    private final ChatImages request;
    private final int chunkSize;
    private final VisionSettings settings;
    private final ChatOptions options;
    private final Metrics metrics;

    private VisionCompletion(String spec, ChatImages request, int chunkSize, VisionSettings settings, ChatOptions options,
                             Metrics metrics) {
        this.spec = spec;
        this.request = request;
        this.chunkSize = chunkSize;
        this.settings = settings;
        this.options = options;
        this.metrics = metrics;
    }

    /**
     * Checks the request against {@code model} and reads its images; 400/413 on refusal, before anything loads.
     *
     * @param spec      the model as the request names it
     * @param maxTokens the request's limit, else the server's, else null
     * @param grammar   whether the request asked for a {@code response_format}
     * @param remote    the fetcher of http(s) images, or null when the server refuses them
     */
    static VisionCompletion prepare(ObjectNode body, String spec, ModelManager.Resolved model, Integer maxTokens, boolean grammar,
                                    ServerConfig config, RemoteImages remote, Metrics metrics) {
        RunPreflight.checkImages(spec, model.info()).ifPresent(reason -> {
            throw new ApiException(400, "invalid_request_error", "model_not_supported", "model",
                    reason.replace("leave out --image", "send the request without image_url parts"), null);
        });
        if (grammar) {
            throw new ApiException(400, "invalid_request_error", "unsupported_feature", "response_format",
                    "response_format cannot be combined with images: the answer starts with the images' metadata table", null);
        }
        int chunk;
        try {
            chunk = ChunkSize.resolve(chunkField(body), config.imageEnv());
        } catch (ImageException e) {
            throw new ApiException(400, "invalid_request_error", "invalid_value", "chunk", e.getMessage(), null);
        }
        VisionSettings settings = VisionSettings.fromEnvironment(config.imageEnv());
        JsonNode messages = body.get("messages");
        ChatImages images = ChatImages.read(messages, ChatMessages.lastUser(messages), remote, settings.exifMetadata());
        SamplingParams sampling = SamplingParams.greedy().withTopP(number(body, "top_p", DEFAULT_TOP_P))
                .withRepeatPenalty(repetitionPenalty(body));
        ChatOptions options = new ChatOptions(maxTokens != null ? maxTokens : DEFAULT_MAX_TOKENS, List.of(), sampling, true);
        return new VisionCompletion(spec, images, chunk, settings, options, metrics);
    }

    ChatOptions options() {
        return options;
    }

    /** Answers on a loaded model; an image that cannot be decoded is a 400 (413 over the pixel limit). */
    ChatResult run(TextSession session, ChatOptions options, VisionChat.Listener listener)
            throws EngineException, PromptTooLongException {
        if (session.model().vision().isEmpty()) {
            throw new ApiException(400, "invalid_request_error", "model_not_supported", "model", "Model '" + spec
                    + "' was loaded without a vision tower its engine can run, so it cannot see images", null);
        }
        VisionChat chat = new VisionChat(session, new ImageLoader(ImageLimits.SERVER), settings);
        Counting counting = new Counting(listener);
        try {
            VisionChat.Answer a = chat.ask(request.prompt(), request.images(), chunkSize, request.ids(), options, counting);
            return new ChatResult(a.text(), null, a.finishReason(), a.usage());
        } catch (ImageException e) {
            throw new ApiException(e.tooLarge() ? 413 : 400, "invalid_request_error",
                    e.tooLarge() ? "image_too_large" : "invalid_image", "messages", e.getMessage(), null);
        } finally {
            metrics.images.add(counting.images);
        }
    }

    private static Integer chunkField(ObjectNode body) {
        JsonNode v = body.get("chunk");
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new ApiException(400, "invalid_request_error", "invalid_value", "chunk",
                    "chunk must be a whole number (got " + v + ")", null);
        }
        return v.asInt();
    }

    private static double number(ObjectNode body, String name, double fallback) {
        JsonNode v = body.get(name);
        return v == null || v.isNull() ? fallback : v.asDouble(); // already range-checked with the other fields
    }

    private static double repetitionPenalty(ObjectNode body) {
        JsonNode v = body.get("repetition_penalty");
        if (v == null || v.isNull()) {
            return 1.0;
        }
        if (!v.isNumber() || !(v.asDouble() > 0) || v.asDouble() > 10) {
            throw ApiException.invalidField("repetition_penalty", "repetition_penalty must be a number in (0, 10] (got " + v + ")");
        }
        return v.asDouble();
    }

    /** Passes everything on and counts the images of the chunks answered. */
    private static final class Counting implements VisionChat.Listener {
        private final VisionChat.Listener next;
        long images;

        Counting(VisionChat.Listener next) {
            this.next = next;
        }

        @Override
        public void onChunkStart(ImageChunk chunk, String table) {
            next.onChunkStart(chunk, table);
        }

        @Override
        public void onChunkEnd(ImageChunk chunk, ChatResult result) {
            images += chunk.images().size();
            next.onChunkEnd(chunk, result);
        }

        @Override
        public void onReasoning(String piece) {
            next.onReasoning(piece);
        }

        @Override
        public void onAnswer(String piece) {
            next.onAnswer(piece);
        }

        @Override
        public boolean cancelled() {
            return next.cancelled();
        }
    }
}
