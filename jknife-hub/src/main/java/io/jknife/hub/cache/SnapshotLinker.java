package io.jknife.hub.cache;

import io.jknife.hub.HubException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Publishes downloaded blobs as a snapshot: {@code snapshots/<commit>/<path>} relative symlinks to
 * {@code ../../blobs/<etag>} (one {@code ../} more per sub-directory), and {@code refs/<revision>}.
 * Only ever called once every blob is verified. A new snapshot is assembled in a private staging
 * directory and renamed into place in one step, so no reader ever sees half of it; files added to
 * an existing snapshot are linked one by one, each link atomically, weights before their index
 * and {@code config.json} last.
 */
public final class SnapshotLinker {
    private SnapshotLinker() {
    }

    /** One snapshot entry: its path in the repository and the blob it points to. */
    public record Link(String path, String etag) {
    }

    public static Path link(CacheLayout layout, String commit, List<Link> links) throws HubException {
        List<Link> ordered = new ArrayList<>(links);
        ordered.sort(Comparator.comparingInt(SnapshotLinker::rank).thenComparing(Link::path));
        Path snapshot = layout.snapshot(commit);
        try {
            if (!Files.isDirectory(snapshot)) {
                Path staging = layout.staging(commit, UUID.randomUUID().toString().substring(0, 8));
                try {
                    for (Link l : ordered) {
                        place(staging, snapshot, layout, l);
                    }
                    Files.createDirectories(layout.snapshots());
                    Files.move(staging, snapshot, StandardCopyOption.ATOMIC_MOVE);
                    deleteIfEmpty(staging.getParent());
                    return snapshot;
                } catch (FileAlreadyExistsException | DirectoryNotEmptyException raced) {
                    // another process published this commit meanwhile: add to theirs below
                } finally {
                    deleteTree(staging);
                }
            }
            for (Link l : ordered) {
                place(snapshot, snapshot, layout, l);
            }
            return snapshot;
        } catch (IOException e) {
            throw LocalErrors.of(e, snapshot);
        }
    }

    /** {@code refs/<revision>} = commit, written atomically; nothing for a revision that is the commit itself. */
    public static void writeRef(CacheLayout layout, String revision, String commit) throws HubException {
        if (revision == null || revision.equalsIgnoreCase(commit)) {
            return;
        }
        Path ref = layout.ref(revision);
        try {
            if (Files.isRegularFile(ref) && Files.readString(ref, StandardCharsets.UTF_8).strip().equals(commit)) {
                return;
            }
            Files.createDirectories(ref.getParent());
            Path tmp = ref.resolveSibling(ref.getFileName() + "." + UUID.randomUUID().toString().substring(0, 8) + ".tmp");
            Files.writeString(tmp, commit, StandardCharsets.UTF_8);
            Files.move(tmp, ref, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw LocalErrors.of(e, ref);
        }
    }

    /** Whether {@code snapshots/<commit>/<path>} is a link to an existing blob. */
    public static boolean linked(CacheLayout layout, String commit, String path, String etag) {
        Path link = layout.snapshot(commit).resolve(path);
        try {
            if (!Files.isSymbolicLink(link)) {
                return Files.isRegularFile(link, LinkOption.NOFOLLOW_LINKS); // a real file (symlink-less caches) counts
            }
            Path target = link.getParent().resolve(Files.readSymbolicLink(link)).normalize();
            return target.equals(layout.blob(etag).normalize()) && Files.isRegularFile(target);
        } catch (IOException e) {
            return false;
        }
    }

    /** Weights and other data first, JSON (indexes) next, {@code config.json} last: health needs config.json to pass. */
    private static int rank(Link l) {
        String name = l.path().substring(l.path().lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
        if (name.equals("config.json")) {
            return 2;
        }
        return name.endsWith(".json") ? 1 : 0;
    }

    private static void place(Path dir, Path finalDir, CacheLayout layout, Link l) throws IOException {
        Path link = dir.resolve(l.path());
        Path target = finalDir.resolve(l.path()).getParent().relativize(layout.blob(l.etag()));
        Files.createDirectories(link.getParent());
        if (Files.isSymbolicLink(link)) {
            if (Files.readSymbolicLink(link).equals(target)) {
                return;
            }
        } else if (Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
            return; // a real file someone put there: leave it
        }
        Path tmp = link.resolveSibling("." + link.getFileName() + ".jknife-" + UUID.randomUUID().toString().substring(0, 8));
        Files.createSymbolicLink(tmp, target);
        try {
            Files.move(tmp, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    private static void deleteIfEmpty(Path dir) {
        try {
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // not empty (a concurrent pull stages there too): leave it
        }
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // best effort: a leftover staging directory is invisible to every reader
        }
    }
}
