package io.jknife.hub.push;

import io.jknife.store.workspace.FnMatch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which files of a workspace push leaves out: VCS and tool cruft (the original's list, in both the
 * top-level and the nested form), jknife's and mlx-knife's workspace sentinels (local state: mtimes,
 * local paths; the original uploaded them), the workspace's private {@code .hf_cache/}, plus the
 * non-blank, non-comment lines of the workspace's {@code .hfignore}. Patterns are fnmatch-style on
 * the whole relative path, as huggingface_hub's {@code ignore_patterns} ({@code *} crosses {@code /}).
 */
public final class IgnoreRules {
    public static final List<String> DEFAULTS = List.of(
            ".git", ".git/*", "*/.git", "*/.git/*",
            ".DS_Store", "*/.DS_Store", ".hfignore", "*/.hfignore", ".gitignore", "*/.gitignore",
            "__pycache__/*", "*/__pycache__/*", ".venv/*", "*/.venv/*", "venv/*", "*/venv/*", "*.pyc",
            ".jknife_workspace.json", ".jknife_workspace.json.tmp", ".mlxk_workspace.json", ".mlxk_workspace.json.tmp",
            ".hf_cache/*", "*/.hf_cache/*", ".cache/huggingface/*");

    private final List<String> patterns;

    private IgnoreRules(List<String> patterns) {
        this.patterns = List.copyOf(patterns);
    }

    /** The defaults plus {@code dir/.hfignore}. */
    public static IgnoreRules forDirectory(Path dir) {
        Set<String> all = new LinkedHashSet<>(DEFAULTS);
        Path f = dir.resolve(".hfignore");
        if (Files.isRegularFile(f)) {
            try {
                for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                    String p = line.strip();
                    if (!p.isEmpty() && !p.startsWith("#")) {
                        all.add(p.endsWith("/") ? p + "*" : p);
                    }
                }
            } catch (IOException e) {
                // an unreadable .hfignore adds nothing
            }
        }
        return new IgnoreRules(new ArrayList<>(all));
    }

    public boolean ignored(String relPath) {
        for (String p : patterns) {
            if (FnMatch.matches(relPath, p)) {
                return true;
            }
        }
        return false;
    }

    public List<String> patterns() {
        return patterns;
    }
}
