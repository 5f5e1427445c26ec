package io.jknife.store.workspace;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The clean check of a workspace against its v2 sentinel (spec cli.md §5.5), run for every
 * workspace {@code list} entry and every {@code show} of a workspace.
 *
 * <ol>
 *   <li>No readable sentinel → unknown, no hint.</li>
 *   <li>{@code hash_algorithm} not {@code "v2"} (legacy v1, or a future version) → unknown, with
 *       the {@link #HINT_LEGACY} hint; nothing is walked.</li>
 *   <li>{@code file_index} not a list → unknown, {@link #HINT_NO_INDEX}.</li>
 *   <li>Every index entry is validated <em>before any filesystem access</em>: an object whose
 *       {@code path} is a non-empty string without NUL or {@code \}, not starting with {@code /},
 *       without a drive prefix ({@code X:}) and without a {@code ..} component; otherwise unknown,
 *       {@link #HINT_CORRUPT}. Index paths are only ever compared with walked paths, never
 *       opened.</li>
 *   <li>Walk with the stored exclude list (default when absent): an entry not in the index, a
 *       link that leaves the workspace (or dangles), a link fingerprint or a size that differs, or
 *       a changed mtime whose re-hash differs → dirty; a changed mtime with an equal re-hash →
 *       clean, and the new mtime is remembered ("self-heal"). An index entry not seen → dirty.</li>
 *   <li>Clean: self-healed mtimes are written back (best effort, errors ignored) and the stored
 *       hash is reported as current — the aggregate is not recomputed.</li>
 *   <li>Dirty: the full hash is recomputed with the stored exclude list and reported as
 *       current ({@code null} when that fails).</li>
 * </ol>
 * The {@code managed} flag is not consulted.
 */
public final class CleanState {

    /** Hint for a sentinel without a v2 hash. */
    public static final String HINT_LEGACY =
            "run `jknife show <name> --recalc-hash` to upgrade content_hash to v2";
    /** Hint for a v2 sentinel whose {@code file_index} is missing or not a list. */
    public static final String HINT_NO_INDEX =
            "workspace sentinel has no file_index — run `--recalc-hash` to rebuild";
    /** Hint for a v2 sentinel with an invalid (unsafe) {@code file_index} entry. */
    public static final String HINT_CORRUPT =
            "workspace sentinel has invalid file path entry — run `--recalc-hash` to rebuild";

    private CleanState() {
    }

    /** Runs the clean check (and the self-heal rewrite) for a workspace directory. */
    public static CleanResult check(Path workspaceDir) {
        Optional<WorkspaceSentinel> read = WorkspaceSentinel.read(workspaceDir);
        if (read.isEmpty()) {
            return CleanResult.noSentinel();
        }
        WorkspaceSentinel sentinel = read.get();
        ObjectNode meta = sentinel.node();
        String stored = sentinel.contentHash().orElse(null);
        if (!sentinel.hashAlgorithm().filter(ContentHash.ALGORITHM::equals).isPresent()
                || !meta.path("file_index").isArray()) {
            return new CleanResult(null, null, stored, hint(meta));
        }
        Optional<String> corrupt = hint(meta); // only the invalid-entry hint is left at this point
        if (corrupt.isPresent()) {
            return new CleanResult(null, null, stored, corrupt);
        }
        ArrayNode fileIndex = (ArrayNode) meta.get("file_index");
        List<String> excludes = sentinel.effectiveExcludes();

        Path root;
        try {
            root = ContentHash.realRoot(workspaceDir);
        } catch (HashException e) {
            return new CleanResult(false, null, stored, Optional.empty());
        }

        // path -> entry; a duplicated path keeps its last entry (as mlx-knife's dict does)
        Map<String, ObjectNode> indexed = new LinkedHashMap<>();
        for (JsonNode e : fileIndex) {
            indexed.put(e.get("path").textValue(), (ObjectNode) e);
        }
        Map<String, Long> healed = new HashMap<>();
        if (stillClean(root, excludes, indexed, healed)) {
            if (!healed.isEmpty()) {
                selfHeal(sentinel, indexed, healed);
            }
            return new CleanResult(true, stored, stored, Optional.empty());
        }
        String current = ContentHash.compute(root, excludes).map(HashResult::contentHash).orElse(null);
        return new CleanResult(false, current, stored, Optional.empty());
    }

    /**
     * The UX hint for a workspace without a usable v2 sentinel, read without walking anything;
     * empty for no sentinel and for a valid v2 sentinel.
     */
    public static Optional<String> hint(Path workspaceDir) {
        return WorkspaceSentinel.read(workspaceDir).flatMap(s -> hint(s.node()));
    }

    private static Optional<String> hint(ObjectNode meta) {
        if (meta.isEmpty()) {
            return Optional.empty(); // "{}" is no metadata (legacy or not)
        }
        JsonNode algo = meta.get("hash_algorithm");
        if (algo == null || !algo.isTextual() || !ContentHash.ALGORITHM.equals(algo.textValue())) {
            return Optional.of(HINT_LEGACY);
        }
        JsonNode index = meta.get("file_index");
        if (index == null || !index.isArray()) {
            return Optional.of(HINT_NO_INDEX);
        }
        for (JsonNode entry : index) {
            if (!entry.isObject() || !isSafeIndexPath(entry.get("path"))) {
                return Optional.of(HINT_CORRUPT);
            }
        }
        return Optional.empty();
    }

    /**
     * Whether a stored {@code file_index} path is acceptable: a non-empty string, no NUL, no
     * backslash, not absolute, no drive prefix (second code point {@code :}), no {@code ..}
     * component.
     */
    public static boolean isSafeIndexPath(JsonNode path) {
        return path != null && path.isTextual() && isSafeIndexPath(path.textValue());
    }

    /** As {@link #isSafeIndexPath(JsonNode)} for a string. */
    public static boolean isSafeIndexPath(String path) {
        if (path == null || path.isEmpty() || path.indexOf('\0') >= 0 || path.indexOf('\\') >= 0
                || path.startsWith("/")) {
            return false;
        }
        if (path.codePointCount(0, path.length()) >= 2
                && path.codePointAt(path.offsetByCodePoints(0, 1)) == ':') {
            return false;
        }
        for (String part : path.split("/", -1)) {
            if (part.equals("..")) {
                return false;
            }
        }
        return true;
    }

    /** The stat walk with self-heal; {@code healed} collects path → new mtime_ns. */
    private static boolean stillClean(Path root, List<String> excludes, Map<String, ObjectNode> indexed,
                                      Map<String, Long> healed) {
        List<ContentHash.Walked> walked;
        try {
            walked = ContentHash.walk(root, new ContentHash.Excludes(excludes));
        } catch (IOException e) {
            return false;
        }
        Set<String> seen = new HashSet<>();
        for (ContentHash.Walked w : walked) {
            if (!seen.add(w.rel())) {
                return false; // names colliding after NFC normalization
            }
            ObjectNode entry = indexed.get(w.rel());
            if (entry == null) {
                return false; // added
            }
            String storedSha = entry.path("sha").isTextual() ? entry.get("sha").textValue() : null;
            try {
                if (w.link()) {
                    if (!ContentHash.symlinkFingerprint(w.path(), root).equals(storedSha)) {
                        return false;
                    }
                    continue;
                }
                if (!numberEquals(entry.get("size"), w.size())) {
                    return false;
                }
                if (numberEquals(entry.get("mtime_ns"), w.mtimeNs())) {
                    continue;
                }
                if (!ContentHash.hashFile(w.path(), w.size()).equals(storedSha)) {
                    return false;
                }
                healed.put(w.rel(), w.mtimeNs());
            } catch (HashException e) {
                return false; // outside/dangling link, corrupt safetensors, unreadable file
            }
        }
        return seen.containsAll(indexed.keySet()); // else something was deleted
    }

    private static boolean numberEquals(JsonNode n, long value) {
        if (n == null || !n.isNumber()) {
            return false;
        }
        if (n.isIntegralNumber()) {
            return n.canConvertToLong() && n.longValue() == value;
        }
        return n.doubleValue() == (double) value;
    }

    /** Writes healed mtimes back: index deduplicated and sorted by path, other keys untouched. */
    private static void selfHeal(WorkspaceSentinel sentinel, Map<String, ObjectNode> indexed,
                                 Map<String, Long> healed) {
        try {
            ObjectNode updated = sentinel.json();
            List<Map.Entry<String, ObjectNode>> entries = new ArrayList<>(indexed.entrySet());
            entries.sort(Map.Entry.comparingByKey(ContentHash.PATH_ORDER));
            ArrayNode index = updated.arrayNode();
            for (Map.Entry<String, ObjectNode> e : entries) {
                ObjectNode copy = e.getValue().deepCopy();
                Long mtime = healed.get(e.getKey());
                if (mtime != null) {
                    copy.put("mtime_ns", mtime.longValue());
                }
                index.add(copy);
            }
            updated.set("file_index", index);
            sentinel.rewrite(updated);
        } catch (IOException | RuntimeException ignored) {
            // best effort: the next check heals again
        }
    }
}
