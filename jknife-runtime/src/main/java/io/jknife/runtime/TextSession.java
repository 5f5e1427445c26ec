package io.jknife.runtime;

import io.jknife.bench.events.BenchEvents;
import io.jknife.chat.ChatMessage;
import io.jknife.chat.ChatTemplateException;
import io.jknife.chat.ReasoningSplitter;
import io.jknife.engine.EngineCatalog;
import io.jknife.engine.EngineException;
import io.jknife.engine.Generation;
import io.jknife.engine.GenerationRequest;
import io.jknife.engine.GenerationResult;
import io.jknife.engine.LoadOptions;
import io.jknife.engine.LoadedModel;
import io.jknife.engine.TextEngine;
import io.jknife.engine.UnsupportedFeatureException;
import io.jknife.engine.VisionInput;
import io.jknife.store.ModelInfo;
import io.jknife.vision.RgbImage;

import java.io.IOException;
import java.util.List;

/**
 * A loaded model ready for chat: renders conversations with the model's own template, keeps the
 * prompt inside the context (an error that says both lengths, never silent truncation), fills
 * the rest of the context by default, splits a reasoning model's thinking from its answer, and
 * lets another thread stop the running answer. The CLI and the server both talk to engines
 * through this class. One request at a time.
 */
public final class TextSession implements AutoCloseable {
    private final LoadedModel model;
    private final ChatFormat format;
    private volatile Generation current;
    private volatile boolean cancelRequested;
    /** The model's name for benchmark events; null for sessions made around an already loaded model. */
    private final String modelName;

    TextSession(LoadedModel model, ChatFormat format) {
        this(model, format, null);
    }

    private TextSession(LoadedModel model, ChatFormat format, String modelName) {
        this.model = model;
        this.format = format;
        this.modelName = modelName;
    }

    /** Loads the model with the engine the routing policy picked for it. */
    public static TextSession open(ModelInfo info, LoadOptions options, EngineCatalog engines) throws EngineException {
        String id = info.engine();
        TextEngine engine = engines.get(id).orElseThrow(() -> new EngineException(
                "Engine '" + id + "' is not part of this build (available: " + String.join(", ", engines.ids()) + ")"));
        ChatFormat format;
        try {
            format = ChatFormat.of(info);
        } catch (IOException e) {
            throw new EngineException(e.getMessage(), e);
        }
        // load and unload are marked on benchmark timelines (nothing happens when nobody listens)
        try (BenchEvents.Span load = BenchEvents.modelLoad(info.name())) {
            return new TextSession(engine.load(info.entry(), info.probe(), options), format, info.name());
        }
    }

    public ChatFormat format() {
        return format;
    }

    public int contextSize() {
        return model.contextSize();
    }

    public LoadedModel model() {
        return model;
    }

    /** The model's embedding facet: present when it was loaded as an embedding model. */
    public java.util.Optional<io.jknife.engine.EmbeddingModel> embeddings() {
        return model.embeddings();
    }

    /** One assistant turn for a conversation. */
    public ChatResult chat(List<ChatMessage> messages, ChatOptions options, StreamListener listener)
            throws PromptTooLongException, EngineException {
        String prompt;
        if (options.useChatTemplate()) {
            try {
                prompt = format.render(messages);
            } catch (ChatTemplateException e) {
                throw new EngineException("The chat template refused this conversation: " + e.getMessage(), e);
            }
        } else {
            prompt = messages.isEmpty() ? "" : messages.getLast().text();
        }
        return generate(prompt, List.of(), options, listener, format.reasoning() && options.useChatTemplate());
    }

    /**
     * One assistant turn in which the last user message shows {@code images}: they are placed
     * where the model's chat template puts image parts, or, for a template that ignores them,
     * before that message's text, one placeholder per image.
     *
     * @throws UnsupportedFeatureException when the model was not loaded with a vision tower
     */
    public ChatResult chat(List<ChatMessage> messages, List<RgbImage> images, ChatOptions options, StreamListener listener)
            throws PromptTooLongException, EngineException {
        if (images.isEmpty()) {
            return chat(messages, options, listener);
        }
        VisionInput vision = model.vision().orElseThrow(() -> new UnsupportedFeatureException(model.engine(),
                "images with this model (it has no vision tower the engine can run)"));
        String prompt;
        try {
            prompt = ImagePrompts.render(format, messages, images.size(), vision.imagePlaceholder(), options.useChatTemplate());
        } catch (ChatTemplateException e) {
            throw new EngineException("The chat template refused this conversation: " + e.getMessage(), e);
        }
        return generate(prompt, images, options, listener, format.reasoning() && options.useChatTemplate());
    }

    /** A plain completion of {@code prompt} (no template). */
    public ChatResult complete(String prompt, ChatOptions options, StreamListener listener)
            throws PromptTooLongException, EngineException {
        return generate(prompt, List.of(), options, listener, false);
    }

    /** Stops the running answer (from any thread, e.g. on Ctrl-C); it ends with finish reason {@code cancelled}. */
    public void cancel() {
        cancelRequested = true;
        Generation g = current;
        if (g != null) {
            g.cancel();
        }
    }

    private ChatResult generate(String prompt, List<RgbImage> images, ChatOptions options, StreamListener listener,
                                boolean splitReasoning) throws PromptTooLongException, EngineException {
        // The engine tokenizes the text itself (special tokens parsed, BOS added once when the
        // model wants one); counting here keeps the prompt inside the context. Images take the
        // positions the model's processor gives them.
        int promptTokens = images.isEmpty() ? model.tokenize(prompt, true).length
                : model.vision().orElseThrow().promptPositions(prompt);
        int ctx = model.contextSize();
        int room = ctx - promptTokens;
        if (room <= 0) {
            throw new PromptTooLongException(promptTokens, ctx);
        }
        int maxTokens = options.maxTokens() == null ? room : Math.min(options.maxTokens(), room);
        GenerationRequest request = GenerationRequest.ofText(prompt, maxTokens, options.stops(), options.sampling())
                .withImages(images);
        if (options.grammar() != null) {
            // an engine that cannot constrain its output must not silently ignore the grammar
            if (!model.supportsGrammar()) {
                throw new UnsupportedFeatureException(model.engine(), "grammar-constrained output (response_format)");
            }
            request = request.withGrammar(options.grammar());
        }
        ReasoningSplitter splitter = splitReasoning ? ReasoningSplitter.forPrompt(prompt) : null;
        StringBuilder answer = new StringBuilder();
        StringBuilder reasoning = new StringBuilder();
        Generation generation = model.generate(request);
        cancelRequested = false;
        current = generation;
        GenerationResult result;
        try {
            result = generation.stream(piece -> {
                deliver(splitter == null ? new ReasoningSplitter.Delta("", piece) : splitter.accept(piece),
                        answer, reasoning, listener);
                if (listener.cancelled() || cancelRequested) {
                    generation.cancel();
                }
            });
            if (splitter != null) {
                deliver(splitter.finish(), answer, reasoning, listener);
            }
        } catch (RuntimeException e) {
            throw new EngineException("Generation failed: " + e.getMessage(), e);
        } finally {
            current = null;
        }
        String thinking = reasoning.isEmpty() ? null : reasoning.toString();
        return new ChatResult(answer.toString(), thinking, result.finishReason(), result.usage());
    }

    private static void deliver(ReasoningSplitter.Delta d, StringBuilder answer, StringBuilder reasoning, StreamListener listener) {
        if (!d.reasoning().isEmpty()) {
            reasoning.append(d.reasoning());
            listener.onReasoning(d.reasoning());
        }
        if (!d.answer().isEmpty()) {
            answer.append(d.answer());
            listener.onAnswer(d.answer());
        }
    }

    @Override
    public void close() {
        model.close();
        if (modelName != null) {
            BenchEvents.modelUnload(modelName);
        }
    }
}
