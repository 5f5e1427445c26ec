package io.jknife.hub.fake;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/** One repository of the fake Hub: branches pointing at commits, each commit a complete file tree. */
public final class FakeRepo {
    private final String id;
    private volatile boolean isPrivate;
    private volatile boolean gated;
    private final Map<String, String> branches = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Content>> commits = new ConcurrentHashMap<>();
    private final Map<String, String> misreported = new ConcurrentHashMap<>();
    private final Map<String, Long> claimedSizes = new ConcurrentHashMap<>();
    private int counter;

    FakeRepo(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public FakeRepo makePrivate() {
        isPrivate = true;
        return this;
    }

    public FakeRepo makeGated() {
        gated = true;
        return this;
    }

    public boolean isPrivate() {
        return isPrivate;
    }

    public boolean gated() {
        return gated;
    }

    /** A new commit on {@code branch} holding exactly {@code files}; returns its id. */
    public synchronized String commit(String branch, Map<String, Content> files) {
        String sha = sha1(id + "#" + (++counter) + "#" + files.keySet());
        commits.put(sha, Collections.unmodifiableMap(new TreeMap<>(files)));
        branches.put(branch, sha);
        return sha;
    }

    /** A new commit on main with these files (strings become regular files, byte arrays follow the Hub's LFS rule). */
    public String publish(Map<String, ?> files) {
        Map<String, Content> c = new LinkedHashMap<>();
        files.forEach((path, v) -> c.put(path, switch (v) {
            case Content content -> content;
            case String s -> Content.text(s);
            case byte[] b -> Content.auto(path, b);
            default -> throw new IllegalArgumentException("unsupported content for " + path + ": " + v.getClass());
        }));
        return commit("main", c);
    }

    /** A new commit on main holding every regular file below {@code dir} (LFS by the Hub's rule). */
    public String publishDir(java.nio.file.Path dir) {
        Map<String, Content> c = new TreeMap<>();
        try (var walk = java.nio.file.Files.walk(dir)) {
            for (java.nio.file.Path f : walk.filter(java.nio.file.Files::isRegularFile).toList()) {
                String rel = dir.relativize(f).toString().replace('\\', '/');
                c.put(rel, Content.auto(rel, java.nio.file.Files.readAllBytes(f)));
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return commit("main", c);
    }

    /** The listing and the headers announce {@code fakeEtag} for {@code path} (the bytes stay the same). */
    public FakeRepo misreport(String path, String fakeEtag) {
        misreported.put(path, fakeEtag);
        return this;
    }

    /** The listing claims {@code size} bytes for {@code path} (e.g. more than any disk holds). */
    public FakeRepo claimSize(String path, long size) {
        claimedSizes.put(path, size);
        return this;
    }

    long announcedSize(String path, Content c) {
        return claimedSizes.getOrDefault(path, c.size());
    }

    String announcedEtag(String path, Content c) {
        return misreported.getOrDefault(path, c.etag());
    }

    /** The commit a branch or (prefix of a) commit id names, or null. */
    public String resolve(String rev) {
        String b = branches.get(rev);
        if (b != null) {
            return b;
        }
        if (rev.length() >= 7) {
            for (String sha : commits.keySet()) {
                if (sha.startsWith(rev)) {
                    return sha;
                }
            }
        }
        return null;
    }

    public Map<String, Content> files(String commit) {
        return commits.getOrDefault(commit, Map.of());
    }

    public Map<String, String> branches() {
        return Map.copyOf(branches);
    }

    static String sha1(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
