package io.jknife.bench.junit;

import org.junit.jupiter.api.extension.ExtensionContext;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where records go and how: {@code jknife.report.output} (system property or JUnit configuration
 * parameter; env {@code JKNIFE_REPORT_OUTPUT}); unset = reporting off. Relative paths resolve against
 * the repository root (the topmost directory with a pom.xml above the working directory), so every
 * module of a Maven run writes to one file. {@code jknife.report.mode}: {@code extended} (default:
 * setup-phase aborts and failures and disabled tests get records too) or {@code compat} (only tests
 * whose body ran, as the original).
 */
record ReportConfig(Path output, boolean extended, Path repoRoot) {
    static final String OUTPUT = "jknife.report.output";
    static final String MODE = "jknife.report.mode";

    static Optional<ReportConfig> of(ExtensionContext ctx) {
        // JUnit configuration parameters fall back to system properties by themselves
        String out = ctx.getConfigurationParameter(OUTPUT).orElse(null);
        if (blank(out)) {
            out = System.getenv("JKNIFE_REPORT_OUTPUT");
        }
        if (blank(out)) {
            return Optional.empty();
        }
        String mode = ctx.getConfigurationParameter(MODE).orElse("extended");
        Path root = findRepoRoot();
        Path file = Path.of(out);
        return Optional.of(new ReportConfig(file.isAbsolute() ? file : root.resolve(file).normalize(), !mode.equals("compat"), root));
    }

    static Path findRepoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        Path top = dir;
        for (Path d = dir; d != null; d = d.getParent()) {
            if (Files.exists(d.resolve("pom.xml"))) {
                top = d;
            }
            if (Files.exists(d.resolve(".git"))) {
                return d;
            }
        }
        return top;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
