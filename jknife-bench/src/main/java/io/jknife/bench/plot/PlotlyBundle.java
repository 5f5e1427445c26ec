package io.jknife.bench.plot;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * The Plotly bundle embedded in every page: fetched from the npm registry at build time (see
 * {@code jknife-bench/src/build/fetch-plotly.sh}) into the jar, or a file given by the user.
 */
public record PlotlyBundle(String js, String label) {
    static final String RESOURCE = "/io/jknife/bench/plot/plotly.min.js";
    static final String PROPERTIES = "/io/jknife/bench/plot/plotly.properties";

    /** Thrown when no bundle is available; its message says what is missing and how to fix it. */
    public static final class MissingException extends Exception {
        public MissingException(String message) {
            super(message, null, false, false);
        }
    }

    /** The bundled copy, or {@code override} when given. */
    public static PlotlyBundle load(Path override) throws MissingException {
        if (override != null) {
            try {
                return new PlotlyBundle(Files.readString(override, StandardCharsets.UTF_8), override.getFileName().toString());
            } catch (IOException e) {
                throw new MissingException("cannot read the Plotly bundle " + override + ": " + e.getMessage());
            }
        }
        try (InputStream in = PlotlyBundle.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new MissingException("the Plotly bundle is missing from this build: the build fetches "
                        + "plotly.js-dist-min from the npm registry with npm, which was unavailable. Rebuild with npm and "
                        + "registry access, or pass --plotly-js FILE (a plotly.min.js)");
            }
            String js = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return new PlotlyBundle(js, version());
        } catch (IOException e) {
            throw new MissingException("cannot read the bundled Plotly: " + e.getMessage());
        }
    }

    /** "plotly.js-dist-min@4.1.2", or "plotly.js" when the properties are absent. */
    static String version() {
        Properties p = new Properties();
        try (InputStream in = PlotlyBundle.class.getResourceAsStream(PROPERTIES)) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // fall through
        }
        return p.getProperty("package", "plotly.js") + (p.containsKey("version") ? "@" + p.getProperty("version") : "");
    }

    /** The script text safe to inline in a {@code <script>} element. */
    String inlineSafe() {
        return js.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT");
    }
}
