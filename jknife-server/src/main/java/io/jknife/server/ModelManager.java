package io.jknife.server;

import io.jknife.engine.EngineCatalog;
import io.jknife.engine.EngineException;
import io.jknife.engine.LoadOptions;
import io.jknife.engine.SpeechEngineCatalog;
import io.jknife.engine.SpeechModel;
import io.jknife.engine.TranscriptionRequest;
import io.jknife.runtime.RunPreflight;
import io.jknife.runtime.TextSession;
import io.jknife.store.ModelCatalog;
import io.jknife.store.ModelEntry;
import io.jknife.store.ModelInfo;
import io.jknife.store.ModelRef;
import io.jknife.store.Resolution;
import io.jknife.store.probe.Capability;
import io.jknife.store.probe.ModelType;
import io.jknife.whisper.SpeechPreflight;
import io.jknife.whisper.Transcriber;

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
 * request at a time use a loaded model with a bounded queue behind it. Speech-to-text models are
 * held the same way (same keys, LRU, keep-alive and memory gate) but serve concurrent requests,
 * each with its own engine state. A switch (any load after the first) to a vision or speech model
 * also waits for the configured floor of free memory ({@link ServerConfig.SwitchFloors}).
 */
public final class ModelManager implements AutoCloseable {
    /** Opens a session for a model (the real engine, or a fake in tests). */
    @FunctionalInterface
    public interface Loader {
        TextSession open(ModelInfo info) throws EngineException;
    }

    /** Loads a speech-to-text model (the engine the routing policy chose, or a fake in tests). */
    @FunctionalInterface
    public interface SpeechLoader {
        SpeechModel open(ModelInfo info) throws EngineException;
    }


    /** A request's model, resolved: the identity key, the name to show, and the catalog's description. */
    public record Resolved(String key, String id, ModelInfo info) {
    }

    /** A loaded model. */
    public static final class Loaded {
        final String key;
        final String id;
        final TextSession session; // null for a speech model
        final SpeechModel speech; // null for a text model
        /** One permit per generation the model runs at once (its engine's parallel slots). */
        final Semaphore permit;
        final int slots;
        final AtomicInteger waiting = new AtomicInteger();
        int users; // guarded by the manager
        volatile long lastUsedNanos = System.nanoTime();

        Loaded(String key, String id, TextSession session, SpeechModel speech) {
            this.key = key;
            this.id = id;
            this.session = session;
            this.speech = speech;
            this.slots = session == null ? 1 : Math.max(1, session.model().parallel());
            this.permit = new Semaphore(slots, true);
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

    /** Use of a loaded speech model by one request (others may use it at the same time); close releases it. */
    public final class SpeechLease implements AutoCloseable {
        private final Loaded loaded;
        private boolean closed;

        SpeechLease(Loaded loaded) {
            this.loaded = loaded;
        }

        public SpeechModel model() {
            return loaded.speech;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                release(loaded);
            }
        }
    }

    private final ModelCatalog catalog;
    private final Loader loader;
    private final SpeechLoader speechLoader;
    private final MemoryGate gate;
    private final Metrics metrics;
    private final ServerConfig config;
    private final Consumer<String> log;
    private final LinkedHashMap<String, Loaded> loaded = new LinkedHashMap<>(16, 0.75f, true);
    private final Object loadLock = new Object();
    private final ScheduledExecutorService reaper;
    private volatile boolean closed;
    /** Whether a model was loaded before: later loads are switches (guarded by loadLock). */
    private boolean switched;

    public ModelManager(ModelCatalog catalog, Loader loader, MemoryGate gate, Metrics metrics, ServerConfig config,
                        Consumer<String> log) {
        this(catalog, loader, info -> Transcriber.load(info, SpeechEngineCatalog.discover(),
                new LoadOptions(0, config.threads())), gate, metrics, config, log);
    }

    public ModelManager(ModelCatalog catalog, Loader loader, SpeechLoader speechLoader, MemoryGate gate, Metrics metrics,
                        ServerConfig config, Consumer<String> log) {
        this.catalog = catalog;
        this.loader = loader;
        this.speechLoader = speechLoader;
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

    /** The models a client can use: healthy, runnable chat models and speech-to-text models. */
    public List<ModelInfo> runnable() {
        List<ModelInfo> out = new ArrayList<>();
        for (ModelEntry e : catalog.store().allEntries()) {
            try {
                ModelInfo info = catalog.describe(e);
                boolean embeddings = info.healthy() && info.runtimeCompatible() && info.capabilities().contains(Capability.EMBEDDINGS);
                if (RunPreflight.check(e.name(), info).isEmpty() && info.capabilities().contains(Capability.TEXT_GENERATION)
                        || SpeechPreflight.check(e.name(), info, TranscriptionRequest.defaults()).isEmpty() || embeddings) {
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
        ModelEntry entry = entryFor(name);
        ModelInfo info = catalog.describe(entry);
        var refusal = RunPreflight.check(name, info);
        if (refusal.isPresent()) {
            boolean notText = info.modelType() == ModelType.EMBEDDING || info.modelType() == ModelType.AUDIO;
            String why = info.modelType() == ModelType.AUDIO && info.healthy()
                    ? "Model '" + name + "' is a speech-to-text model: send audio to POST /v1/audio/transcriptions (or /v1/audio/translations)"
                    : refusal.get();
            throw new ApiException(notText ? 400 : 501, notText ? "invalid_request_error" : "not_implemented",
                    "model_not_supported", "model", why, null);
        }
        return new Resolved(keyOf(entry), idOf(entry), info);
    }

    /** Resolves the model of an audio request; 400 with the probe's reason when it cannot serve {@code request}. */
    public Resolved resolveSpeech(String name, TranscriptionRequest request) {
        ModelEntry entry = entryFor(name);
        ModelInfo info = catalog.describe(entry);
        var refusal = SpeechPreflight.check(name, info, request);
        if (refusal.isPresent()) {
            throw new ApiException(400, "invalid_request_error", "model_not_supported", "model", refusal.get(), null);
        }
        return new Resolved(keyOf(entry), idOf(entry), info);
    }

    private static String keyOf(ModelEntry entry) {
        return entry.dir().toAbsolutePath().normalize() + (entry.variant() == null ? "" : "#" + entry.variant().name());
    }

    private ModelEntry entryFor(String name) {
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
        return entry;
    }

    /** Loads the model if needed and waits for its turn; 503 when its queue is full or every loaded model is busy. */
    public Lease acquire(Resolved r) throws InterruptedException {
        Loaded l = ensureLoaded(r, false);
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

    /**
     * Loads a model ahead of requests ({@code serve --model}): a chat model, or a speech-to-text
     * model. A chat model may then prepare for its first request in the background
     * ({@link io.jknife.engine.LoadedModel#warmUpInBackground()}): the server waits for one anyway.
     */
    public void preload(String name) throws InterruptedException {
        ModelInfo info = catalog.describe(entryFor(name));
        if (info.modelType() == ModelType.AUDIO) {
            acquireSpeech(resolveSpeech(name, TranscriptionRequest.defaults())).close();
        } else {
            try (Lease lease = acquire(resolve(name))) {
                lease.session().model().warmUpInBackground();
            }
        }
    }

    /** Loads the speech model if needed; requests share it (each transcription has its own state). */
    public SpeechLease acquireSpeech(Resolved r) throws InterruptedException {
        return new SpeechLease(ensureLoaded(r, true));
    }

    private Loaded ensureLoaded(Resolved r, boolean speech) throws InterruptedException {
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
            long required = Math.max(requiredBytes(r.info()), switched ? switchFloor(r.info(), speech) : 0);
            if (required > gate.reading().totalBytes()) {
                gate.await(r.id(), required); // refuses at once with both sizes
            }
            makeRoom();
            gate.await(r.id(), required);
            long t0 = System.nanoTime();
            TextSession session = null;
            SpeechModel speechModel = null;
            try {
                if (speech) {
                    speechModel = speechLoader.open(r.info());
                } else {
                    session = loader.open(r.info());
                }
            } catch (EngineException e) {
                throw new ApiException(500, "server_error", "model_load_failed", "model",
                        "Model '" + r.id() + "' failed to load: " + e.getMessage(), null);
            }
            metrics.loads.increment();
            switched = true;
            log.accept("loaded " + r.id() + " in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            Loaded fresh = new Loaded(r.key(), r.id(), session, speechModel);
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
            if (l.speech != null) {
                l.speech.close();
            } else {
                l.session.close();
            }
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

    /** The free memory a switch to this model waits for: the vision or speech floor, else none. */
    long switchFloor(ModelInfo info, boolean speech) {
        ServerConfig.SwitchFloors f = config.switchFloors();
        return speech ? f.speechBytes() : info.capabilities().contains(Capability.VISION) ? f.visionBytes() : 0;
    }

    /**
     * The weights as the routed engine will hold them ({@link io.jknife.engine.TextEngine#weightBytes}: file bytes, or
     * more where it repacks them) + a KV cache estimate + the configured margin.
     */
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
        long weights = info.engine() == null ? 0 : Engines.CATALOG.get(info.engine())
                .map(e -> e.weightBytes(info.entry(), info.probe())).orElse(0L);
        return Math.max(files, weights) + kvEstimate(info, files) + config.memoryMargin();
    }

    /** The engines, found when first asked (what each says about its memory). */
    private static final class Engines {
        static final EngineCatalog CATALOG = EngineCatalog.discover();
    }

    /**
     * A rough KV cache size: f16 keys and values for the context, scaled from the weights (about
     * 1/16 of the weights per 4096 tokens for common dense models), at least 1 MiB.
     */
    long kvEstimate(ModelInfo info, long weights) {
        int ctx = config.contextSize() > 0 ? config.contextSize()
                : info.probe() != null && info.probe().contextLength() != null ? info.probe().contextLength() : 4096;
        // parallel slots each hold a context of their own
        return Math.max(1L << 20, (long) (weights / 16.0 * ctx / 4096.0)) * Math.max(1, config.parallel());
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
            if (l.session != null) {
                l.session.cancel();
            }
        }
    }

    private boolean awaitUnused(Loaded l, long millis) throws InterruptedException {
        long end = System.nanoTime() + millis * 1_000_000;
        while (true) {
            synchronized (this) {
                if (l.users <= 0) {
                    return true;
                }
            }
            if (System.nanoTime() > end) {
                return false;
            }
            Thread.sleep(20);
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
            if (l.session != null) {
                l.session.cancel();
            }
        }
        for (Loaded l : all) {
            boolean idle = false;
            try {
                // let the cancelled generation return before its native model is freed; a transcription
                // cannot be cancelled, so a speech model still in use is left to the process exit
                idle = l.speech != null ? awaitUnused(l, 3000) : l.permit.tryAcquire(l.slots, 3, TimeUnit.SECONDS);
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
