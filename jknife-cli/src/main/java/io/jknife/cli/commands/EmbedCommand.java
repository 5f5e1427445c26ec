package io.jknife.cli.commands;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.jknife.cli.BaseCommand;
import io.jknife.cli.CommandFailure;
import io.jknife.cli.Context;
import io.jknife.cli.output.JsonOutput;
import io.jknife.engine.EmbeddingModel;
import io.jknife.engine.EngineException;
import io.jknife.engine.LoadOptions;
import io.jknife.runtime.TextSession;
import io.jknife.store.ModelEntry;
import io.jknife.store.ModelInfo;
import io.jknife.store.probe.Capability;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code jknife embed MODEL [TEXT...|-]}: embeddings of a GGUF embedding model, one JSON line per
 * input ({@code {"index", "embedding", "tokens"}}, L2-normalized vectors). TEXT is one input;
 * {@code -} or a pipe on stdin gives one input per line (blank lines skipped), embedded in batches
 * and printed as they are done. {@code --json} prints one envelope with all of them instead.
 */
@Command(name = "embed", description = "Embed text with a GGUF embedding model: one JSON line per input (TEXT, or one per line of stdin).")
public final class EmbedCommand extends BaseCommand {
    /** Inputs handed to the engine at once (it packs them into its own batches). */
    static final int CHUNK = 64;

    @Parameters(index = "0", paramLabel = "MODEL", description = "Embedding model reference.")
    String model;

    @Parameters(index = "1..*", paramLabel = "TEXT",
            description = "The text to embed (words are joined with spaces); '-' or no TEXT with a pipe: one input per line of stdin.")
    List<String> words = new ArrayList<>();

    @Option(names = "--ctx-size", paramLabel = "N", description = "Context size in tokens, also the longest input (default: the model's, at most 2048).")
    int ctxSize;

    @Option(names = "--threads", paramLabel = "N", description = "CPU threads (default: all cores).")
    int threads;

    public EmbedCommand(Context ctx) {
        super(ctx);
    }

    @Override
    protected String name() {
        return "embed";
    }

    @Override
    protected Object execute() {
        if (ctxSize < 0 || threads < 0) {
            throw failure("--ctx-size and --threads must be >= 0");
        }
        boolean fromStdin = words.isEmpty() || (words.size() == 1 && words.getFirst().equals("-"));
        if (words.size() > 1 && words.getFirst().equals("-")) {
            throw failure("'-' reads the inputs from stdin; give no TEXT after it");
        }
        if (fromStdin && ctx.interactive() && words.isEmpty()) {
            throw failure("No input: give TEXT, or pipe one input per line on stdin");
        }
        ModelInfo info = ctx.catalog().describe(resolve());
        check(info);
        try (TextSession session = TextSession.open(info, new LoadOptions(ctxSize, threads), ctx.engines())) {
            EmbeddingModel embedder = session.embeddings().orElseThrow(
                    () -> failure("Model '" + model + "' was not loaded as an embedding model"));
            Output out = new Output(json ? null : ctx.out());
            if (fromStdin) {
                List<String> chunk = new ArrayList<>();
                String line;
                while ((line = readLine()) != null) {
                    if (!line.isBlank()) {
                        chunk.add(line);
                    }
                    if (chunk.size() == CHUNK) {
                        out.add(embed(embedder, chunk, out.count()));
                        chunk.clear();
                    }
                }
                if (!chunk.isEmpty()) {
                    out.add(embed(embedder, chunk, out.count()));
                }
                if (out.count() == 0) {
                    throw failure("No input: stdin had no non-blank line");
                }
            } else {
                out.add(embed(embedder, List.of(String.join(" ", words)), 0));
            }
            if (!json) {
                return null;
            }
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("model", model);
            data.put("dimensions", embedder.dimensions());
            data.put("embeddings", out.all());
            data.put("usage", Map.of("prompt_tokens", out.tokens()));
            return data;
        } catch (EngineException e) {
            throw failure(e.getMessage());
        }
    }

    @Override
    protected void printHuman(Object data) {
        // the lines were printed as the inputs were embedded
    }

    private List<Map<String, Object>> embed(EmbeddingModel embedder, List<String> inputs, int firstIndex) throws EngineException {
        List<EmbeddingModel.Embedding> vectors;
        try {
            vectors = embedder.embed(inputs);
        } catch (IllegalArgumentException e) {
            // the engine counts inputs of this chunk; the user counts them all
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^input (\\d+)").matcher(e.getMessage());
            throw failure(m.find() ? "input " + (firstIndex + Integer.parseInt(m.group(1))) + e.getMessage().substring(m.end())
                    : e.getMessage());
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < vectors.size(); i++) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("index", firstIndex + i);
            row.put("embedding", vectors.get(i).vector());
            row.put("tokens", vectors.get(i).tokens());
            rows.add(row);
        }
        return rows;
    }

    /** Why {@code info} cannot embed, as a failure; nothing when it can. */
    private void check(ModelInfo info) {
        if (!info.healthy()) {
            throw failure("Model '" + model + "' is unhealthy: " + info.reason());
        }
        if (!info.capabilities().contains(Capability.EMBEDDINGS)) {
            throw failure("Model '" + model + "' is not an embedding model (capabilities: "
                    + String.join(", ", info.capabilities().stream().map(c -> c.toString().toLowerCase()).toList())
                    + "); `jknife embed` needs one such as a BERT GGUF");
        }
        if (!info.runtimeCompatible()) {
            throw failure("Model '" + model + "' is not compatible: " + info.reason());
        }
    }

    private ModelEntry resolve() {
        try {
            return Resolve.one(ctx.store(), model);
        } catch (CommandFailure f) {
            throw failure(f.getMessage());
        }
    }

    private String readLine() {
        try {
            return ctx.in().readLine();
        } catch (IOException e) {
            throw failure("Cannot read stdin: " + e.getMessage());
        }
    }

    private static CommandFailure failure(String message) {
        return new CommandFailure("execution_error", message);
    }

    /** JSON lines as inputs are embedded (stdout), or the rows kept for the envelope ({@code --json}). */
    private static final class Output {
        private final PrintStream lines;
        private final List<Map<String, Object>> rows = new ArrayList<>();
        private int count;
        private long tokens;

        Output(PrintStream lines) {
            this.lines = lines;
        }

        void add(List<Map<String, Object>> batch) {
            for (Map<String, Object> row : batch) {
                count++;
                tokens += (Integer) row.get("tokens");
                if (lines == null) {
                    rows.add(row);
                } else {
                    try {
                        lines.println(JsonOutput.MAPPER.writeValueAsString(row));
                    } catch (JsonProcessingException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
            if (lines != null) {
                lines.flush();
                if (lines.checkError()) {
                    throw failure("stdout was closed");
                }
            }
        }

        int count() {
            return count;
        }

        long tokens() {
            return tokens;
        }

        List<Map<String, Object>> all() {
            return rows;
        }
    }
}
