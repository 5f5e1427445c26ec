package io.jknife.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Builds Hugging Face cache trees for tests exactly as {@code huggingface_hub} lays them out:
 * {@code hub/models--org--name/blobs/<sha256>}, {@code snapshots/<commit>/<path>} as relative
 * symlinks into {@code blobs/}, {@code refs/main}; plus the broken states real caches end up in
 * (LFS pointers, truncated blobs, {@code .incomplete} blobs, dangling symlinks, lock files).
 */
public final class CacheTree {
    private final Path hfHome;

    private CacheTree(Path hfHome) {
        this.hfHome = hfHome;
    }

    /** A cache rooted at {@code hfHome} (the value of {@code HF_HOME}); creates {@code hub/}. */
    public static CacheTree at(Path hfHome) {
        try {
            Files.createDirectories(hfHome.resolve("hub"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new CacheTree(hfHome);
    }

    public Path hfHome() {
        return hfHome;
    }

    public Path hub() {
        return hfHome.resolve("hub");
    }

    /** Starts a snapshot of {@code org/name} with a commit id derived from the name (stable across runs). */
    public Repo repo(String repoId) {
        return new Repo(repoId, commitFor(repoId, 0));
    }

    public static String commitFor(String repoId, int n) {
        return sha256Hex((repoId + "#" + n).getBytes(StandardCharsets.UTF_8)).substring(0, 40);
    }

    /** One snapshot being written. Each method writes immediately; {@link #snapshot()} is its directory. */
    public final class Repo {
        private final String repoId;
        private final String commit;
        private final Path dir;

        private Repo(String repoId, String commit) {
            this.repoId = repoId;
            this.commit = commit;
            this.dir = hub().resolve("models--" + repoId.replace("/", "--"));
            try {
                Files.createDirectories(dir.resolve("blobs"));
                Files.createDirectories(snapshot());
                Files.createDirectories(dir.resolve("refs"));
                Files.writeString(dir.resolve("refs/main"), commit);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        public String commit() {
            return commit;
        }

        public Path dir() {
            return dir;
        }

        public Path snapshot() {
            return dir.resolve("snapshots").resolve(commit);
        }

        /** Another snapshot of the same repository; {@code refs/main} then names it. */
        public Repo nextRevision(int n) {
            return new Repo(repoId, commitFor(repoId, n));
        }

        public Repo file(String path, byte[] content) {
            try {
                String sha = sha256Hex(content);
                Path blob = dir.resolve("blobs").resolve(sha);
                if (!Files.exists(blob)) {
                    Files.write(blob, content);
                }
                link(path, sha);
                return this;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        public Repo file(String path, String content) {
            return file(path, content.getBytes(StandardCharsets.UTF_8));
        }

        /** Adds a file from disk (streamed, so large generated models are fine). */
        public Repo file(String path, Path source) {
            try {
                String sha = sha256Hex(source);
                Path blob = dir.resolve("blobs").resolve(sha);
                if (!Files.exists(blob)) {
                    Files.copy(source, blob);
                }
                link(path, sha);
                return this;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Adds every regular file below {@code modelDir} at the same relative path. */
        public Repo files(Path modelDir) {
            try (Stream<Path> walk = Files.walk(modelDir)) {
                for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
                    file(modelDir.relativize(p).toString(), p);
                }
                return this;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** A Git LFS pointer file where the real content should be (a clone without git-lfs). */
        public Repo lfsPointer(String path, long claimedSize) {
            String pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:"
                    + sha256Hex(path.getBytes(StandardCharsets.UTF_8)) + "\nsize " + claimedSize + "\n";
            return file(path, pointer);
        }

        /** Cuts the blob behind {@code path} to {@code size} bytes (an interrupted copy). */
        public Repo truncate(String path, long size) {
            try {
                Path blob = snapshot().resolve(path).toRealPath();
                try (FileChannel ch = FileChannel.open(blob, StandardOpenOption.WRITE)) {
                    ch.truncate(size);
                }
                return this;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** A snapshot symlink whose blob does not exist. */
        public Repo danglingLink(String path) {
            try {
                link(path, sha256Hex(("missing:" + path).getBytes(StandardCharsets.UTF_8)));
                return this;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** A partial blob as huggingface_hub leaves it while (or after) a download is cut off. */
        public Repo incompleteBlob(int bytes) {
            try {
                byte[] data = new byte[bytes];
                new Random(bytes).nextBytes(data);
                Files.write(dir.resolve("blobs").resolve(sha256Hex(data) + ".incomplete"), data);
                return this;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** A lock file under {@code hub/.locks/models--org--name/}. */
        public Repo lockFile(String name) {
            try {
                Path locks = hub().resolve(".locks").resolve(dir.getFileName());
                Files.createDirectories(locks);
                Files.writeString(locks.resolve(name + ".lock"), "");
                return this;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Sets the snapshot directory's mtime (the "newest snapshot" rule uses it). */
        public Repo modified(long epochMillis) {
            try {
                Files.setLastModifiedTime(snapshot(), FileTime.fromMillis(epochMillis));
                return this;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private void link(String path, String blobName) throws IOException {
            Path link = snapshot().resolve(path);
            Files.createDirectories(link.getParent());
            Files.deleteIfExists(link);
            int depth = Path.of(path).getNameCount();
            StringBuilder up = new StringBuilder("../..");
            for (int i = 1; i < depth; i++) {
                up.append("/..");
            }
            Files.createSymbolicLink(link, Path.of(up + "/blobs/" + blobName));
        }
    }

    static String sha256Hex(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256Hex(Path file) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (var in = Files.newInputStream(file)) {
                byte[] buf = new byte[1 << 16];
                int n;
                while ((n = in.read(buf)) > 0) {
                    md.update(buf, 0, n);
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Convenience for tests: the relative paths of every snapshot entry, sorted. */
    public static List<String> listSnapshot(Path snapshot) {
        try (Stream<Path> walk = Files.walk(snapshot)) {
            return walk.filter(p -> !p.equals(snapshot)).map(p -> snapshot.relativize(p).toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
