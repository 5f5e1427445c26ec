package io.jknife.bench.report;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import java.util.regex.Pattern;

/** jknife's version (filtered in by the build) as written into report records. */
public final class BenchVersion {
    private static final Pattern SEMVER_PREFIX = Pattern.compile("^\\d+\\.\\d+\\.\\d+");
    private static final String VERSION = load();

    private BenchVersion() {
    }

    /** The build's version, or null when unknown (never the string "unknown": the schema forbids it). */
    public static String version() {
        return VERSION;
    }

    /** True when {@code v} satisfies the schemas' {@code ^\d+\.\d+\.\d+} pattern. */
    public static boolean valid(String v) {
        return v != null && SEMVER_PREFIX.matcher(v).find();
    }

    private static String load() {
        Properties p = new Properties();
        try (InputStream in = BenchVersion.class.getResourceAsStream("/io/jknife/bench/bench-version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            return null;
        }
        String v = p.getProperty("version");
        return valid(v) ? v : null;
    }
}
