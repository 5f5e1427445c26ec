package io.jknife.hub.clone;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.stream.Stream;

/**
 * The cache a clone downloads into (spec cli.md §2.7): beside the target, so blobs end up on the
 * target's file system and can be renamed into place; named from the model and the target, so an
 * interrupted clone resumes on the next run; marked with a sentinel file so that only directories
 * made by clone are ever deleted.
 */
public record TempCache(Path root) {
    static final String PREFIX = ".jknife_temp_";
    static final String SENTINEL = ".jknife_temp_cache_sentinel";
    static final String COMPLETE = ".jknife_download_complete";

    /** {@code <parent of target>/.jknife_temp_<16 hex of sha256("spec:absolute target")>}. */
    public static TempCache forTarget(String spec, Path target) {
        Path abs = target.toAbsolutePath().normalize();
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest((spec + ":" + abs).getBytes(StandardCharsets.UTF_8));
            return new TempCache(abs.getParent().resolve(PREFIX + HexFormat.of().formatHex(h).substring(0, 16)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public boolean exists() {
        return Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS) && Files.isRegularFile(root.resolve(SENTINEL));
    }

    public void create() throws IOException {
        Files.createDirectories(root);
        Path s = root.resolve(SENTINEL);
        if (!Files.exists(s)) {
            Files.writeString(s, "jknife_temp_cache_created_" + System.currentTimeMillis() / 1000 + "\n", StandardCharsets.UTF_8);
        }
    }

    public boolean complete() {
        return Files.isRegularFile(root.resolve(COMPLETE));
    }

    public void markComplete() throws IOException {
        Files.writeString(root.resolve(COMPLETE), "completed_" + System.currentTimeMillis() / 1000 + "\n", StandardCharsets.UTF_8);
    }

    /** Whether any downloaded data (a blob or a partial one) is inside: worth keeping for a resume. */
    public boolean holdsData() {
        try (Stream<Path> s = Files.walk(root)) {
            return s.anyMatch(p -> p.getParent() != null && p.getParent().getFileName() != null
                    && p.getParent().getFileName().toString().equals("blobs") && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS));
        } catch (IOException e) {
            return false;
        }
    }

    /** Deletes the directory, but only when it carries the sentinel clone wrote. */
    public void delete() {
        if (!exists()) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // leftovers are harmless and named so the next clone of the same target reuses them
        }
    }
}
