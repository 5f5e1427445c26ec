package io.jknife.store.workspace;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.Normalizer;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Workspace content hash v2 (ADR-025; spec cli.md §5.1–5.4).
 *
 * <p><b>Walk.</b> From the workspace's real path, recursively, never following symbolic links.
 * Relative paths are the NFC-normalized names joined with {@code /}. Symbolic links (to anything)
 * are fingerprinted, directories descended into, regular files hashed, other kinds skipped.
 * Exclusion: a pattern ending in {@code /} prunes directories whose name matches the rest, any
 * other pattern drops regular files whose name matches ({@link FnMatch}); symbolic links are never
 * excluded. Besides the pattern list, the sentinel files ({@value WorkspaceSentinel#FILE_NAME},
 * {@value WorkspaceSentinel#LEGACY_FILE_NAME} and their {@code .tmp}) at the workspace root are
 * always skipped — hashing the file that stores the hash could never be clean, whatever a stored
 * custom list says.
 *
 * <p><b>Per entry</b> ({@code "sha256:" + lowercase hex}): {@code *.safetensors} → the raw JSON
 * header (8-byte little-endian length L, then L bytes; L = 0, L &gt; 100 MiB or a short read makes
 * the whole computation fail); other files over 1 GiB → {@code sha256(name ‖ 0x00 ‖ decimal size)}
 * without opening them; other files → their content; a symbolic link whose fully resolved target
 * lies inside the workspace → {@code sha256("SYMLINK" ‖ 0x00 ‖ target path relative to the root)},
 * the target never read. A link that leaves the workspace, dangles or loops makes the computation
 * fail (the original fingerprints dangling links; fixed here). The link-target path is taken as
 * stored on disk (as mlx-knife does), the stat-only fingerprint uses the NFC name.
 *
 * <p><b>Aggregate.</b> {@code "sha256:" + hex(sha256(concat over entries sorted by path of
 * utf8(path) ‖ 0x00 ‖ ascii(sha)))}, sorted by Unicode code point ({@link #PATH_ORDER}).
 *
 * <p>jknife deviations, all fail-closed: a workspace is what {@link Workspaces#isWorkspace} accepts
 * (config.json, a sentinel, or a top-level GGUF/ggml model file) rather than config.json only; an
 * unreadable directory fails the computation instead of being skipped silently; two names that
 * are equal after NFC normalization fail it too (they would collide in the index).
 */
public final class ContentHash {

    /** The {@code hash_algorithm} value written with v2 hashes. */
    public static final String ALGORITHM = "v2";
    /** Prefix of every v2 sha and aggregate. */
    public static final String PREFIX = "sha256:";
    /** Non-safetensors files larger than this are fingerprinted from name and size only. */
    public static final long FULL_READ_CAP = 1024L * 1024 * 1024;
    /** Largest safetensors header length accepted. */
    public static final long SAFETENSORS_HEADER_MAX = 100L * 1024 * 1024;

    /**
     * The default exclude list (frozen into the sentinel at first compute). mlx-knife's list with
     * jknife's sentinel name added next to mlx-knife's.
     */
    public static final List<String> DEFAULT_EXCLUDES = List.of(
            // runtime
            ".hf_cache/", WorkspaceSentinel.FILE_NAME, WorkspaceSentinel.LEGACY_FILE_NAME,
            // dev / VCS tooling
            ".git/", ".github/", "__pycache__/",
            // IDE / dev-tool cruft
            ".vscode/", ".idea/", ".ipynb_checkpoints/",
            ".mypy_cache/", ".pytest_cache/", ".ruff_cache/", ".tox/",
            "node_modules/", ".venv/", "venv/",
            // temp / logs
            "*.lock", "*.tmp", "*.log", "*.bak",
            // macOS file-manager cruft
            ".DS_Store", "._*",
            ".Spotlight-V100/", ".Trashes/", ".fseventsd/",
            ".TemporaryItems/", ".apdisk", "Icon\r",
            // Windows file-manager cruft
            "Thumbs.db", "desktop.ini",
            "$RECYCLE.BIN/", "System Volume Information/",
            // editor backups
            "*~", ".*.swp", ".*.swo");

    /** Root-level files never hashed, whatever the exclude list. */
    private static final Set<String> ALWAYS_EXCLUDED_AT_ROOT = Set.of(
            WorkspaceSentinel.FILE_NAME, WorkspaceSentinel.FILE_NAME + ".tmp",
            WorkspaceSentinel.LEGACY_FILE_NAME, WorkspaceSentinel.LEGACY_FILE_NAME + ".tmp");

    /** Unicode code point order (= UTF-8 byte order), not UTF-16 {@link String#compareTo}. */
    public static final Comparator<String> PATH_ORDER = ContentHash::compareCodePoints;

    private static final HexFormat HEX = HexFormat.of();
    private static final int BUFFER = 1 << 20;

    private ContentHash() {
    }

    // ---------------------------------------------------------------- public API

    /**
     * Computes the v2 hash of a workspace; empty when it cannot be computed (see
     * {@link #computeOrThrow} for the reasons).
     *
     * @param excludes the exclude list; {@code null} means {@link #DEFAULT_EXCLUDES}
     */
    public static Optional<HashResult> compute(Path workspaceDir, List<String> excludes) {
        try {
            return Optional.of(computeOrThrow(workspaceDir, excludes));
        } catch (HashException e) {
            return Optional.empty();
        }
    }

    /** As {@link #compute}, with the reason of a failure. */
    public static HashResult computeOrThrow(Path workspaceDir, List<String> excludes) throws HashException {
        List<String> effective = excludes == null ? DEFAULT_EXCLUDES : List.copyOf(excludes);
        Path root = realRoot(workspaceDir);
        if (!Workspaces.isWorkspace(root)) {
            throw new HashException("not a workspace (no config.json, sentinel or model file): " + root);
        }
        List<Walked> walked;
        try {
            walked = walk(root, new Excludes(effective));
        } catch (IOException e) {
            throw new HashException("cannot walk " + root + ": " + e.getMessage(), e);
        }
        List<IndexEntry> index = new ArrayList<>(walked.size());
        Set<String> seen = new HashSet<>();
        for (Walked w : walked) {
            if (!seen.add(w.rel())) {
                throw new HashException("two names collide after NFC normalization: " + w.rel());
            }
            if (w.link()) {
                index.add(new IndexEntry(w.rel(), 0, 0, symlinkFingerprint(w.path(), root)));
            } else {
                index.add(new IndexEntry(w.rel(), w.size(), w.mtimeNs(), hashFile(w.path(), w.size())));
            }
        }
        index.sort(Comparator.comparing(IndexEntry::path, PATH_ORDER));
        return new HashResult(aggregate(index), index, effective);
    }

    /**
     * The aggregate of an index: {@code "sha256:" + hex(sha256(concat over entries sorted by path of
     * utf8(path) ‖ 0x00 ‖ ascii(sha)))}; the input order does not matter.
     */
    public static String aggregate(Collection<IndexEntry> entries) {
        List<IndexEntry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparing(IndexEntry::path, PATH_ORDER));
        MessageDigest md = sha256();
        for (IndexEntry e : sorted) {
            md.update(e.path().getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            md.update(e.sha().getBytes(StandardCharsets.US_ASCII));
        }
        return PREFIX + HEX.formatHex(md.digest());
    }

    /**
     * First compute / {@code show --recalc-hash} (§5.4): for a <em>managed</em> workspace, computes
     * the v2 hash with the stored exclude list (the default when none is stored) and rewrites the
     * sentinel with {@code hash_algorithm, content_hash, hash_modified, exclude_patterns,
     * file_index} (existing keys keep their place, others are appended; a stored custom list is
     * kept as it is). On any failure the sentinel is left untouched and the result is empty.
     *
     * @return the new content hash
     */
    public static Optional<String> recalc(Path workspaceDir) {
        Optional<WorkspaceSentinel> read = WorkspaceSentinel.read(workspaceDir);
        if (read.isEmpty() || !read.get().managed()) {
            return Optional.empty();
        }
        WorkspaceSentinel sentinel = read.get();
        ObjectNode meta = sentinel.json();
        JsonNode stored = meta.get("exclude_patterns");
        Optional<HashResult> result = compute(workspaceDir, sentinel.effectiveExcludes());
        if (result.isEmpty()) {
            return Optional.empty();
        }
        HashResult r = result.get();
        meta.put("hash_algorithm", ALGORITHM);
        meta.put("content_hash", r.contentHash());
        meta.put("hash_modified", WorkspaceSentinel.timestamp(Instant.now()));
        if (stored != null && stored.isArray()) {
            meta.set("exclude_patterns", stored.deepCopy());
        } else {
            ArrayNode defaults = meta.arrayNode();
            DEFAULT_EXCLUDES.forEach(defaults::add);
            meta.set("exclude_patterns", defaults);
        }
        meta.set("file_index", r.fileIndexJson());
        try {
            sentinel.rewrite(meta);
            return Optional.of(r.contentHash());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    // ---------------------------------------------------------------- walk

    /** A walked entry: a regular file (with its stat) or a symbolic link. */
    record Walked(String rel, Path path, boolean link, long size, long mtimeNs) {
    }

    /** An exclude list split into directory and file patterns. */
    static final class Excludes {
        private final List<String> dirPatterns = new ArrayList<>();
        private final List<String> filePatterns = new ArrayList<>();

        Excludes(List<String> patterns) {
            for (String p : patterns) {
                if (p == null) {
                    continue;
                }
                if (p.endsWith("/")) {
                    dirPatterns.add(p.substring(0, p.length() - 1));
                } else {
                    filePatterns.add(p);
                }
            }
        }

        boolean dirExcluded(String name) {
            for (String p : dirPatterns) {
                if (FnMatch.matches(name, p)) {
                    return true;
                }
            }
            return false;
        }

        boolean fileExcluded(String name, boolean atRoot) {
            if (atRoot && ALWAYS_EXCLUDED_AT_ROOT.contains(name)) {
                return true;
            }
            for (String p : filePatterns) {
                if (FnMatch.matches(name, p)) {
                    return true;
                }
            }
            return false;
        }
    }

    private record Pending(Path dir, String rel) {
    }

    /** All non-excluded files and links under {@code root} (a real path), in no particular order. */
    static List<Walked> walk(Path root, Excludes excludes) throws IOException {
        List<Walked> out = new ArrayList<>();
        Deque<Pending> stack = new ArrayDeque<>();
        stack.push(new Pending(root, ""));
        while (!stack.isEmpty()) {
            Pending dir = stack.pop();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir.dir())) {
                for (Path p : ds) {
                    String name = nfc(p.getFileName().toString());
                    String rel = dir.rel().isEmpty() ? name : dir.rel() + "/" + name;
                    BasicFileAttributes a;
                    try {
                        a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    } catch (NoSuchFileException gone) {
                        continue; // removed while walking
                    }
                    if (a.isSymbolicLink()) {
                        out.add(new Walked(rel, p, true, 0, 0));
                    } else if (a.isDirectory()) {
                        if (!excludes.dirExcluded(name)) {
                            stack.push(new Pending(p, rel));
                        }
                    } else if (a.isRegularFile()) {
                        if (!excludes.fileExcluded(name, dir.rel().isEmpty())) {
                            out.add(new Walked(rel, p, false, a.size(),
                                    a.lastModifiedTime().to(TimeUnit.NANOSECONDS)));
                        }
                    }
                    // fifo, socket, device: skipped
                }
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- per-entry sha

    /** The sha of a regular file of the given (walked) size, per its class. */
    static String hashFile(Path file, long size) throws HashException {
        String name = nfc(file.getFileName().toString());
        if (name.endsWith(".safetensors")) {
            return safetensorsHeaderSha(file);
        }
        MessageDigest md = sha256();
        if (size > FULL_READ_CAP) {
            md.update(name.getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            md.update(Long.toString(size).getBytes(StandardCharsets.US_ASCII));
            return PREFIX + HEX.formatHex(md.digest());
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            ByteBuffer buf = ByteBuffer.allocate(BUFFER);
            while (ch.read(buf) >= 0) {
                buf.flip();
                md.update(buf);
                buf.clear();
            }
        } catch (IOException e) {
            throw new HashException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return PREFIX + HEX.formatHex(md.digest());
    }

    /** sha256 of the raw JSON header of a safetensors file; a corrupt header is an exception. */
    static String safetensorsHeaderSha(Path file) throws HashException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            ByteBuffer prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, prefix);
            if (prefix.hasRemaining()) {
                throw new HashException("corrupt safetensors header (file shorter than 8 bytes): " + file);
            }
            long length = prefix.flip().getLong(); // unsigned: negative means > 2^63
            if (length <= 0 || length > SAFETENSORS_HEADER_MAX) {
                throw new HashException("corrupt safetensors header (length "
                        + Long.toUnsignedString(length) + "): " + file);
            }
            MessageDigest md = sha256();
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(BUFFER, length));
            long left = length;
            while (left > 0) {
                buf.clear().limit((int) Math.min(buf.capacity(), left));
                int n = ch.read(buf);
                if (n < 0) {
                    throw new HashException("corrupt safetensors header (short read): " + file);
                }
                buf.flip();
                md.update(buf);
                left -= n;
            }
            return PREFIX + HEX.formatHex(md.digest());
        } catch (IOException e) {
            throw new HashException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) {
                return;
            }
        }
    }

    /**
     * The fingerprint of a symbolic link whose fully resolved target lies inside {@code root} (a
     * real path); the target is never opened. Outside, dangling or looping links are refused.
     */
    static String symlinkFingerprint(Path link, Path root) throws HashException {
        Path target;
        try {
            target = link.toRealPath();
        } catch (IOException e) {
            throw new HashException("refusing dangling or unresolvable symlink: " + link, e);
        }
        if (!target.startsWith(root)) {
            throw new HashException("refusing symlink that leaves the workspace: " + link + " -> " + target);
        }
        Path rel = root.relativize(target);
        StringBuilder sb = new StringBuilder();
        for (Path part : rel) {
            if (!sb.isEmpty()) {
                sb.append('/');
            }
            sb.append(part);
        }
        String relText = sb.isEmpty() ? "." : sb.toString();
        MessageDigest md = sha256();
        md.update("SYMLINK".getBytes(StandardCharsets.US_ASCII));
        md.update((byte) 0);
        md.update(relText.getBytes(StandardCharsets.UTF_8));
        return PREFIX + HEX.formatHex(md.digest());
    }

    // ---------------------------------------------------------------- helpers

    static Path realRoot(Path workspaceDir) throws HashException {
        try {
            return workspaceDir.toRealPath();
        } catch (IOException e) {
            throw new HashException("no such workspace: " + workspaceDir, e);
        }
    }

    static String nfc(String s) {
        return Normalizer.normalize(s, Normalizer.Form.NFC);
    }

    static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }
}
