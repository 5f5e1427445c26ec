package io.jknife.server;

import io.jknife.engine.EngineException;
import io.jknife.runtime.RunPreflight;
import io.jknife.runtime.TextSession;
import io.jknife.store.ModelCatalog;
import io.jknife.store.ModelEntry;
import io.jknife.store.ModelInfo;
import io.jknife.store.ModelRef;
import io.jknife.store.Resolution;
import io.jknife.store.probe.Capability;
import io.jknife.store.probe.ModelType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Loads models on demand by name (cache and workspace-home names only, never paths from a
 * request), keyed by resolved identity; keeps at most {@code maxLoaded} (least recently used
 * evicted), unloads idle ones after the keep-alive, gates loads on free memory, and lets one
 * request at a time use a loaded model with a bounded queue behind it.
 */
public final class ModelManager implements AutoCloseable {
    /** Opens a session for a model (the real engine, or a fake in tests). */
    @FunctionalInterface
    public interface Loader {
        TextSession open(ModelInfo info) throws EngineException;
    }

    /** A request's model, resolved: the identity key, the name to show, and the catalog's description. */
    public record Resolved(String key, String id, ModelInfo info) {
    }

    /** A loaded model. */
    public static final class Loaded {
        final String key;
        final String id;
        final TextSession session;
        final Semaphore permit = new Semaphore(1, true);
        final AtomicInteger waiting = new AtomicInteger();
        int users; // guarded by the manager
        volatile long lastUsedNanos = System.nanoTime();

        Loaded(String key, String id, TextSession session) {
            this.key = key;
            this.id = id;
            this.session = session;
        }

        public String id() {
            return id;
        }
    }

    /** Exclusive use of a loaded model's session for one request; close releases it. */
    public final class Lease implements AutoCloseable {
        private final Loaded loaded;
        private boolean closed;

        Lease(Loaded loaded) {
            this.loaded = loaded;
        }

        public TextSession session() {
            return loaded.session;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            loaded.lastUsedNanos = System.nanoTime();
            loaded.permit.release();
            release(loaded);
        }
    }

    private final ModelCatalog catalog;
    private final Loader loader;
    private final MemoryGate gate;
    private final Metrics metrics;
    private final ServerConfig config;
    private final Consumer<String> log;
    private final LinkedHashMap<String, Loaded> loaded = new LinkedHashMap<>(16, 0.75f, true);
    private final Object loadLock = new Object();
    private final ScheduledExecutorService reaper;
    private volatile boolean closed;

    public ModelManager(ModelCatalog catalog, Loader loader, MemoryGate gate, Metrics metrics, ServerConfig config,
                        Consumer<String> log) {
        this.catalog = catalog;
        this.loader = loader;
        this.gate = gate;
        this.metrics = metrics;
        this.config = config;
        this.log = log;
        Duration keep = config.keepAlive();
        if (keep != null) {
            long period = Math.max(50, Math.min(1000, keep.toMillis() / 2));
            reaper = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("jknife-keep-alive").factory());
            reaper.scheduleWithFixedDelay(this::unloadIdle, period, period, TimeUnit.MILLISECONDS);
        } else {
            reaper = null;
        }
    }

    /** The id a model is listed under: the repository name for cache models, the directory name for workspaces. */
    public static String idOf(ModelEntry e) {
        if (e.cached()) {
            return e.name();
        }
        String base = e.dir().getFileName().toString();
        return e.variant() == null ? base : base + ":" + e.variant().name();
    }

    /** The models a client can chat with: healthy, runnable, not embedding or audio models. */
    public List<ModelInfo> runnable() {
        List<ModelInfo> out = new ArrayList<>();
        for (ModelEntry e : catalog.store().allEntries()) {
            try {
                ModelInfo info = catalog.describe(e);
                if (RunPreflight.check(e.name(), info).isEmpty() && info.capabilities().contains(Capability.TEXT_GENERATION)) {
                    out.add(info);
                }
            } catch (RuntimeException ex) {
                log.accept("skipping " + e.name() + ": " + ex.getMessage());
            }
        }
        return out;
    }

    /** Resolves a request's model name; 404 when unknown, 400 when ambiguous or a path, 422/501 when not runnable. */
    public Resolved resolve(String name) {
        if (name == null || name.isBlank()) {
            throw ApiException.invalidField("model", "'model' is required");
        }
        if (ModelRef.isExplicitPath(name) || name.contains("..") || name.contains("\\") || name.startsWith("~")
                || name.chars().filter(c -> c == '/').count() > 1) {
            throw new ApiException(400, "invalid_request_error", "invalid_model", "model",
                    "Model '" + name + "': paths are not accepted over HTTP; use a cache or workspace name", null);
        }
        ModelRef ref;
        try {
            ref = ModelRef.parse(name);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalidField("model", e.getMessage());
        }
        Resolution r = catalog.store().resolve(ref);
        ModelEntry entry = switch (r) {
            case Resolution.NotFound nf -> throw ApiException.notFound("Model '" + name + "' not found: " + nf.detail());
            case Resolution.Ambiguous a -> throw new ApiException(400, "invalid_request_error", "ambiguous_match", "model",
                    "Multiple models match '" + name + "': " + String.join(", ", a.matches()), null);
            case Resolution.Found f -> {
                if (f.single() == null) {
                    throw new ApiException(400, "invalid_request_error", "ambiguous_match", "model",
                            "Multiple models match '" + name + "': "
                                    + String.join(", ", f.entries().stream().map(ModelEntry::name).toList()), null);
                }
                yield f.single();
            }
        };
        ModelInfo info = catalog.describe(entry);
        var refusal = RunPreflight.check(name, info);
        if (refusal.isPresent()) {
            boolean notText = info.modelType() == ModelType.EMBEDDING || info.modelType() == ModelType.AUDIO;
            throw new ApiException(notText ? 400 : 501, notText ? "invalid_request_error" : "not_implemented",
                    "model_not_supported", "model", refusal.get(), null);
        }
        String key = entry.dir().toAbsolutePath().normalize() + (entry.variant() == null ? "" : "#" + entry.variant().name());
        return new Resolved(key, idOf(entry), info);
    }

    /** Loads the model if needed and waits for its turn; 503 when its queue is full or every loaded model is busy. */
    public Lease acquire(Resolved r) throws InterruptedException {
        Loaded l = ensureLoaded(r);
        boolean ok = false;
        try {
            if (!l.permit.tryAcquire()) {
                if (l.waiting.incrementAndGet() > config.maxQueue()) {
                    l.waiting.decrementAndGet();
                    throw ApiException.busy("Model '" + r.id() + "' is busy and its queue is full ("
                            + config.maxQueue() + " waiting); retry later", 2);
                }
                try {
                    l.permit.acquire();
                } finally {
                    l.waiting.decrementAndGet();
                }
            }
            ok = true;
            return new Lease(l);
        } finally {
            if (!ok) {
                release(l);
            }
        }
    }

    private Loaded ensureLoaded(Resolved r) throws InterruptedException {
        Loaded l = use(r.key());
        if (l != null) {
            return l;
        }
        synchronized (loadLock) {
            l = use(r.key());
            if (l != null) {
                return l;
            }
            if (closed) {
                throw new ApiException(503, "server_shutdown", "server_shutdown", null, "The server is shutting down", null);
            }
            long required = requiredBytes(r.info());
            if (required > gate.reading().totalBytes()) {
                gate.await(r.id(), required); // refuses at once with both sizes
            }
            makeRoom();
            gate.await(r.id(), required);
            long t0 = System.nanoTime();
            TextSession session;
            try {
                session = loader.open(r.info());
            } catch (EngineException e) {
                throw new ApiException(500, "server_error", "model_load_failed", "model",
                        "Model '" + r.id() + "' failed to load: " + e.getMessage(), null);
            }
            metrics.loads.increment();
            log.accept("loaded " + r.id() + " in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            Loaded fresh = new Loaded(r.key(), r.id(), session);
            synchronized (this) {
                fresh.users++;
                loaded.put(r.key(), fresh);
            }
            return fresh;
        }
    }

    private synchronized Loaded use(String key) {
        Loaded l = loaded.get(key);
        if (l != null) {
            l.users++;
        }
        return l;
    }

    private synchronized void release(Loaded l) {
        l.users--;
        l.lastUsedNanos = System.nanoTime();
    }

    /** Evicts least recently used idle models until one more fits under maxLoaded. */
    private void makeRoom() {
        List<Loaded> victims = new ArrayList<>();
        synchronized (this) {
            Iterator<Map.Entry<String, Loaded>> it = loaded.entrySet().iterator();
            int count = loaded.size();
            while (count >= config.maxLoaded() && it.hasNext()) {
                Loaded l = it.next().getValue();
                if (l.users == 0) {
                    it.remove();
                    victims.add(l);
                    count--;
                }
            }
            if (count >= config.maxLoaded()) {
                throw ApiException.busy("All " + config.maxLoaded() + " loaded model(s) are busy; retry later (or raise --max-loaded)", 2);
            }
        }
        for (Loaded v : victims) {
            unload(v, "evicted");
        }
    }

    private void unload(Loaded l, String why) {
        try {
            l.session.close();
        } catch (RuntimeException e) {
            log.accept("unloading " + l.id + " failed: " + e.getMessage());
        }
        metrics.unloads.increment();
        log.accept("unloaded " + l.id + " (" + why + ")");
    }

    void unloadIdle() {
        Duration keep = config.keepAlive();
        if (keep == null) {
            return;
        }
        List<Loaded> victims = new ArrayList<>();
        long now = System.nanoTime();
        synchronized (this) {
            Iterator<Map.Entry<String, Loaded>> it = loaded.entrySet().iterator();
            while (it.hasNext()) {
                Loaded l = it.next().getValue();
                if (l.users == 0 && now - l.lastUsedNanos >= keep.toNanos()) {
                    it.remove();
                    victims.add(l);
                }
            }
        }
        for (Loaded v : victims) {
            unload(v, "idle for " + keep.toMillis() + " ms");
        }
    }

    /** Model file bytes + a KV cache estimate + the configured margin. */
    public long requiredBytes(ModelInfo info) {
        long files = 0;
        if (info.probe() != null && info.probe().files() != null) {
            for (Path p : info.probe().files()) {
                try {
                    files += Files.size(p);
                } catch (IOException e) {
                    // counted by size_bytes below
                }
            }
        }
        if (files == 0) {
            files = info.sizeBytes();
        }
        return files + kvEstimate(info, files) + config.memoryMargin();
    }

    /**
     * A rough KV cache size: f16 keys and values for the context, scaled from the weights (about
     * 1/16 of the weights per 4096 tokens for common dense models), at least 1 MiB.
     */
    long kvEstimate(ModelInfo info, long weights) {
        int ctx = config.contextSize() > 0 ? config.contextSize()
                : info.probe() != null && info.probe().contextLength() != null ? info.probe().contextLength() : 4096;
        return Math.max(1L << 20, (long) (weights / 16.0 * ctx / 4096.0));
    }

    /** Ids of the loaded models, least recently used first. */
    public synchronized List<String> loadedIds() {
        return loaded.values().stream().map(l -> l.id).toList();
    }

    public synchronized int loadedCount() {
        return loaded.size();
    }

    public synchronized int queueDepth() {
        return loaded.values().stream().mapToInt(l -> l.waiting.get()).sum();
    }

    /** Stops every running generation (shutdown). */
    public synchronized void cancelAll() {
        for (Loaded l : loaded.values()) {
            l.session.cancel();
        }
    }

    @Override
    public void close() {
        closed = true;
        if (reaper != null) {
            reaper.shutdownNow();
        }
        List<Loaded> all;
        synchronized (this) {
            all = new ArrayList<>(loaded.values());
            loaded.clear();
        }
        for (Loaded l : all) {
            l.session.cancel();
        }
        for (Loaded l : all) {
            boolean idle = false;
            try {
                // let the cancelled generation return before its native model is freed
                idle = l.permit.tryAcquire(3, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (idle) {
                unload(l, "shutdown");
            } else {
                log.accept("not freeing " + l.id + ": its generation did not stop in time");
            }
        }
    }
}
