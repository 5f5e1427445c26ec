package io.jknife.hub.fake;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * A file's bytes as the fake Hub stores them (in memory, or a file on disk for big benchmarks),
 * with the ids the real Hub computes: sha256 (the LFS oid), the git blob id of the content and of
 * its LFS pointer.
 */
public final class Content {
    private static final HexFormat HEX = HexFormat.of();

    private final byte[] bytes;
    private final Path file;
    private final long size;
    private final String sha256;
    private final String gitSha1;
    private final boolean lfs;

    private Content(byte[] bytes, Path file, long size, String sha256, String gitSha1, boolean lfs) {
        this.bytes = bytes;
        this.file = file;
        this.size = size;
        this.sha256 = sha256;
        this.gitSha1 = gitSha1;
        this.lfs = lfs;
    }

    /** Content stored as LFS when {@code lfs}, else as a regular git blob. */
    public static Content of(byte[] data, boolean lfs) {
        return new Content(data.clone(), null, data.length, hex("SHA-256", data), gitBlobId(data), lfs);
    }

    public static Content text(String s) {
        return of(s.getBytes(StandardCharsets.UTF_8), false);
    }

    /** What the Hub would do: weights and files of 10 MB or more go to LFS. */
    public static Content auto(String path, byte[] data) {
        return of(data, lfsByDefault(path, data.length));
    }

    /** A file on disk (hashed once, streamed when served). */
    public static Content file(Path f, boolean lfs) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            MessageDigest git = MessageDigest.getInstance("SHA-1");
            long size = Files.size(f);
            git.update(("blob " + size + "\0").getBytes(StandardCharsets.US_ASCII));
            try (InputStream in = Files.newInputStream(f)) {
                byte[] buf = new byte[1 << 20];
                int n;
                while ((n = in.read(buf)) > 0) {
                    sha.update(buf, 0, n);
                    git.update(buf, 0, n);
                }
            }
            return new Content(null, f, size, HEX.formatHex(sha.digest()), HEX.formatHex(git.digest()), lfs);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static boolean lfsByDefault(String path, long size) {
        String p = path.toLowerCase(Locale.ROOT);
        return size >= 10_000_000 || p.endsWith(".safetensors") || p.endsWith(".gguf") || p.endsWith(".bin") || p.endsWith(".pt");
    }

    public long size() {
        return size;
    }

    public String sha256() {
        return sha256;
    }

    /** The git blob id of the content itself. */
    public String gitSha1() {
        return gitSha1;
    }

    public boolean lfs() {
        return lfs;
    }

    /** The id git stores for this path: the pointer's blob id for LFS files. */
    public String blobId() {
        return lfs ? gitBlobId(pointer().getBytes(StandardCharsets.UTF_8)) : gitSha1;
    }

    /** The etag the Hub sends: sha256 for LFS files, the git blob id otherwise. */
    public String etag() {
        return lfs ? sha256 : gitSha1;
    }

    public String pointer() {
        return "version https://git-lfs.github.com/spec/v1\noid sha256:" + sha256 + "\nsize " + size + "\n";
    }

    public InputStream open(long from) throws IOException {
        if (bytes != null) {
            return new ByteArrayInputStream(bytes, (int) from, (int) (size - from));
        }
        InputStream in = Files.newInputStream(file);
        in.skipNBytes(from);
        return in;
    }

    public byte[] bytes() {
        try (InputStream in = open(0)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String gitBlobId(byte[] data) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-1");
            md.update(("blob " + data.length + "\0").getBytes(StandardCharsets.US_ASCII));
            return HEX.formatHex(md.digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String hex(String algo, byte[] data) {
        try {
            return HEX.formatHex(MessageDigest.getInstance(algo).digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
