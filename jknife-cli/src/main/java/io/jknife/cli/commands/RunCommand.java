package io.jknife.cli.commands;

import io.jknife.chat.ChatMessage;
import io.jknife.cli.BaseCommand;
import io.jknife.cli.CommandFailure;
import io.jknife.cli.Context;
import io.jknife.engine.FinishReason;
import io.jknife.engine.LoadOptions;
import io.jknife.engine.SamplingParams;
import io.jknife.runtime.ChatOptions;
import io.jknife.runtime.ChatResult;
import io.jknife.runtime.RunPreflight;
import io.jknife.runtime.StreamListener;
import io.jknife.runtime.TextSession;
import io.jknife.store.ModelEntry;
import io.jknife.store.ModelInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code jknife run MODEL [PROMPT...]}: single shot (streamed to a terminal, whole when piped),
 * interactive chat on a terminal without a prompt, or stdin as input with {@code -}.
 */
@Command(name = "run", description = "Generate text with a model: one prompt, a pipe, or an interactive chat.")
public final class RunCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "MODEL", description = "Model reference.")
    String model;

    @Parameters(index = "1..*", paramLabel = "PROMPT",
            description = "The prompt (words are joined with spaces). '-' reads stdin; words after it are appended as an instruction.")
    List<String> words = new ArrayList<>();

    @Option(names = "--system", paramLabel = "TEXT", description = "System prompt.")
    String system;

    @Option(names = "--max-tokens", paramLabel = "N", description = "Most tokens to generate (default: what fits in the context).")
    Integer maxTokens;

    @Option(names = "--temperature", paramLabel = "T", description = "Sampling temperature; 0 is greedy (default ${DEFAULT-VALUE}).", defaultValue = "0.7")
    double temperature;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "0.95", description = "Nucleus sampling (default ${DEFAULT-VALUE}).")
    double topP;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "40", description = "Top-k sampling, 0 off (default ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--min-p", paramLabel = "P", defaultValue = "0.05", description = "Min-p sampling, 0 off (default ${DEFAULT-VALUE}).")
    double minP;

    @Option(names = "--repeat-penalty", paramLabel = "R", defaultValue = "1.0", description = "Repetition penalty, 1 off (default ${DEFAULT-VALUE}).")
    double repeatPenalty;

    @Option(names = "--seed", paramLabel = "N", description = "Random seed (same seed and settings, same output).")
    Long seed;

    @Option(names = "--stop", paramLabel = "TEXT", description = "Stop before this text (repeatable).")
    List<String> stops = new ArrayList<>();

    @Mixin
    EngineOptions engineOptions = new EngineOptions();

    @Mixin
    AudioOptions audio = new AudioOptions();

    @Mixin
    VisionOptions vision = new VisionOptions();

    @Option(names = "--no-stream", description = "Print the answer when it is complete.")
    boolean noStream;

    @Option(names = "--hide-reasoning", description = "Do not print a reasoning model's thinking.")
    boolean hideReasoning;

    @Option(names = "--no-chat-template", description = "Send the prompt as it is, without the chat template.")
    boolean noChatTemplate;

    public RunCommand(Context ctx) {
        super(ctx);
    }

    @Override
    protected String name() {
        return "run";
    }

    @Override
    public Integer call() {
        try {
            return super.call();
        } catch (Interrupted i) {
            return 130;
        }
    }

    @Override
    protected Object execute() {
        if (audio.requested() && vision.requested()) {
            throw failure("--audio and --image cannot be combined: give one");
        }
        if (audio.requested()) {
            return new AudioRun(ctx, audio, engineOptions, json).run(model, words);
        }
        if (vision.chunk != null && !vision.requested()) {
            throw failure("--chunk only applies with --image FILE");
        }
        if (!audio.strayOptions().isEmpty()) {
            throw failure(String.join(", ", audio.strayOptions()) + " only apply with --audio FILE");
        }
        SamplingParams sampling;
        LoadOptions loadOptions;
        try {
            sampling = new SamplingParams(temperature, topP, topK, minP, repeatPenalty, seed == null ? SamplingParams.DEFAULT_SEED : seed);
            loadOptions = engineOptions.loadOptions();
        } catch (IllegalArgumentException e) {
            throw failure(e.getMessage());
        }
        if (maxTokens != null && maxTokens <= 0) {
            throw failure("--max-tokens must be > 0 (got " + maxTokens + ")");
        }
        if (vision.requested()) {
            return new VisionRun(ctx, vision, json).run(model, words,
                    new ChatOptions(maxTokens, stops, sampling, !noChatTemplate), loadOptions, engineOptions,
                    !noStream && ctx.interactive());
        }
        String prompt = assemblePrompt();
        if (prompt == null && json) {
            throw failure("Interactive mode is not available with --json: give a prompt or pipe one on stdin");
        }
        ModelEntry entry = resolve();
        ModelInfo info = engineOptions.catalog(ctx.catalog()).describe(entry);
        RunPreflight.check(model, info).ifPresent(reason -> {
            throw failure(reason);
        });
        ChatOptions options = new ChatOptions(maxTokens, stops, sampling, !noChatTemplate);
        // an interactive chat waits for its first prompt: the engine may finish preparing meanwhile
        LoadOptions load = prompt == null ? loadOptions.withIdleAfterLoad() : loadOptions;
        try (TextSession session = TextSession.open(info, load, ctx.engines())) {
            if (prompt == null) {
                interactive(session, options);
                return null;
            }
            List<ChatMessage> messages = new ArrayList<>();
            if (system != null) {
                messages.add(ChatMessage.system(system));
            }
            messages.add(ChatMessage.user(prompt));
            boolean stream = !json && !noStream && ctx.interactive();
            Output out = new Output(ctx.out(), stream, hideReasoning);
            ChatResult result = Interrupts.whileRunning(session, () -> session.chat(messages, options, out));
            if (json) {
                return jsonData(prompt, result);
            }
            out.finish(result);
            if (result.finishReason() == FinishReason.CANCELLED) {
                ctx.err().println("[Generation interrupted by user]");
                throw new Interrupted();
            }
            return null;
        } catch (io.jknife.engine.EngineException | io.jknife.runtime.PromptTooLongException e) {
            throw failure(e.getMessage());
        }
    }

    @Override
    protected void printHuman(Object data) {
        // human output was printed while generating
    }

    private Map<String, Object> jsonData(String prompt, ChatResult r) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("model", model);
        data.put("prompt", prompt);
        data.put("response", r.answer());
        data.put("reasoning", r.reasoning());
        data.put("finish_reason", r.finishReason().word());
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("prompt_tokens", r.usage().promptTokens());
        usage.put("completion_tokens", r.usage().completionTokens());
        usage.put("total_tokens", r.usage().totalTokens());
        usage.put("time_to_first_token_ms", Math.round(r.usage().promptMillis() * 10) / 10.0);
        usage.put("generation_ms", Math.round(r.usage().generationMillis() * 10) / 10.0);
        data.put("usage", usage);
        data.put("tokens_per_second", Math.round(r.usage().tokensPerSecond() * 100) / 100.0);
        return data;
    }

    /** The prompt from words and stdin; null means "interactive chat". */
    private String assemblePrompt() {
        if (!words.isEmpty() && words.getFirst().equals("-")) {
            String input = readStdin();
            String extra = String.join(" ", words.subList(1, words.size()));
            return extra.isEmpty() ? input : input + "\n\n" + extra;
        }
        if (!words.isEmpty()) {
            return String.join(" ", words);
        }
        if (ctx.interactive()) {
            return null;
        }
        String input = readStdin();
        if (input.isBlank()) {
            throw failure("No prompt: give one as arguments, pipe one on stdin, or run on a terminal for a chat");
        }
        return input;
    }

    private String readStdin() {
        StringBuilder sb = new StringBuilder();
        try {
            char[] buf = new char[8192];
            int n;
            while ((n = ctx.in().read(buf)) >= 0) {
                sb.append(buf, 0, n);
            }
        } catch (IOException e) {
            throw failure("Cannot read stdin: " + e.getMessage());
        }
        String s = sb.toString();
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }

    private ModelEntry resolve() {
        try {
            return Resolve.one(ctx.store(), model);
        } catch (CommandFailure f) {
            // run reports every failure as execution_error, as the original does
            throw failure(f.getMessage());
        }
    }

    /** The chat loop: history kept across turns, /exit or Ctrl-D ends, Ctrl-C stops only the answer. */
    private void interactive(TextSession session, ChatOptions options) {
        PrintStream out = ctx.out();
        out.println("Chatting with " + model + ". Type /exit or press Ctrl-D to end; Ctrl-C stops an answer.");
        out.println();
        List<ChatMessage> history = new ArrayList<>();
        if (system != null) {
            history.add(ChatMessage.system(system));
        }
        while (true) {
            out.print("You: ");
            out.flush();
            String line;
            try {
                line = ctx.in().readLine();
            } catch (IOException e) {
                line = null;
            }
            if (line == null) {
                out.println();
                out.println("Goodbye!");
                return;
            }
            String input = line.strip();
            if (input.isEmpty()) {
                continue;
            }
            String lower = input.toLowerCase(Locale.ROOT);
            if (lower.equals("/exit") || lower.equals("/quit") || lower.equals("exit") || lower.equals("quit")) {
                out.println("Goodbye!");
                return;
            }
            history.add(ChatMessage.user(input));
            out.print("Assistant: ");
            out.flush();
            Output o = new Output(out, true, hideReasoning);
            try {
                ChatResult r = Interrupts.whileRunning(session, () -> session.chat(history, options, o));
                o.finish(r);
                if (r.finishReason() == FinishReason.CANCELLED) {
                    out.println("[answer stopped]");
                }
                history.add(ChatMessage.assistant(r.answer()));
            } catch (io.jknife.runtime.PromptTooLongException | io.jknife.engine.EngineException e) {
                history.removeLast();
                ctx.err().println("[ERROR] " + e.getMessage());
            }
            out.println();
        }
    }

    private CommandFailure failure(String message) {
        return new CommandFailure("execution_error", message);
    }

    /** Single shot ended by Ctrl-C: exit 130 like other interrupted programs. */
    static final class Interrupted extends RuntimeException {
        Interrupted() {
            super(null, null, false, false);
        }
    }

    /**
     * Prints a generation: streamed pieces as they come, or everything at the end; reasoning
     * shown in its own section (or hidden). Stops the generation when stdout is closed.
     */
    static final class Output implements StreamListener {
        private final PrintStream out;
        private final boolean stream;
        private final boolean hideReasoning;
        private final AtomicReference<Runnable> onClosed = new AtomicReference<>();
        private boolean inReasoning;
        private boolean answerStarted;

        Output(PrintStream out, boolean stream, boolean hideReasoning) {
            this.out = out;
            this.stream = stream;
            this.hideReasoning = hideReasoning;
        }

        @Override
        public void onReasoning(String piece) {
            if (!stream || hideReasoning) {
                return;
            }
            if (!inReasoning) {
                out.print("**[Reasoning]**\n\n");
                inReasoning = true;
            }
            write(piece);
        }

        @Override
        public void onAnswer(String piece) {
            if (!stream) {
                return;
            }
            if (inReasoning && !answerStarted) {
                out.print("\n\n---\n\n**[Answer]**\n\n");
            }
            answerStarted = true;
            write(piece);
        }

        @Override
        public boolean cancelled() {
            return out.checkError();
        }

        private void write(String piece) {
            out.print(piece);
            out.flush();
        }

        void finish(ChatResult r) {
            if (stream) {
                out.println();
                out.flush();
                return;
            }
            if (!hideReasoning && r.reasoning() != null && !r.reasoning().isBlank()) {
                out.print("**[Reasoning]**\n\n" + r.reasoning().strip() + "\n\n---\n\n**[Answer]**\n\n");
            }
            out.println(r.answer());
            out.flush();
        }
    }
}
