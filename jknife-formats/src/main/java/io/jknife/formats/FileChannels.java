package io.jknife.formats;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.function.LongFunction;

/** Positional reads that the format readers share. */
public final class FileChannels {
    private FileChannels() {
    }

    /**
     * Fills {@code dst} from {@code ch}, starting at file offset {@code position}.
     *
     * @param endedAt the message of the {@link FormatException} thrown when the file ends first,
     *                given the offset at which it ended
     */
    public static void readFully(FileChannel ch, ByteBuffer dst, long position, LongFunction<String> endedAt)
            throws IOException {
        long pos = position;
        while (dst.hasRemaining()) {
            int r = ch.read(dst, pos);
            if (r < 0) {
                throw new FormatException(endedAt.apply(pos));
            }
            pos += r;
        }
    }
}
