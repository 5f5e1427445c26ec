package io.jknife.bench.system;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A procfs/sysfs file kept open and re-read from offset 0 (the kernel regenerates the content on
 * each read at 0), so a sample costs one {@code pread}, not open/read/close. Not thread-safe.
 */
public final class ProcFile implements AutoCloseable {
    private final Path path;
    private FileChannel channel;
    private ByteBuffer buf = ByteBuffer.allocate(4096);
    private boolean gone;

    public ProcFile(Path path) {
        this.path = path;
    }

    /** The current content, or null when the file is missing or unreadable (then it stays closed). */
    public String read() {
        if (gone) {
            return null;
        }
        try {
            if (channel == null) {
                channel = FileChannel.open(path, StandardOpenOption.READ);
            }
            buf.clear();
            int total = 0;
            while (true) {
                int n = channel.read(buf, total);
                if (n <= 0) {
                    break;
                }
                total += n;
                if (!buf.hasRemaining()) {
                    ByteBuffer bigger = ByteBuffer.allocate(buf.capacity() * 2);
                    buf.flip();
                    bigger.put(buf);
                    buf = bigger;
                }
            }
            return new String(buf.array(), 0, total, StandardCharsets.ISO_8859_1);
        } catch (IOException | RuntimeException e) {
            gone = true;
            close();
            return null;
        }
    }

    public boolean exists() {
        return !gone;
    }

    @Override
    public void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // nothing to do
            }
            channel = null;
        }
    }
}
