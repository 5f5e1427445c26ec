package io.jknife.hub.workspace;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jknife.store.workspace.ContentHash;
import io.jknife.store.workspace.WorkspaceSentinel;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A workspace assembled in a hidden directory beside its target and renamed into place when
 * complete — files, sentinel and content hash — so an interrupted clone or convert never leaves a
 * half-filled target that looks like a model. The target may be absent or an empty directory
 * (a rename replaces an empty directory).
 */
public final class StagedWorkspace implements AutoCloseable {
    private final Path target;
    private final Path staging;
    private boolean published;

    private StagedWorkspace(Path target, Path staging) {
        this.target = target;
        this.staging = staging;
    }

    /**
     * Checks the target (its parent exists and is writable; the target is absent or an empty
     * directory) and creates the staging directory.
     */
    public static StagedWorkspace begin(Path target) throws IOException {
        Path abs = target.toAbsolutePath().normalize();
        checkTarget(abs);
        Path staging = abs.resolveSibling(".jknife_stage_" + abs.getFileName() + "_" + UUID.randomUUID().toString().substring(0, 8));
        Files.createDirectory(staging);
        return new StagedWorkspace(abs, staging);
    }

    /** The reference's target rules, with its messages. */
    public static void checkTarget(Path abs) throws TargetException {
        Path parent = abs.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new TargetException("Parent directory does not exist: " + parent);
        }
        if (!Files.isWritable(parent)) {
            throw new TargetException("Parent directory is not writable: " + parent);
        }
        if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.isDirectory(abs, LinkOption.NOFOLLOW_LINKS)) {
                throw new TargetException("Target '" + abs + "' exists but is not a directory");
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(abs)) {
                if (ds.iterator().hasNext()) {
                    throw new TargetException("Target directory '" + abs + "' is not empty");
                }
            } catch (TargetException e) {
                throw e;
            } catch (IOException e) {
                throw new TargetException("Target directory '" + abs + "' cannot be read: " + e.getMessage());
            }
        }
    }

    /** Where to put the files. */
    public Path dir() {
        return staging;
    }

    public Path target() {
        return target;
    }

    /**
     * Writes the sentinel, computes the content hash v2 into it, and renames the workspace into
     * place. Returns the content hash (empty when it could not be computed: the workspace is
     * still published, as the original does).
     */
    public Optional<String> publish(ObjectNode sentinel) throws IOException {
        WorkspaceSentinel.write(staging, sentinel);
        Optional<String> hash = ContentHash.recalc(staging);
        Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        published = true;
        return hash;
    }

    /** Removes the staging directory unless it was published. */
    @Override
    public void close() {
        if (published) {
            return;
        }
        try (Stream<Path> s = Files.walk(staging)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a hidden leftover; nothing lists it as a workspace
        }
    }
}
