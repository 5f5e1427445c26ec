package io.jknife.bench.markdown;

import io.jknife.bench.json.Jsonl;
import io.jknife.bench.report.Inputs;
import io.jknife.bench.report.ReportValidator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code bench report}: validates the inputs, correlates a memmon log when one is given (as an
 * input or with {@code --memory}), compares with an older report, writes the Markdown.
 */
public final class ReportGenerator {
    /** {@code output} null: the default name beside the first input; "-" is handled by the caller. */
    public record Request(List<Path> inputs, Path memory, Path compare, Path output) {
        public Request {
            inputs = List.copyOf(inputs);
        }
    }

    public record Result(Path output, String markdown, int tests, int passed, int failed, int skipped, double durationS,
                         double cleanPercent, int models, Path memory, Path compareMemory) {
    }

    /** The inputs are not valid reports; {@code problems} are "file:line: message". */
    public static final class InvalidInput extends Exception {
        private final List<String> problems;

        public InvalidInput(List<String> problems) {
            super(problems.size() + " invalid line(s)", null, false, false);
            this.problems = List.copyOf(problems);
        }

        public List<String> problems() {
            return problems;
        }
    }

    private ReportGenerator() {
    }

    public static Result generate(Request req, Instant now, boolean write) throws IOException, InvalidInput {
        for (Path p : req.inputs()) {
            if (!Files.isRegularFile(p)) {
                throw new java.nio.file.NoSuchFileException(p.toString());
            }
        }
        List<Path> all = new ArrayList<>(req.inputs());
        if (req.memory() != null) {
            all.add(req.memory());
        }
        Inputs in = Inputs.read(all);
        validate(in.reportFiles());
        if (in.tests().isEmpty()) {
            throw new InvalidInput(List.of("no test records in " + req.inputs()));
        }
        DisplayIds ids = new DisplayIds();
        Correlation mem = in.memory().isEmpty() ? null : new Correlation(in.memory().getFirst(), in.tests());
        ReportStats cur = new ReportStats(in.records(), ids, mem);
        ReportStats old = null;
        Correlation oldMem = null;
        Path oldMemPath = null;
        if (req.compare() != null) {
            if (!Files.isRegularFile(req.compare())) {
                throw new java.nio.file.NoSuchFileException(req.compare().toString());
            }
            validate(List.of(req.compare()));
            Inputs o = Inputs.read(List.of(req.compare()));
            oldMemPath = companionMemory(req.compare());
            if (oldMemPath != null) {
                oldMem = new Correlation(Inputs.memoryLog(oldMemPath, Jsonl.read(oldMemPath)), o.tests());
            }
            old = new ReportStats(o.records(), ids, oldMem);
        }
        List<Path> reportInputs = in.reportFiles();
        Request shown = new Request(reportInputs, req.memory(), req.compare(), req.output());
        String date = dateOf(reportInputs.getFirst(), in.tests().getFirst().timestamp());
        String md = new MarkdownReport(shown, cur, old, mem, oldMem, ids).render(date, now);
        Path out = req.output() != null ? req.output() : reportInputs.getFirst().toAbsolutePath().resolveSibling(defaultName(reportInputs.getFirst(), cur.toolVersion, date));
        if (write) {
            Path parent = out.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(out, md, StandardCharsets.UTF_8);
        }
        return new Result(out, md, cur.total, cur.passed, cur.failed, cur.skipped, cur.duration, cur.cleanPercent(),
                cur.models.size(), mem == null ? null : mem.log.file(), oldMemPath);
    }

    private static void validate(List<Path> files) throws InvalidInput {
        ReportValidator v = new ReportValidator(ReportValidator.Mode.PER_VERSION);
        List<String> problems = new ArrayList<>();
        for (Path f : files) {
            ReportValidator.FileResult r = v.validate(f);
            r.errors().forEach(e -> problems.add(f + ":" + e.line() + ": " + e.message()));
        }
        if (!problems.isEmpty()) {
            throw new InvalidInput(problems);
        }
    }

    /** The memmon file of a comparison report: its name with "benchmark" replaced by "memory", if it exists. */
    static Path companionMemory(Path report) {
        String name = report.getFileName().toString();
        if (!name.contains("benchmark")) {
            return null;
        }
        Path m = report.resolveSibling(name.replace("benchmark", "memory"));
        return Files.isRegularFile(m) ? m : null;
    }

    /**
     * {@code BENCHMARK-v1.2-<version>-<date>.md} from the input's stem (reference §6.1): the version
     * after the first {@code -v}, else the records'.
     */
    static String defaultName(Path input, String recordVersion, String date) {
        String stem = stem(input);
        int v = stem.indexOf("-v");
        String version = recordVersion == null ? "unknown" : recordVersion;
        if (v >= 0) {
            String rest = stem.substring(v + 2);
            int dash = rest.indexOf('-');
            version = dash < 0 ? rest : rest.substring(0, dash);
        }
        return "BENCHMARK-v" + MarkdownReport.TEMPLATE + "-" + version + "-" + date + ".md";
    }

    /**
     * The stem before {@code -v} (the whole stem without one), as the original names reports; when
     * that does not start with a date, the UTC date of the first record.
     */
    static String dateOf(Path input, Double firstTimestamp) {
        String stem = stem(input);
        int v = stem.indexOf("-v");
        String d = v >= 0 ? stem.substring(0, v) : stem;
        if (d.matches("\\d{4}-\\d{2}-\\d{2}.*") || firstTimestamp == null) {
            return d;
        }
        return java.time.Instant.ofEpochSecond(firstTimestamp.longValue()).atOffset(java.time.ZoneOffset.UTC).toLocalDate().toString();
    }

    private static String stem(Path p) {
        String n = p.getFileName().toString();
        return n.endsWith(".jsonl") ? n.substring(0, n.length() - 6) : n.contains(".") ? n.substring(0, n.lastIndexOf('.')) : n;
    }
}
