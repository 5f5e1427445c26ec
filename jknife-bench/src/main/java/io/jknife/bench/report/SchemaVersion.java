package io.jknife.bench.report;

import java.util.List;
import java.util.Optional;

/**
 * The report schemas bundled as resources, by the {@code schema_version} they validate. Versions are
 * constants here (and {@code x-schema-version} in each file), never parsed from a title.
 */
public enum SchemaVersion {
    V0_1_0("0.1.0", "report-v0.1.schema.json"),
    V0_2_0("0.2.0", "report-v0.2.schema.json"),
    V0_2_1("0.2.1", "report-v0.2.1.schema.json"),
    V0_2_2("0.2.2", "report-v0.2.2.schema.json"),
    V0_3_0("0.3.0", "report-v0.3.schema.json");

    /** What jknife writes. */
    public static final SchemaVersion CURRENT = V0_3_0;
    /** The memmon line schema (samples and summary). */
    public static final String MEMMON_RESOURCE = "memmon-v1.schema.json";
    public static final String RESOURCE_DIR = "/io/jknife/bench/schemas/";

    private final String version;
    private final String resource;

    SchemaVersion(String version, String resource) {
        this.version = version;
        this.resource = resource;
    }

    public String version() {
        return version;
    }

    /** The file name of the bundled schema (under {@link #RESOURCE_DIR}). */
    public String resource() {
        return resource;
    }

    public static Optional<SchemaVersion> of(String version) {
        for (SchemaVersion v : values()) {
            if (v.version.equals(version)) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }

    public static List<String> versions() {
        return List.of(values()).stream().map(SchemaVersion::version).toList();
    }
}
