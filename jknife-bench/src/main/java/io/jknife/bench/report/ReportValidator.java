package io.jknife.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.jknife.bench.json.Jsonl;
import io.jknife.bench.memmon.MemmonFields;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Validates report JSONL files line by line against the bundled JSON Schemas (draft-07, formats
 * asserted). By default each record is checked against the schema of the {@code schema_version} it
 * declares; {@link Mode#LEGACY} checks every record against v0.2.2 as the original did; a given
 * schema file checks everything against that. memmon lines are recognised and checked against the
 * memmon schema.
 */
public final class ReportValidator {
    /** How records are matched to schemas. */
    public enum Mode { PER_VERSION, LEGACY }

    /** One problem on one physical line. */
    public record Issue(int line, String message) {
    }

    /** The outcome for one file. */
    public record FileResult(Path file, boolean exists, int total, int valid, List<Issue> errors, List<Issue> warnings) {
        public boolean ok() {
            return exists && total == valid;
        }
    }

    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7);
    private static final SchemaValidatorsConfig CONFIG = SchemaValidatorsConfig.builder()
            .formatAssertionsEnabled(true)
            .build();
    private static final Map<SchemaVersion, JsonSchema> BUNDLED = new EnumMap<>(SchemaVersion.class);
    private static JsonSchema memmonSchema;

    private final Mode mode;
    private final JsonSchema override;

    public ReportValidator(Mode mode) {
        this.mode = mode;
        this.override = null;
    }

    /** Validates every record against the schema in {@code schemaFile}. */
    public ReportValidator(Path schemaFile) throws IOException {
        this.mode = Mode.PER_VERSION;
        try (InputStream in = Files.newInputStream(schemaFile)) {
            this.override = FACTORY.getSchema(in, CONFIG);
        }
    }

    public static synchronized JsonSchema bundled(SchemaVersion v) {
        return BUNDLED.computeIfAbsent(v, k -> load(k.resource()));
    }

    static synchronized JsonSchema memmon() {
        if (memmonSchema == null) {
            memmonSchema = load(SchemaVersion.MEMMON_RESOURCE);
        }
        return memmonSchema;
    }

    private static JsonSchema load(String resource) {
        try (InputStream in = ReportValidator.class.getResourceAsStream(SchemaVersion.RESOURCE_DIR + resource)) {
            if (in == null) {
                throw new IllegalStateException("schema resource missing: " + resource);
            }
            return FACTORY.getSchema(in, CONFIG);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public FileResult validate(Path file) {
        if (!Files.isRegularFile(file)) {
            return new FileResult(file, false, 0, 0, List.of(new Issue(0, "File not found: " + file)), List.of());
        }
        List<Jsonl.Line> lines;
        try {
            lines = Jsonl.read(file);
        } catch (IOException e) {
            return new FileResult(file, false, 0, 0, List.of(new Issue(0, "Cannot read " + file + ": " + e.getMessage())), List.of());
        }
        List<Issue> errors = new ArrayList<>();
        List<Issue> warnings = new ArrayList<>();
        int valid = 0;
        for (Jsonl.Line line : lines) {
            List<String> problems = line.ok() ? check(line.node()) : List.of(line.error());
            if (problems.isEmpty()) {
                valid++;
                if (line.nonFinite()) {
                    warnings.add(new Issue(line.number(), "non-standard number (NaN/Infinity, as Python's json writes it); read as legacy data"));
                }
            } else {
                problems.forEach(p -> errors.add(new Issue(line.number(), p)));
            }
        }
        return new FileResult(file, true, lines.size(), valid, errors, warnings);
    }

    /** The problems of one record (empty when valid); the first, best message per location. */
    public List<String> check(JsonNode record) {
        JsonSchema schema;
        if (MemmonFields.isMemmonLine(record)) {
            schema = memmon();
        } else if (override != null) {
            schema = override;
        } else if (mode == Mode.LEGACY) {
            schema = bundled(SchemaVersion.V0_2_2);
        } else {
            JsonNode v = record.get(ReportFields.SCHEMA_VERSION);
            if (v != null && v.isTextual() && SchemaVersion.of(v.asText()).isEmpty()) {
                return List.of("unknown schema_version '" + v.asText() + "' (known: " + String.join(", ", SchemaVersion.versions()) + ")");
            }
            schema = bundled(v != null && v.isTextual() ? SchemaVersion.of(v.asText()).orElseThrow() : SchemaVersion.CURRENT);
        }
        Set<ValidationMessage> messages = schema.validate(record);
        return messages.stream()
                .sorted(Comparator.comparing((ValidationMessage m) -> String.valueOf(m.getInstanceLocation())).thenComparing(ValidationMessage::getMessage))
                .map(ValidationMessage::getMessage)
                .distinct()
                .toList();
    }
}
