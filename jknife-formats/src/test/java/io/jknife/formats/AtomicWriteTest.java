package io.jknife.formats;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AtomicWriteTest {
    @TempDir
    Path dir;

    @Test
    void replacesTheTargetAndLeavesNoTemporaryFile() throws IOException {
        Path file = dir.resolve("sub/model.bin");
        AtomicWrite.write(file, out -> out.write("first".getBytes(StandardCharsets.UTF_8)));
        AtomicWrite.writeChannel(file, ch -> ch.write(ByteBuffer.wrap("second".getBytes(StandardCharsets.UTF_8))));
        assertEquals("second", Files.readString(file));
        assertEquals(List.of(file), list(file.getParent()));
    }

    @Test
    void aFailingBodyLeavesTheOldFileAndNoTemporaryOne() throws IOException {
        Path file = dir.resolve("model.bin");
        Files.writeString(file, "old");
        IOException io = new IOException("disk on fire");
        assertSame(io, assertThrows(IOException.class, () -> AtomicWrite.write(file, out -> {
            out.write(new byte[1 << 20]);
            throw io;
        })));
        UncheckedIOException unchecked = new UncheckedIOException(io);
        assertSame(unchecked, assertThrows(UncheckedIOException.class,
                () -> AtomicWrite.writeChannel(file, ch -> {
                    throw unchecked;
                })));
        assertEquals("old", Files.readString(file));
        assertEquals(List.of(file), list(dir));
    }

    private static List<Path> list(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.toList();
        }
    }
}
