package io.jknife.cli.commands;

import io.jknife.bench.plot.Chromium;
import io.jknife.bench.plot.PlotlyBundle;
import io.jknife.bench.plot.TimelinePlot;
import io.jknife.bench.report.Inputs;
import io.jknife.cli.BaseCommand;
import io.jknife.cli.CommandFailure;
import io.jknife.cli.Context;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code jknife bench plot MEMORY.jsonl [REPORT.jsonl ...] [-o FILE]}: the interactive timeline as one
 * self-contained HTML page (Plotly embedded, works offline), or a PNG through headless Chromium.
 */
@Command(name = "plot", description = "Draw a memmon log and the tests and events of report files as an interactive timeline (self-contained HTML).")
public final class BenchPlotCommand extends BaseCommand {
    @picocli.CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "A memmon JSONL file, then report JSONL files (recognised by content).")
    List<Path> files;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Output file (default memory_timeline.<format>).")
    Path output;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "html", description = "html (default) or png (needs Chromium).")
    String format;

    @Option(names = "--title", defaultValue = "Memory Timeline", description = "Page and figure title (default: ${DEFAULT-VALUE}).")
    String title;

    @Option(names = "--plotly-js", paramLabel = "FILE", description = "Embed this plotly.min.js instead of the bundled one.")
    Path plotlyJs;

    public BenchPlotCommand(Context ctx) {
        super(ctx);
    }

    @Override
    protected String name() {
        return "bench plot";
    }

    @Override
    protected Object execute() {
        if (!format.equals("html") && !format.equals("png")) {
            throw new CommandFailure("ValidationError", "--format must be html or png, not '" + format + "'");
        }
        for (Path f : files) {
            if (!Files.isRegularFile(f)) {
                throw new CommandFailure("file_not_found", "No such file: " + f);
            }
        }
        Path out = output != null ? output : Path.of("memory_timeline." + format);
        Chromium chromium = null;
        if (format.equals("png")) {
            chromium = Chromium.find().orElseThrow(() -> new CommandFailure("renderer_missing",
                    "--format png renders the page with headless Chromium, which was not found (install chromium, or use --format html)"));
        }
        try {
            PlotlyBundle plotly = PlotlyBundle.load(plotlyJs);
            Inputs in = Inputs.read(files);
            if (in.memory().isEmpty()) {
                throw new CommandFailure("invalid_input", "no memmon file among the inputs (the samples of `jknife bench memmon -o FILE`)");
            }
            Inputs.MemoryLog mem = in.memory().getFirst();
            if (mem.isEmpty()) {
                throw new CommandFailure("invalid_input", "the memmon file " + mem.file() + " holds no samples");
            }
            Path html = format.equals("html") ? out : out.resolveSibling(out.getFileName() + ".html");
            TimelinePlot.Result r = TimelinePlot.write(mem, in, title, plotly, html);
            if (chromium != null) {
                try {
                    chromium.screenshot(html, out, 1400, r.rows().size() == 1 ? 600 : r.rows().size() == 2 ? 800 : 950, 120);
                } finally {
                    Files.deleteIfExists(html);
                }
            }
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("output", out.toString());
            data.put("format", format);
            data.put("samples", r.samples());
            data.put("tests", r.tests());
            data.put("model_tests", r.modelTests());
            data.put("events", r.events());
            data.put("rows", new ArrayList<>(r.rows()));
            data.put("plotly", plotly.label());
            return data;
        } catch (PlotlyBundle.MissingException e) {
            throw new CommandFailure("plotly_missing", e.getMessage());
        } catch (IOException e) {
            throw new CommandFailure("io_error", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandFailure("interrupted", "interrupted");
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    protected void printHuman(Object data) {
        Map<String, Object> d = (Map<String, Object>) data;
        ctx.out().println("Samples: " + d.get("samples") + ", tests: " + d.get("tests") + " (" + d.get("model_tests") + " with a model), events: "
                + d.get("events") + ", rows: " + String.join(", ", (List<String>) d.get("rows")));
        ctx.out().println("Wrote " + d.get("output"));
    }
}
