package io.jknife.cli.commands;

import io.jknife.cli.CommandFailure;
import io.jknife.cli.Context;
import io.jknife.engine.EngineException;
import io.jknife.engine.FinishReason;
import io.jknife.engine.LoadOptions;
import io.jknife.runtime.ChatOptions;
import io.jknife.runtime.ChatResult;
import io.jknife.runtime.PromptTooLongException;
import io.jknife.runtime.RunPreflight;
import io.jknife.runtime.TextSession;
import io.jknife.runtime.VisionChat;
import io.jknife.store.ModelEntry;
import io.jknife.store.ModelInfo;
import io.jknife.vision.ChunkSize;
import io.jknife.vision.ImageArguments;
import io.jknife.vision.ImageChunk;
import io.jknife.vision.ImageException;
import io.jknife.vision.ImageLimits;
import io.jknife.vision.ImageLoader;
import io.jknife.vision.VisionImage;
import io.jknife.vision.VisionSettings;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code run MODEL --image FILE... [PROMPT]}: checks the images and the model before loading (a
 * text-only model is refused by its metadata), then asks the model about the images chunk by chunk
 * ({@link VisionChat}): each chunk's metadata table, then its answer, streamed to a terminal.
 */
final class VisionRun {
    /** The prompt when none is given. */
    static final String DEFAULT_PROMPT = "Describe the image.";
    /** The answer's length when {@code --max-tokens} is not given (mlx-vlm's default, which the original used). */
    static final int DEFAULT_MAX_TOKENS = 2048;

    private final Context ctx;
    private final VisionOptions vision;
    private final boolean json;

    VisionRun(Context ctx, VisionOptions vision, boolean json) {
        this.ctx = ctx;
        this.vision = vision;
        this.json = json;
    }

    /**
     * Runs the request; returns the envelope's data with {@code --json}, else prints as it goes and
     * returns null. {@code options} carries the command's sampling and limits.
     */
    Object run(String model, List<String> words, ChatOptions options, LoadOptions loadOptions, EngineOptions engineOptions,
               boolean stream) {
        Path cwd = Path.of("").toAbsolutePath();
        VisionOptions.Split split = vision.split(cwd);
        List<String> promptWords = new ArrayList<>(words);
        promptWords.addAll(split.promptWords());
        if (!promptWords.isEmpty() && promptWords.getFirst().equals("-")) {
            throw failure("--image takes its prompt as arguments, not from stdin");
        }
        String prompt = promptWords.isEmpty() ? DEFAULT_PROMPT : String.join(" ", promptWords).strip();
        if (prompt.isEmpty()) {
            prompt = DEFAULT_PROMPT;
        }
        VisionSettings settings = VisionSettings.fromEnvironment(ctx.env());
        List<VisionImage> images = new ArrayList<>();
        int chunkSize;
        try {
            chunkSize = ChunkSize.resolve(vision.chunk, ctx.env());
            for (Path file : ImageArguments.expand(split.images(), cwd, ImageLimits.CLI)) {
                images.add(VisionImage.read(file, ImageLimits.CLI, settings.exifMetadata()));
            }
        } catch (ImageException e) {
            throw failure(e.getMessage());
        }
        ModelEntry entry;
        try {
            entry = Resolve.one(ctx.store(), model);
        } catch (CommandFailure f) {
            throw failure(f.getMessage());
        }
        ModelInfo info = engineOptions.catalog(ctx.catalog()).describe(entry);
        RunPreflight.checkImages(model, info).ifPresent(reason -> {
            throw failure(reason);
        });
        ChatOptions visionOptions = options.maxTokens() != null ? options
                : new ChatOptions(DEFAULT_MAX_TOKENS, options.stops(), options.sampling(), options.useChatTemplate(),
                options.grammar());
        Printer printer = new Printer(ctx.out(), ctx.err(), stream && !json);
        String finalPrompt = prompt;
        try (TextSession session = TextSession.open(info, loadOptions, ctx.engines())) {
            VisionChat chat = new VisionChat(session, new ImageLoader(ImageLimits.CLI), settings);
            VisionChat.Answer answer = Interrupts.whileRunning(session, () -> {
                try {
                    return chat.ask(finalPrompt, images, chunkSize, null, visionOptions, printer);
                } catch (ImageException e) {
                    throw failure(e.getMessage());
                }
            });
            if (json) {
                return jsonData(model, finalPrompt, images.size(), chunkSize, answer);
            }
            if (!printer.stream) {
                ctx.out().println(answer.text());
            }
            if (answer.finishReason() == FinishReason.CANCELLED) {
                ctx.err().println("[Generation interrupted by user]");
                throw new RunCommand.Interrupted();
            }
            return null;
        } catch (EngineException | PromptTooLongException e) {
            throw failure(e.getMessage());
        }
    }

    private static Map<String, Object> jsonData(String model, String prompt, int images, int chunkSize, VisionChat.Answer a) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("model", model);
        data.put("prompt", prompt);
        data.put("images", images);
        data.put("chunk_size", chunkSize);
        data.put("response", a.text());
        data.put("finish_reason", a.finishReason().word());
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("prompt_tokens", a.usage().promptTokens());
        usage.put("completion_tokens", a.usage().completionTokens());
        usage.put("total_tokens", a.usage().totalTokens());
        usage.put("time_to_first_token_ms", Math.round(a.chunks().getFirst().usage().promptMillis() * 10) / 10.0);
        usage.put("generation_ms", Math.round(a.usage().generationMillis() * 10) / 10.0);
        data.put("usage", usage);
        // the passes' own time (image encoding, prefill, decoding), model load excluded
        double seconds = (a.usage().promptMillis() + a.usage().generationMillis()) / 1000.0;
        data.put("images_per_second", seconds > 0 ? Math.round(images / seconds * 1000) / 1000.0 : 0.0);
        return data;
    }

    private static CommandFailure failure(String message) {
        return new CommandFailure("execution_error", message);
    }

    /** Prints each chunk's table and then its answer as it streams; a progress line per chunk when split. */
    private static final class Printer implements VisionChat.Listener {
        private final PrintStream out;
        private final PrintStream err;
        private final boolean stream;

        Printer(PrintStream out, PrintStream err, boolean stream) {
            this.out = out;
            this.err = err;
            this.stream = stream;
        }

        @Override
        public void onChunkStart(ImageChunk chunk, String table) {
            if (chunk.chunked()) {
                err.println(chunk.progressLine());
            }
            if (stream) {
                out.print(table);
                out.flush();
            }
        }

        @Override
        public void onAnswer(String piece) {
            if (stream) {
                out.print(piece);
                out.flush();
            }
        }

        @Override
        public void onChunkEnd(ImageChunk chunk, ChatResult result) {
            if (stream) {
                out.println();
                out.println();
                out.flush();
            }
        }

        @Override
        public boolean cancelled() {
            return out.checkError();
        }
    }
}
