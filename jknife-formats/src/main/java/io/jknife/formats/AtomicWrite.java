package io.jknife.formats;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;

/**
 * Writes a file through a temporary sibling and a rename, so readers never see half a file: the
 * content goes to a new hidden file in the target's directory, is forced to disk, and the file
 * is then renamed over the target (atomically where the file system can); on any failure the
 * temporary file is removed and the target is left as it was.
 */
public final class AtomicWrite {
    /** Writes the whole content to a stream (buffered; flushed by {@link AtomicWrite}). */
    @FunctionalInterface
    public interface StreamBody {
        void write(OutputStream out) throws IOException;
    }

    /** Writes the whole content to a channel, e.g. with {@link FileChannel#transferFrom}. */
    @FunctionalInterface
    public interface ChannelBody {
        void write(FileChannel ch) throws IOException;
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private AtomicWrite() {
    }

    /** Writes {@code target} atomically from a buffered stream. */
    public static void write(Path target, StreamBody body) throws IOException {
        writeChannel(target, ch -> {
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
            body.write(out);
            out.flush();
        });
    }

    /** Writes {@code target} atomically through the temporary file's channel. */
    public static void writeChannel(Path target, ChannelBody body) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Files.createDirectories(dir);
        // not Files.createTempFile: that makes the file owner-only (0600); models should get the
        // usual permissions, so create a fresh name with the default ones
        Path tmp = dir.resolve("." + abs.getFileName() + "." + Long.toHexString(RANDOM.nextLong()) + ".tmp");
        FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW);
        try {
            try (ch) {
                body.write(ch);
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException | Error e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }
}
