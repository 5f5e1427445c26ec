package io.jknife.hub.pull;

import io.jknife.hub.HubException;
import io.jknife.hub.HubException.Kind;
import io.jknife.hub.api.RepoFile;
import io.jknife.store.workspace.FnMatch;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which files of a revision a pull fetches: one {@code :VARIANT} (its parts and the repository's
 * projector) or everything, then narrowed by {@code --include} / {@code --exclude} globs matched
 * against the whole path as huggingface_hub's {@code allow_patterns} are ({@code *} crosses
 * {@code /}; a pattern ending in {@code /} means everything below).
 */
public final class FileSelection {
    private FileSelection() {
    }

    public static List<RepoFile> select(String repoId, List<RepoFile> files, String variant, List<String> includes,
                                        List<String> excludes) throws HubException {
        List<RepoFile> chosen = files;
        if (variant != null) {
            RemoteVariants rv = RemoteVariants.of(files.stream().map(RepoFile::path).toList());
            List<String> parts = rv.find(variant);
            if (parts == null) {
                String available = rv.variants().isEmpty() ? " (it holds no GGUF or whisper.cpp model files)"
                        : "; available: " + String.join(", ", rv.variants().keySet());
                throw new HubException(Kind.VARIANT_NOT_FOUND, "No variant '" + variant + "' in " + repoId + available);
            }
            Set<String> wanted = new LinkedHashSet<>(parts);
            boolean gguf = parts.getFirst().toLowerCase(java.util.Locale.ROOT).endsWith(".gguf");
            String projector = gguf ? rv.projectorFor(nameOf(rv, parts)) : null;
            if (projector != null) {
                wanted.add(projector);
            }
            chosen = files.stream().filter(f -> wanted.contains(f.path())).toList();
        }
        List<RepoFile> out = new ArrayList<>();
        for (RepoFile f : chosen) {
            if (!includes.isEmpty() && includes.stream().noneMatch(p -> matches(f.path(), p))) {
                continue;
            }
            if (excludes.stream().anyMatch(p -> matches(f.path(), p))) {
                continue;
            }
            out.add(f);
        }
        if (out.isEmpty()) {
            throw new HubException(Kind.NO_FILES, files.isEmpty() ? repoId + " has no files at this revision"
                    : "No file of " + repoId + " matches the --include/--exclude patterns");
        }
        return out;
    }

    private static String nameOf(RemoteVariants rv, List<String> parts) {
        return rv.variants().entrySet().stream().filter(e -> e.getValue().equals(parts)).map(java.util.Map.Entry::getKey)
                .findFirst().orElse("");
    }

    static boolean matches(String path, String pattern) {
        String p = pattern.endsWith("/") ? pattern + "*" : pattern;
        return FnMatch.matches(path, p);
    }
}
