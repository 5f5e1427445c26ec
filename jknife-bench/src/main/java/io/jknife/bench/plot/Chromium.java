package io.jknife.bench.plot;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Headless Chromium for rendering a timeline page: the DOM after scripts ran (the render test) or
 * a PNG screenshot ({@code bench plot --format png}). Never touches the network.
 */
public final class Chromium {
    private static final List<String> NAMES = List.of("chromium", "chromium-browser", "google-chrome", "google-chrome-stable");

    private final Path exe;

    private Chromium(Path exe) {
        this.exe = exe;
    }

    /** The browser on the PATH (or {@code JKNIFE_CHROMIUM}), if any. */
    public static Optional<Chromium> find() {
        String override = System.getenv("JKNIFE_CHROMIUM");
        if (override != null && !override.isBlank()) {
            return Files.isExecutable(Path.of(override)) ? Optional.of(new Chromium(Path.of(override))) : Optional.empty();
        }
        String path = System.getenv("PATH");
        for (String dir : (path == null ? "/usr/bin" : path).split(File.pathSeparator)) {
            for (String n : NAMES) {
                Path p = Path.of(dir.isEmpty() ? "." : dir, n);
                if (Files.isExecutable(p)) {
                    return Optional.of(new Chromium(p));
                }
            }
        }
        return Optional.empty();
    }

    /** The DOM of {@code html} after its scripts ran (serialised by {@code --dump-dom}). */
    public String dumpDom(Path html, long timeoutSeconds) throws IOException, InterruptedException {
        return run(List.of("--virtual-time-budget=5000", "--dump-dom", html.toUri().toString()), timeoutSeconds);
    }

    /** A PNG of the page at the given window size. */
    public void screenshot(Path html, Path png, int width, int height, long timeoutSeconds) throws IOException, InterruptedException {
        run(List.of("--virtual-time-budget=5000", "--hide-scrollbars", "--window-size=" + width + "," + height,
                "--screenshot=" + png.toAbsolutePath(), html.toUri().toString()), timeoutSeconds);
        if (!Files.isRegularFile(png)) {
            throw new IOException("Chromium wrote no screenshot");
        }
    }

    private String run(List<String> args, long timeoutSeconds) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("jknife-chromium-");
        Path out = Files.createTempFile("jknife-chromium-", ".out");
        try {
            List<String> cmd = new ArrayList<>(List.of(exe.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--disable-extensions", "--user-data-dir=" + profile));
            cmd.addAll(args);
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new IOException("Chromium did not finish within " + timeoutSeconds + " s");
            }
            if (p.exitValue() != 0) {
                throw new IOException("Chromium exited with status " + p.exitValue());
            }
            return Files.readString(out, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(out);
            deleteTree(profile);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort
        }
    }
}
