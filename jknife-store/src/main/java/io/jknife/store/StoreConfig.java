package io.jknife.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Where models live: the Hugging Face cache root and the optional workspace directory. Built once
 * from the environment and passed down, so nothing reads or mutates the environment later.
 */
public record StoreConfig(Path hfHome, Optional<Path> workspaceHome) {

    public static StoreConfig fromEnvironment(Map<String, String> env) {
        String home = env.get("HF_HOME");
        Path hfHome = home == null || home.isBlank()
                ? Path.of(System.getProperty("user.home"), ".cache", "huggingface")
                : expandHome(home);
        String ws = env.get("JKNIFE_WORKSPACE_HOME");
        if (ws == null || ws.isBlank()) {
            ws = env.get("MLXK_WORKSPACE_HOME"); // the original's name, read for compatibility
        }
        Optional<Path> wsHome = Optional.empty();
        if (ws != null && !ws.isBlank()) {
            Path p = expandHome(ws).toAbsolutePath().normalize();
            // Ignored silently unless it is an existing directory, as in the original.
            if (Files.isDirectory(p)) {
                wsHome = Optional.of(p);
            }
        }
        return new StoreConfig(hfHome.toAbsolutePath().normalize(), wsHome);
    }

    public static StoreConfig fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /** {@code $HF_HOME/hub}: the directory holding {@code models--ORG--NAME} repositories. */
    public Path hub() {
        return hfHome.resolve("hub");
    }

    private static Path expandHome(String p) {
        if (p.equals("~") || p.startsWith("~/")) {
            return Path.of(System.getProperty("user.home") + p.substring(1));
        }
        return Path.of(p);
    }
}
