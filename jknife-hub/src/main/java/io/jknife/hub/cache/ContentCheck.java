package io.jknife.hub.cache;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Checks downloaded bytes against their etag as the Hub defines it: a 64-hex etag is the sha256 of
 * the content (LFS files), a 40-hex etag the git blob id ({@code sha1("blob <size>\0" + content)},
 * regular files). Other etags (some mirrors) cannot be checked; then only the size is.
 */
public final class ContentCheck {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern SHA1 = Pattern.compile("[0-9a-f]{40}");
    private static final HexFormat HEX = HexFormat.of();

    private final String etag;
    private final long size;
    private final String algorithm;
    private MessageDigest md;

    private ContentCheck(String etag, long size, String algorithm) {
        this.etag = etag;
        this.size = size;
        this.algorithm = algorithm;
        reset();
    }

    public static ContentCheck forEtag(String etag, long size) {
        String e = etag.toLowerCase(java.util.Locale.ROOT);
        if (SHA256.matcher(e).matches()) {
            return new ContentCheck(e, size, "SHA-256");
        }
        if (SHA1.matcher(e).matches() && size >= 0) {
            return new ContentCheck(e, size, "SHA-1");
        }
        return new ContentCheck(e, size, null);
    }

    /** Whether the etag is a hash this class can verify. */
    public boolean verifiable() {
        return algorithm != null;
    }

    /** Starts over (the server ignored a Range request). */
    public void reset() {
        if (algorithm == null) {
            md = null;
            return;
        }
        try {
            md = MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        if (algorithm.equals("SHA-1")) {
            md.update(("blob " + size + "\0").getBytes(StandardCharsets.US_ASCII));
        }
    }

    public void update(byte[] b, int off, int len) {
        if (md != null) {
            md.update(b, off, len);
        }
    }

    /** Feeds the remaining bytes of {@code b} (its position moves to its limit). */
    public void update(ByteBuffer b) {
        if (md != null) {
            md.update(b);
        } else {
            b.position(b.limit());
        }
    }

    /** Feeds the first {@code length} bytes of a partial file (resuming a download). */
    public void updateFrom(FileChannel ch, long length) throws IOException {
        if (md == null) {
            return;
        }
        ByteBuffer buf = ByteBuffer.allocate(1 << 20);
        long pos = 0;
        while (pos < length) {
            buf.clear().limit((int) Math.min(buf.capacity(), length - pos));
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("partial file shrank while resuming");
            }
            md.update(buf.array(), 0, n);
            pos += n;
        }
    }

    /** Null when the content matches, else why not. */
    public String mismatch(long actualSize) {
        if (size >= 0 && actualSize != size) {
            return "size " + actualSize + " instead of " + size;
        }
        if (md == null) {
            return null;
        }
        String got = HEX.formatHex(md.digest());
        return got.equals(etag) ? null : (algorithm.equals("SHA-1") ? "git blob id " : "sha256 ") + got + " instead of " + etag;
    }
}
