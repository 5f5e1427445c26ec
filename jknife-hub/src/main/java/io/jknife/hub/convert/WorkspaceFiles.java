package io.jknife.hub.convert;

import io.jknife.hub.copy.FileCopier;
import io.jknife.store.workspace.ContentHash;
import io.jknife.store.workspace.FnMatch;
import io.jknife.store.workspace.WorkspaceSentinel;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.function.Predicate;

/**
 * Copies a workspace's files to a new one, sub-directories included (the original copied only the
 * top level), leaving out the sentinel, the cruft the content hash ignores ({@code .git/},
 * {@code .hf_cache/}, {@code *.tmp}, ...) and whatever {@code skip} names (relative paths).
 */
final class WorkspaceFiles {
    private WorkspaceFiles() {
    }

    static int copy(Path src, Path dst, Predicate<String> skip, FileCopier copier) throws IOException {
        List<String> dirPatterns = ContentHash.DEFAULT_EXCLUDES.stream().filter(p -> p.endsWith("/"))
                .map(p -> p.substring(0, p.length() - 1)).toList();
        List<String> filePatterns = ContentHash.DEFAULT_EXCLUDES.stream().filter(p -> !p.endsWith("/")).toList();
        int[] count = {0};
        Files.walkFileTree(src, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                String name = d.getFileName() == null ? "" : d.getFileName().toString();
                if (!d.equals(src) && dirPatterns.stream().anyMatch(p -> FnMatch.matches(name, p))) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                String rel = src.relativize(f).toString();
                String name = f.getFileName().toString();
                boolean sentinel = name.equals(WorkspaceSentinel.FILE_NAME) || name.equals(WorkspaceSentinel.LEGACY_FILE_NAME);
                if (sentinel || skip.test(rel) || filePatterns.stream().anyMatch(p -> FnMatch.matches(name, p))) {
                    return FileVisitResult.CONTINUE;
                }
                if (attrs.isSymbolicLink() && !Files.exists(f)) {
                    return FileVisitResult.CONTINUE; // a dangling link has nothing to copy
                }
                if (attrs.isRegularFile() || attrs.isSymbolicLink()) {
                    copier.copy(f, dst.resolve(rel));
                    count[0]++;
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return count[0];
    }

    /** A top-level file (no directory part) whose name ends with {@code suffix}. */
    static boolean topLevel(String rel, String suffix) {
        return rel.indexOf('/') < 0 && rel.endsWith(suffix);
    }
}
