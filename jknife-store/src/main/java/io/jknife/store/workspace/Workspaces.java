package io.jknife.store.workspace;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What counts as a workspace and as an explicit path (spec cli.md §2.4).
 */
public final class Workspaces {

    private Workspaces() {
    }

    /**
     * Whether {@code dir} is a workspace: an existing directory that directly contains
     * {@code config.json} (mlx-knife's rule), or — jknife extensions — a sentinel file
     * ({@value WorkspaceSentinel#FILE_NAME} / {@value WorkspaceSentinel#LEGACY_FILE_NAME}), or a
     * model file at its top level that needs no {@code config.json}: a {@code *.gguf} that is not a
     * vision projector ({@code mmproj*.gguf}) or a whisper.cpp {@code ggml-*.bin}. GGUF and ggml
     * repositories carry no {@code config.json}, so a clone of one is still a workspace.
     */
    public static boolean isWorkspace(Path dir) {
        try {
            if (dir == null || !Files.isDirectory(dir)) {
                return false;
            }
            if (Files.exists(dir.resolve("config.json"))
                    || Files.exists(dir.resolve(WorkspaceSentinel.FILE_NAME), LinkOption.NOFOLLOW_LINKS)
                    || Files.exists(dir.resolve(WorkspaceSentinel.LEGACY_FILE_NAME), LinkOption.NOFOLLOW_LINKS)) {
                return true;
            }
            return hasTopLevelModelFile(dir);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Whether {@code dir} directly holds a GGUF model ({@code *.gguf}, not {@code mmproj*}) or a
     * whisper.cpp model ({@code ggml-*.bin}) as a regular file.
     */
    public static boolean hasTopLevelModelFile(Path dir) {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                String lower = name.toLowerCase(Locale.ROOT);
                boolean gguf = lower.endsWith(".gguf") && !lower.startsWith("mmproj");
                boolean ggml = name.startsWith("ggml-") && lower.endsWith(".bin");
                if ((gguf || ggml) && Files.isRegularFile(p)) {
                    return true;
                }
            }
            return false;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Whether a model spec is an explicit filesystem path: it starts with {@code ./}, {@code ../}
     * or {@code /}, or is exactly {@code .} or {@code ..}. {@code ~} is not (the shell expands it);
     * {@code org/name} is not (it is a repository id).
     */
    public static boolean isExplicitPath(String spec) {
        if (spec == null || spec.isEmpty()) {
            return false;
        }
        return spec.startsWith("./") || spec.startsWith("../") || spec.startsWith("/")
                || spec.equals(".") || spec.equals("..");
    }

    /**
     * The wider test {@code clone}/{@code convert} apply to their target/source arguments: an
     * explicit path, or any string containing {@code /} ({@code a/b} counts here, though not in
     * model resolution).
     */
    public static boolean isPathLike(String arg) {
        if (arg == null || arg.isEmpty()) {
            return false;
        }
        return isExplicitPath(arg) || arg.indexOf('/') >= 0;
    }
}
