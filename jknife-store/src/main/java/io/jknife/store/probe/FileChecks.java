package io.jknife.store.probe;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/** File-level integrity checks shared by every format. */
final class FileChecks {
    private static final byte[] LFS_HEADER = "version https://git-lfs.github.com/spec/v1".getBytes(StandardCharsets.US_ASCII);

    private FileChecks() {
    }

    /** A Git LFS pointer file (under 200 bytes, starting with the LFS spec line) instead of the real content. */
    static boolean isLfsPointer(Path f) {
        try {
            if (Files.size(f) >= 200) {
                return false;
            }
            try (InputStream in = Files.newInputStream(f)) {
                byte[] head = in.readNBytes(100);
                return indexOf(head, LFS_HEADER) >= 0;
            }
        } catch (IOException e) {
            return false;
        }
    }

    static long size(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            return 0;
        }
    }

    static String relative(Path dir, Path f) {
        return dir.relativize(f).toString();
    }

    static String joinRelative(Path dir, List<Path> files) {
        return files.stream().map(f -> relative(dir, f)).collect(Collectors.joining(", "));
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
