package io.jknife.hub.push;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One file to upload, with the ids the Hub compares: the sha256 of the content (the LFS oid) and
 * the git blob id ({@code sha1("blob <size>\0" + content)}) for regular files. Hashes are computed
 * once, on first use, in one pass.
 */
public final class LocalFile {
    private final String path;
    private final Path file;
    private final long size;
    private String sha256;
    private String gitSha1;

    LocalFile(String path, Path file, long size) {
        this.path = path;
        this.file = file;
        this.size = size;
    }

    public String path() {
        return path;
    }

    public Path file() {
        return file;
    }

    public long size() {
        return size;
    }

    public synchronized String sha256() throws IOException {
        hash();
        return sha256;
    }

    public synchronized String gitSha1() throws IOException {
        hash();
        return gitSha1;
    }

    /** The first 512 bytes, which the Hub's preupload call uses to tell text from binary. */
    public byte[] sample() throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(512);
        }
    }

    private void hash() throws IOException {
        if (sha256 != null) {
            return;
        }
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            MessageDigest git = MessageDigest.getInstance("SHA-1");
            git.update(("blob " + size + "\0").getBytes(StandardCharsets.US_ASCII));
            try (InputStream in = Files.newInputStream(file)) {
                byte[] buf = new byte[1 << 20];
                int n;
                while ((n = in.read(buf)) > 0) {
                    sha.update(buf, 0, n);
                    git.update(buf, 0, n);
                }
            }
            sha256 = HexFormat.of().formatHex(sha.digest());
            gitSha1 = HexFormat.of().formatHex(git.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
