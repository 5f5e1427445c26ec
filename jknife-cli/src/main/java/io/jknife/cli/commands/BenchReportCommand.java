package io.jknife.cli.commands;

import io.jknife.bench.markdown.ReportGenerator;
import io.jknife.bench.json.Num;
import io.jknife.cli.BaseCommand;
import io.jknife.cli.CommandFailure;
import io.jknife.cli.Context;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code jknife bench report FILE ... [--compare OLD] [--memory MEM] [-o REPORT.md]}: the Markdown
 * report (template 1.2). A memmon file among the inputs is used for correlation.
 */
@Command(name = "report", description = "Write the Markdown benchmark report of report JSONL files (optionally with a memmon log and a comparison).")
public final class BenchReportCommand extends BaseCommand {
    @picocli.CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    static final int SHOWN_PROBLEMS = 5;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Report JSONL files (a memmon file among them is correlated).")
    List<Path> files;

    @Option(names = "--compare", paramLabel = "OLD", description = "An older report JSONL to compare with (its memmon file is found by name: benchmark -> memory).")
    Path compare;

    @Option(names = "--memory", paramLabel = "MEM", description = "The memmon JSONL of the run.")
    Path memory;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Markdown destination; - for stdout (default BENCHMARK-v1.2-<version>-<date>.md beside the input).")
    Path output;

    public BenchReportCommand(Context ctx) {
        super(ctx);
    }

    @Override
    protected String name() {
        return "bench report";
    }

    @Override
    protected Object execute() {
        boolean stdout = output != null && output.toString().equals("-");
        if (stdout && json) {
            throw new CommandFailure("ValidationError", "-o - (Markdown on stdout) and --json exclude each other");
        }
        ReportGenerator.Result r;
        try {
            r = ReportGenerator.generate(new ReportGenerator.Request(files, memory, compare, stdout ? null : output), ctx.now(), !stdout);
        } catch (NoSuchFileException e) {
            throw new CommandFailure("file_not_found", "No such file: " + e.getFile());
        } catch (IOException e) {
            throw new CommandFailure("io_error", e.getMessage());
        } catch (ReportGenerator.InvalidInput e) {
            List<String> p = e.problems();
            StringBuilder msg = new StringBuilder("the input is not a valid report:");
            p.subList(0, Math.min(SHOWN_PROBLEMS, p.size())).forEach(s -> msg.append("\n  ").append(s));
            if (p.size() > SHOWN_PROBLEMS) {
                msg.append("\n  ... and ").append(p.size() - SHOWN_PROBLEMS).append(" more");
            }
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("problems", p.subList(0, Math.min(SHOWN_PROBLEMS, p.size())));
            detail.put("more", Math.max(0, p.size() - SHOWN_PROBLEMS));
            throw new CommandFailure("invalid_reports", msg.toString(), null, Map.of("detail", detail));
        }
        if (stdout) {
            ctx.out().print(r.markdown());
            return null;
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("output", r.output().toString());
        data.put("tests", r.tests());
        data.put("passed", r.passed());
        data.put("failed", r.failed());
        data.put("skipped", r.skipped());
        data.put("duration_s", Num.round(r.durationS(), 3));
        data.put("clean_percent", Num.round(r.cleanPercent(), 1));
        data.put("models", r.models());
        data.put("memory", r.memory() == null ? null : r.memory().toString());
        data.put("compare", compare == null ? null : compare.toString());
        return data;
    }

    @Override
    @SuppressWarnings("unchecked")
    protected void printHuman(Object data) {
        if (data == null) {
            return;
        }
        Map<String, Object> d = (Map<String, Object>) data;
        ctx.out().println("Tests: " + d.get("passed") + "/" + d.get("tests") + " passed (" + d.get("failed") + " failed, " + d.get("skipped")
                + " skipped), duration " + Num.fmt(((Number) d.get("duration_s")).doubleValue() / 60, 1) + " min, "
                + d.get("clean_percent") + "% clean, " + d.get("models") + " models");
        ctx.out().println("Wrote " + d.get("output"));
    }
}
