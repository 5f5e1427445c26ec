package io.jknife.store.workspace;

import io.jknife.store.json.PyJson;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The sentinel file that marks a workspace as produced by clone or convert and carries its
 * provenance and content hash (spec cli.md §2.5).
 *
 * <p>File name: {@value #FILE_NAME}. mlx-knife's {@value #LEGACY_FILE_NAME} is read as well; when a
 * directory holds both, the jknife file wins, and it wins as soon as it exists: a broken jknife
 * sentinel is "no metadata", it does not fall back to the mlx-knife one. New sentinels
 * ({@link #write}) always go to {@value #FILE_NAME}; rewrites of a sentinel that was read
 * ({@link #rewrite}: self-heal, recalc) go back to the file that was read, keeping unknown keys and
 * key order (an mlx-knife sentinel keeps its {@code mlxk_version}). The sentinel is never read
 * through a symbolic link.
 *
 * <p>Writes are atomic: {@code <name>.tmp} is created exclusively, written and synced in the
 * workspace, then renamed over the target; on failure the tmp file is removed and an
 * {@link IOException} is thrown. A fresh tmp file of a concurrent writer makes the write fail
 * instead of interleaving (self-heal is best effort anyway); one older than 30 s is a crashed
 * writer's leftover and is replaced. The
 * text is Python's {@code json.dumps(obj, indent=2) + "\n"} (ASCII-escaped), so mlx-knife reads
 * jknife's sentinels and vice versa.
 *
 * <p>Instances are immutable snapshots; {@link #json()} returns a copy.
 */
public final class WorkspaceSentinel {

    /** The sentinel jknife writes. */
    public static final String FILE_NAME = ".jknife_workspace.json";
    /** mlx-knife's sentinel, read for compatibility (and rewritten in place). */
    public static final String LEGACY_FILE_NAME = ".mlxk_workspace.json";
    /** The producer-version key jknife writes. */
    public static final String VERSION_KEY = "jknife_version";
    /** mlx-knife's producer-version key; accepted in place of {@link #VERSION_KEY}. */
    public static final String LEGACY_VERSION_KEY = "mlxk_version";

    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

    /** Age after which a leftover {@code <name>.tmp} is considered abandoned by a crashed writer. */
    static final Duration TMP_STALE_AFTER = Duration.ofSeconds(30);

    private final Path file;
    private final ObjectNode json;

    private WorkspaceSentinel(Path file, ObjectNode json) {
        this.file = file;
        this.json = json;
    }

    // ---------------------------------------------------------------- reading

    /**
     * The sentinel file of a directory: {@value #FILE_NAME} if it exists (as anything, even a
     * broken file), else {@value #LEGACY_FILE_NAME} if it exists, else empty.
     */
    public static Optional<Path> locate(Path workspaceDir) {
        for (String name : List.of(FILE_NAME, LEGACY_FILE_NAME)) {
            Path p = workspaceDir.resolve(name);
            if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * The sentinel of a directory. Missing, a symbolic link, unreadable, not JSON or not a JSON
     * object: empty ("no metadata"), never an exception.
     */
    public static Optional<WorkspaceSentinel> read(Path workspaceDir) {
        try {
            Optional<Path> located = locate(workspaceDir);
            if (located.isEmpty() || !Files.isRegularFile(located.get(), LinkOption.NOFOLLOW_LINKS)) {
                return Optional.empty();
            }
            JsonNode node = PyJson.MAPPER.readTree(Files.readAllBytes(located.get()));
            if (node instanceof ObjectNode obj) {
                return Optional.of(new WorkspaceSentinel(located.get(), obj));
            }
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Whether the directory holds a sentinel with {@code "managed": true} (boolean true exactly). */
    public static boolean isManaged(Path workspaceDir) {
        return read(workspaceDir).map(WorkspaceSentinel::managed).orElse(false);
    }

    /** The file this sentinel was read from. */
    public Path file() {
        return file;
    }

    /** Whether it was read from mlx-knife's {@value #LEGACY_FILE_NAME}. */
    public boolean isLegacyFile() {
        return file.getFileName().toString().equals(LEGACY_FILE_NAME);
    }

    /** The whole object (a copy), e.g. for {@code show}'s {@code workspace_metadata}. */
    public ObjectNode json() {
        return json.deepCopy();
    }

    /** The object itself, for read-only use inside this package. */
    ObjectNode node() {
        return json;
    }

    /** {@code managed} is the boolean {@code true}. */
    public boolean managed() {
        JsonNode v = json.get("managed");
        return v != null && v.isBoolean() && v.booleanValue();
    }

    /** {@code jknife_version}, else {@code mlxk_version}. */
    public Optional<String> version() {
        return text(VERSION_KEY).or(() -> text(LEGACY_VERSION_KEY));
    }

    public Optional<String> createdAt() {
        return text("created_at");
    }

    public Optional<String> sourceRepo() {
        return text("source_repo");
    }

    public Optional<String> sourceRevision() {
        return text("source_revision");
    }

    /** {@code "clone"} or {@code "convert"}. */
    public Optional<String> operation() {
        return text("operation");
    }

    /** convert's {@code "repair-index"} or {@code "quantize"}. */
    public Optional<String> mode() {
        return text("mode");
    }

    /** The requested {@code {bits, group_size}} of {@code convert --quantize}, when an object. */
    public Optional<JsonNode> quantization() {
        JsonNode v = json.get("quantization");
        return v != null && v.isObject() ? Optional.of(v.deepCopy()) : Optional.empty();
    }

    /** {@code "v2"}; absent for legacy (v1) sentinels. */
    public Optional<String> hashAlgorithm() {
        return text("hash_algorithm");
    }

    /** {@code "sha256:" + 64 hex} (v2) or 64 hex (legacy v1). */
    public Optional<String> contentHash() {
        return text("content_hash");
    }

    /** When the hash was last computed (UTC ISO-8601). */
    public Optional<String> hashModified() {
        return text("hash_modified");
    }

    /** The stored exclude list, when {@code exclude_patterns} is a list (its string elements). */
    public Optional<List<String>> excludePatterns() {
        JsonNode v = json.get("exclude_patterns");
        if (v == null || !v.isArray()) {
            return Optional.empty();
        }
        List<String> out = new ArrayList<>();
        for (JsonNode p : v) {
            if (p.isTextual()) {
                out.add(p.textValue());
            }
        }
        return Optional.of(List.copyOf(out));
    }

    /** The exclude list that governs hashing: the stored one if it is a list, else the default. */
    public List<String> effectiveExcludes() {
        return excludePatterns().orElse(ContentHash.DEFAULT_EXCLUDES);
    }

    private Optional<String> text(String key) {
        JsonNode v = json.get(key);
        return v != null && v.isTextual() ? Optional.of(v.textValue()) : Optional.empty();
    }

    // ---------------------------------------------------------------- writing

    /**
     * A new sentinel object in clone's key order: {@code jknife_version, created_at (now),
     * source_repo, source_revision, managed: true, operation}. Callers add further keys.
     */
    public static ObjectNode create(String jknifeVersion, String operation, String sourceRepo,
                                    String sourceRevision) {
        ObjectNode o = PyJson.MAPPER.createObjectNode();
        o.put(VERSION_KEY, Objects.requireNonNull(jknifeVersion, "jknifeVersion"));
        o.put("created_at", timestamp(Instant.now()));
        o.put("source_repo", sourceRepo);
        o.put("source_revision", sourceRevision);
        o.put("managed", true);
        o.put("operation", Objects.requireNonNull(operation, "operation"));
        return o;
    }

    /**
     * Writes a new sentinel to {@code workspaceDir/}{@value #FILE_NAME} (atomically).
     *
     * @return the file written
     * @throws IllegalArgumentException when a required key is missing: {@code jknife_version} (or
     *                                  {@code mlxk_version}), {@code created_at}, {@code managed},
     *                                  {@code operation}
     * @throws IOException              when the file cannot be written (nothing is left behind)
     */
    public static Path write(Path workspaceDir, ObjectNode sentinel) throws IOException {
        validate(sentinel);
        Path target = workspaceDir.toRealPath().resolve(FILE_NAME);
        atomicWrite(target, sentinel);
        return target;
    }

    /**
     * Replaces this sentinel's file with {@code updated} (atomically, same file name); validated as
     * in {@link #write}.
     */
    public void rewrite(ObjectNode updated) throws IOException {
        validate(updated);
        atomicWrite(file, updated);
    }

    /** The exact text written for a sentinel object ({@code json.dumps(obj, indent=2) + "\n"}). */
    public static String toText(ObjectNode sentinel) {
        return PyJson.dumps(sentinel) + "\n";
    }

    /** UTC ISO-8601 with microseconds and {@code Z}, e.g. {@code 2026-04-20T10:30:00.123456Z}. */
    public static String timestamp(Instant instant) {
        return TIMESTAMP.format(instant.truncatedTo(ChronoUnit.MICROS));
    }

    static void validate(ObjectNode sentinel) {
        TreeSet<String> missing = new TreeSet<>();
        if (!sentinel.has(VERSION_KEY) && !sentinel.has(LEGACY_VERSION_KEY)) {
            missing.add(VERSION_KEY);
        }
        for (String key : List.of("created_at", "managed", "operation")) {
            if (!sentinel.has(key)) {
                missing.add(key);
            }
        }
        if (!missing.isEmpty()) {
            StringBuilder sb = new StringBuilder("Missing required metadata fields: {");
            String sep = "";
            for (String m : missing) {
                sb.append(sep).append('\'').append(m).append('\'');
                sep = ", ";
            }
            throw new IllegalArgumentException(sb.append('}').toString());
        }
    }

    private static void atomicWrite(Path target, ObjectNode sentinel) throws IOException {
        byte[] bytes = toText(sentinel).getBytes(StandardCharsets.US_ASCII); // ASCII by construction
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        boolean created = false;
        try {
            clearStaleTmp(tmp);
            // CREATE_NEW: the tmp file doubles as a lock, two writers never share it
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                created = true;
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            if (created) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException | RuntimeException ignored) {
                    // best effort
                }
            }
            throw new IOException("Failed to write workspace sentinel: " + e.getMessage(), e);
        }
    }

    /**
     * Removes a leftover tmp file: anything that is not a regular file (a planted symlink is
     * removed, never followed) and regular files older than {@link #TMP_STALE_AFTER}. A fresh one
     * belongs to a concurrent writer: fail rather than let two writers interleave.
     */
    private static void clearStaleTmp(Path tmp) throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(tmp, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException none) {
            return;
        }
        if (a.isRegularFile()
                && a.lastModifiedTime().toInstant().isAfter(Instant.now().minus(TMP_STALE_AFTER))) {
            throw new IOException("another write is in progress (" + tmp.getFileName() + " exists)");
        }
        Files.delete(tmp);
    }

    @Override
    public String toString() {
        return "WorkspaceSentinel[" + file + "]";
    }
}
