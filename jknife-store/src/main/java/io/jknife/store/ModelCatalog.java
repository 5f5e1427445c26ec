package io.jknife.store;

import io.jknife.store.policy.Route;
import io.jknife.store.policy.RoutingPolicy;
import io.jknife.store.probe.HealthResult;
import io.jknife.store.probe.ModelProbe;
import io.jknife.store.probe.ModelProber;
import io.jknife.store.workspace.CleanState;
import io.jknife.store.workspace.WorkspaceSentinel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

/**
 * Probe → policy for store entries: turns a {@link ModelEntry} into the contract's model object.
 * Every path (list, show, health, the server, benchmarks) describes models through here.
 */
public final class ModelCatalog {
    private static final DateTimeFormatter UTC_SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

    private final ModelStore store;
    private final RoutingPolicy policy;

    public ModelCatalog(ModelStore store, RoutingPolicy policy) {
        this.store = store;
        this.policy = policy;
    }

    public ModelStore store() {
        return store;
    }

    public ModelProbe probe(ModelEntry entry) {
        List<String> incomplete = entry.repo() == null ? List.of() : entry.repo().incompleteBlobs();
        ModelProbe probe = ModelProber.probe(entry.files(), entry.variant(), entry.heuristicName(), incomplete);
        if (entry.repo() != null && entry.dir().equals(entry.repo().dir())) {
            // No snapshot at all: the repository is a download that never produced a file.
            String why = Files.isDirectory(entry.repo().snapshotsDir()) ? "No snapshots found" : "No snapshots directory found";
            return probe.withHealth(HealthResult.bad(why));
        }
        return probe;
    }

    /** This catalog with models routed only to the engine the user named ({@code --engine}); null keeps the preference order. */
    public ModelCatalog withEngine(String engine) {
        return engine == null || engine.isBlank() ? this : new ModelCatalog(store, policy.withEngine(engine));
    }

    public ModelInfo describe(ModelEntry entry) {
        ModelProbe probe = probe(entry);
        Route route = policy.route(probe);
        String origin = null;
        String contentHash = null;
        String hashModified = null;
        Boolean clean = null;
        if (!entry.cached()) {
            Optional<WorkspaceSentinel> sentinel = WorkspaceSentinel.read(entry.dir());
            if (sentinel.isPresent()) {
                origin = sentinel.get().sourceRepo().orElse(null);
                contentHash = sentinel.get().contentHash().orElse(null);
                hashModified = sentinel.get().hashModified().orElse(null);
                clean = CleanState.check(entry.dir()).clean();
            }
        }
        List<Path> sized = entry.variant() == null ? entry.files().allFiles() : probe.files();
        long size = 0;
        for (Path f : sized) {
            try {
                size += Files.size(f);
            } catch (IOException e) {
                // a vanished file counts as zero; health already says what is wrong
            }
        }
        FileTime mtime = entry.variant() == null ? mtime(entry.dir()) : newestMtime(sized);
        return new ModelInfo(entry.name(), entry.commit(), size, format(mtime), probe.framework(), probe.modelType(),
                probe.capabilities(), probe.healthy() ? "healthy" : "unhealthy", route.runtimeCompatible(),
                route.reason(), entry.cached(), origin, contentHash, hashModified, clean, route.engine(), null, entry, probe);
    }

    static String format(FileTime t) {
        return t == null ? null : UTC_SECONDS.format(t.toInstant().truncatedTo(ChronoUnit.SECONDS));
    }

    private static FileTime mtime(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return FileTime.from(Instant.EPOCH);
        }
    }

    private static FileTime newestMtime(List<Path> files) {
        FileTime newest = FileTime.from(Instant.EPOCH);
        for (Path f : files) {
            FileTime t = mtime(f);
            if (t.compareTo(newest) > 0) {
                newest = t;
            }
        }
        return newest;
    }
}
