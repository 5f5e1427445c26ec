package io.jknife.store.cache;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Removes models from the cache without leaving a half-deleted model behind: a repository is first
 * renamed out of sight (one atomic step), then deleted; snapshot and file removals drop the
 * symlinks first and only then the blobs no other snapshot references.
 */
public final class CacheEditor {
    private final Path hub;

    public CacheEditor(Path hub) {
        this.hub = hub;
    }

    /** Lock files huggingface_hub left for this exact repository ({@code .locks/models--org--name/**.lock}). */
    public List<Path> lockFiles(HfRepo repo) {
        Path dir = locksDir(repo);
        List<Path> locks = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return locks;
        }
        try (var walk = Files.walk(dir)) {
            walk.filter(p -> p.getFileName().toString().endsWith(".lock") && Files.isRegularFile(p)).sorted().forEach(locks::add);
        } catch (IOException e) {
            // unreadable lock directory: report what was found
        }
        return locks;
    }

    public Path locksDir(HfRepo repo) {
        return hub.resolve(".locks").resolve(repo.dir().getFileName());
    }

    /** Deletes the whole repository and its lock directory; returns the number of lock entries removed. */
    public int deleteRepository(HfRepo repo) throws IOException {
        Path hidden = repo.dir().resolveSibling("." + repo.dir().getFileName() + ".deleting-" + ProcessHandle.current().pid());
        Files.move(repo.dir(), hidden, StandardCopyOption.ATOMIC_MOVE);
        deleteTree(hidden);
        Path locks = locksDir(repo);
        int cleaned = 0;
        if (Files.isDirectory(locks)) {
            try (var walk = Files.walk(locks)) {
                cleaned = (int) walk.filter(p -> !p.equals(locks)).count();
            }
            deleteTree(locks);
        }
        return cleaned;
    }

    /** Deletes one snapshot, the refs naming it, and blobs no remaining snapshot links to. */
    public void deleteSnapshot(HfRepo repo, Path snapshot) throws IOException {
        String commit = snapshot.getFileName().toString();
        Path refs = repo.dir().resolve("refs");
        if (Files.isDirectory(refs)) {
            try (var walk = Files.walk(refs)) {
                for (Path ref : walk.filter(Files::isRegularFile).toList()) {
                    if (Files.readString(ref).trim().equals(commit)) {
                        Files.delete(ref);
                    }
                }
            }
        }
        deleteTree(snapshot);
        collectOrphanBlobs(repo);
    }

    /** Deletes some files of a snapshot (one variant of a multi-model repository) and their orphaned blobs. */
    public void deleteFiles(HfRepo repo, List<Path> files) throws IOException {
        for (Path f : files) {
            Files.deleteIfExists(f);
        }
        collectOrphanBlobs(repo);
    }

    /** Removes blobs that no snapshot symlink points to any more. */
    public int collectOrphanBlobs(HfRepo repo) throws IOException {
        Set<Path> referenced = new HashSet<>();
        if (Files.isDirectory(repo.snapshotsDir())) {
            try (var walk = Files.walk(repo.snapshotsDir())) {
                for (Path p : walk.filter(Files::isSymbolicLink).toList()) {
                    Path target = Files.readSymbolicLink(p);
                    referenced.add(p.getParent().resolve(target).normalize());
                }
            }
        }
        int removed = 0;
        if (Files.isDirectory(repo.blobsDir())) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(repo.blobsDir())) {
                for (Path blob : ds) {
                    if (!blob.getFileName().toString().endsWith(".incomplete") && !referenced.contains(blob.normalize())) {
                        Files.deleteIfExists(blob);
                        removed++;
                    }
                }
            }
        }
        return removed;
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                try {
                    Files.delete(file);
                } catch (NoSuchFileException e) {
                    // already gone
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
