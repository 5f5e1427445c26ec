package io.jknife.cli.commands;

import io.jknife.bench.report.ReportValidator;
import io.jknife.cli.BaseCommand;
import io.jknife.cli.Context;
import io.jknife.cli.output.Envelope;
import io.jknife.cli.output.JsonOutput;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code jknife bench validate FILE...}: JSON-Schema validation of every line against the schema of
 * the version it declares (memmon lines against the memmon schema); exit 1 on any invalid line or
 * missing file.
 */
@Command(name = "validate", description = "Validate benchmark report (and memmon) JSONL files line by line against the bundled schemas.")
public final class BenchValidateCommand extends BaseCommand {
    @picocli.CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "JSONL files.")
    List<Path> files;

    @Option(names = "--schema", paramLabel = "FILE", description = "Validate every record against this schema instead.")
    Path schema;

    @Option(names = "--legacy", description = "Validate every record against v0.2.2, as mlx-knife's validator does (no per-version dispatch).")
    boolean legacy;

    public BenchValidateCommand(Context ctx) {
        super(ctx);
    }

    @Override
    protected String name() {
        return "bench validate";
    }

    @Override
    public Integer call() {
        ReportValidator validator;
        try {
            validator = schema != null ? new ReportValidator(schema)
                    : new ReportValidator(legacy ? ReportValidator.Mode.LEGACY : ReportValidator.Mode.PER_VERSION);
        } catch (IOException | RuntimeException e) {
            return fail("cannot read the schema " + schema + ": " + e.getMessage(), null);
        }
        List<ReportValidator.FileResult> results = files.stream().map(validator::validate).toList();
        Map<String, Object> data = data(results);
        boolean ok = results.stream().allMatch(ReportValidator.FileResult::ok);
        if (json) {
            ctx.out().println(JsonOutput.pretty(ok ? Envelope.success(name(), data)
                    : Envelope.error(name(), data, "invalid_reports", message(data), null)));
            return ok ? 0 : 1;
        }
        printHuman(results, data);
        return ok ? 0 : 1;
    }

    private int fail(String message, Object data) {
        if (json) {
            ctx.out().println(JsonOutput.pretty(Envelope.error(name(), data, "invalid_schema", message, null)));
        } else {
            ctx.err().println(name() + ": Error: " + message);
        }
        return 1;
    }

    private static String message(Map<String, Object> data) {
        return data.get("valid") + "/" + data.get("total") + " reports valid across " + data.get("file_count") + " file(s)";
    }

    private static Map<String, Object> data(List<ReportValidator.FileResult> results) {
        List<Map<String, Object>> fs = new ArrayList<>();
        int total = 0;
        int valid = 0;
        for (ReportValidator.FileResult r : results) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("path", r.file().toString());
            f.put("exists", r.exists());
            f.put("total", r.total());
            f.put("valid", r.valid());
            f.put("errors", issues(r.errors()));
            f.put("warnings", issues(r.warnings()));
            fs.add(f);
            total += r.total();
            valid += r.valid();
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("files", fs);
        data.put("file_count", results.size());
        data.put("total", total);
        data.put("valid", valid);
        data.put("all_valid", results.stream().allMatch(ReportValidator.FileResult::ok));
        return data;
    }

    private static List<Map<String, Object>> issues(List<ReportValidator.Issue> issues) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (ReportValidator.Issue i : issues) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("line", i.line());
            m.put("message", i.message());
            out.add(m);
        }
        return out;
    }

    private void printHuman(List<ReportValidator.FileResult> results, Map<String, Object> data) {
        for (ReportValidator.FileResult r : results) {
            ctx.out().println("Validating " + r.file());
            if (!r.exists()) {
                ctx.out().println("  ❌ " + r.errors().getFirst().message());
                continue;
            }
            ctx.out().println("  " + (r.ok() ? "✅" : "❌") + " " + r.valid() + "/" + r.total() + " reports valid");
            r.errors().forEach(e -> ctx.out().println("    Line " + e.line() + ": " + e.message()));
            r.warnings().forEach(w -> ctx.out().println("    Line " + w.line() + ": warning: " + w.message()));
        }
        ctx.out().println("=".repeat(60));
        boolean ok = Boolean.TRUE.equals(data.get("all_valid"));
        ctx.out().println("Total: " + message(data));
        ctx.out().println(ok ? "✅ All reports valid" : "❌ Validation failed");
    }

    @Override
    protected Object execute() {
        throw new UnsupportedOperationException("call() does the work");
    }

    @Override
    protected void printHuman(Object data) {
        throw new UnsupportedOperationException("call() does the work");
    }
}
