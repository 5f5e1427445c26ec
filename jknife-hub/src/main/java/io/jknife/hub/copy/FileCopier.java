package io.jknife.hub.copy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Copies model files as cheaply as the file system allows: a reflink (copy-on-write clone, via
 * {@code cp --reflink=always}: btrfs, XFS, bcachefs) for large files, else a hard link where the
 * caller allows sharing, else a plain copy. Pure Java cannot issue the {@code FICLONE} ioctl, so
 * the reflink goes through {@code cp}; after the first refusal it is not tried again. Hard links
 * share the inode with the source, so they are only used for large weight files (nobody edits
 * those in place), never for configs or tokenizers a user may edit.
 */
public final class FileCopier {
    /** How a file got to its destination. */
    public enum Method {
        REFLINK, HARDLINK, MOVE, COPY
    }

    /** Files at least this large are worth a reflink process or a hard link. */
    static final long LARGE = 16L << 20;

    private final boolean hardLinks;
    private volatile boolean reflinkWorks = true;
    private final Set<Method> used = EnumSet.noneOf(Method.class);

    /** @param hardLinks whether large files may share their inode with the source (clone from the cache) */
    public FileCopier(boolean hardLinks) {
        this.hardLinks = hardLinks;
    }

    /** Copies {@code src} (a symlink is followed) to the new file {@code dst}. */
    public Method copy(Path src, Path dst) throws IOException {
        Path real = src.toRealPath();
        long size = Files.size(real);
        Files.createDirectories(dst.getParent());
        Method m;
        if (size >= LARGE && reflinkWorks && reflink(real, dst)) {
            m = Method.REFLINK;
        } else if (size >= LARGE && hardLinks && hardLink(real, dst)) {
            m = Method.HARDLINK;
        } else {
            Files.copy(real, dst, StandardCopyOption.COPY_ATTRIBUTES);
            m = Method.COPY;
        }
        record(m);
        return m;
    }

    /** Moves {@code src} (a blob nobody else needs) to {@code dst}: a rename on the same file system. */
    public Method move(Path src, Path dst) throws IOException {
        Files.createDirectories(dst.getParent());
        Files.move(src, dst, StandardCopyOption.ATOMIC_MOVE);
        record(Method.MOVE);
        return Method.MOVE;
    }

    /**
     * One word for everything done so far: the single method used, {@code "mixed"} for several,
     * {@code "none"} before any file.
     */
    public synchronized String summary() {
        if (used.isEmpty()) {
            return "none";
        }
        return used.size() == 1 ? used.iterator().next().name().toLowerCase(java.util.Locale.ROOT) : "mixed";
    }

    private synchronized void record(Method m) {
        used.add(m);
    }

    private boolean reflink(Path src, Path dst) {
        try {
            Process p = new ProcessBuilder("cp", "--reflink=always", "--", src.toString(), dst.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (p.waitFor(10, TimeUnit.MINUTES) && p.exitValue() == 0) {
                return true;
            }
            p.destroyForcibly();
        } catch (IOException e) {
            // no cp on this system
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        reflinkWorks = false; // not supported here: plain copies from now on, no more processes
        try {
            Files.deleteIfExists(dst);
        } catch (IOException e) {
            // the fallback overwrites nothing: Files.copy/createLink fail on an existing file
        }
        return false;
    }

    private static boolean hardLink(Path src, Path dst) {
        try {
            if (!Files.getFileStore(src).equals(Files.getFileStore(dst.getParent()))) {
                return false;
            }
            Files.createLink(dst, src);
            return Files.exists(dst, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
