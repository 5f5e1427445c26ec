package io.jknife.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The build's version (filtered into version.properties by Maven) and the JSON API version. */
public final class Version {
    /** Version of the JSON output contract documented in docs/json-api.md. */
    public static final String JSON_API_SPEC_VERSION = "0.3.0";

    private Version() {
    }

    public static String cli() {
        Properties p = new Properties();
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // fall through to "unknown"
        }
        return p.getProperty("version", "unknown");
    }
}
