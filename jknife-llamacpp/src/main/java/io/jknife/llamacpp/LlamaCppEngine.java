package io.jknife.llamacpp;

import io.jknife.engine.EngineException;
import io.jknife.engine.LoadOptions;
import io.jknife.engine.ProbedFile;
import io.jknife.engine.LoadedModel;
import io.jknife.engine.TextEngine;
import io.jknife.formats.gguf.GgufReader;
import io.jknife.llamacpp.ffi.LlamaNative;
import io.jknife.store.ModelEntry;
import io.jknife.store.policy.EngineRegistry;
import io.jknife.store.policy.Route;
import io.jknife.store.policy.RoutingPolicy;
import io.jknife.store.probe.ModelFormat;
import io.jknife.store.probe.ModelProbe;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The llama.cpp engine (id {@value #ID}): runs GGUF text models with llama.cpp build b4916, the
 * native library shipped in {@code de.kherud:llama} 4.2.0, whose C API it calls through the FFM
 * API (not through the binding's Java classes: see {@code docs/PERFORMANCE.md} and the module's
 * notes for why). Registered for {@link java.util.ServiceLoader} in
 * {@code META-INF/services/io.jknife.engine.TextEngine}.
 *
 * <p>Nothing native sees a file that our own readers did not accept: {@link #load} refuses any
 * model the routing policy does not send to this engine (unhealthy files, known native hazards,
 * unknown architectures or pre-tokenizers), then re-reads every GGUF part's header with
 * {@link GgufReader} right before llama.cpp opens it.
 *
 * <p>The JVM needs {@code --enable-native-access=ALL-UNNAMED} (or {@code Enable-Native-Access:
 * ALL-UNNAMED} in the launched jar's manifest); without it Java prints a warning on first use.
 * Native log output goes to the {@link System.Logger} {@code io.jknife.llamacpp.native} at DEBUG.
 */
public final class LlamaCppEngine implements TextEngine {
    /** The engine id, as {@code engines.json} names it. */
    public static final String ID = "llama.cpp";
    /** The largest context allocated when {@link LoadOptions#contextSize()} is 0 (the model's own may be 128k). */
    public static final int DEFAULT_CONTEXT_CAP = 8192;
    /**
     * The largest embedding context allocated by default: an encoder attends over a whole input in
     * one micro-batch, whose attention buffers grow with the square of its length.
     */
    public static final int DEFAULT_EMBEDDING_CONTEXT_CAP = 2048;

    /** The most slots (KV-cache sequences) one loaded model gets. */
    public static final int MAX_PARALLEL = 64;
    /** The largest total context (all slots together) allocated: positions and cell indexes stay far below int overflow. */
    static final long MAX_TOTAL_CONTEXT = 1L << 24;

    /** Encoder-decoder architectures: llama.cpp needs llama_encode for them, which this engine does not do. */
    private static final Set<String> ENCODER_DECODER = Set.of("t5");

    private static final RoutingPolicy POLICY = new RoutingPolicy(EngineRegistry.builtIn());
    private static final MethodHandle ABORT_CHECK;

    static {
        try {
            ABORT_CHECK = MethodHandles.lookup().findVirtual(LlamaCppModel.AbortSignal.class, "check",
                    MethodType.methodType(boolean.class, MemorySegment.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** For {@link java.util.ServiceLoader}. */
    public LlamaCppEngine() {
    }

    @Override
    public String id() {
        return ID;
    }

    /**
     * Loads a GGUF model: an embedding model (the probe's {@link ModelProbe#embedder()}) as a
     * {@link LlamaCppEmbedder}, any other as a {@link LlamaCppModel} ({@link #loadText}).
     */
    @Override
    public LoadedModel load(ModelEntry entry, ModelProbe probe, LoadOptions options) throws EngineException {
        if (probe != null && probe.embedder() != ModelProbe.Embedder.NONE) {
            return loadEmbedder(entry, probe, options);
        }
        return loadText(entry, probe, options);
    }

    /**
     * Loads a GGUF embedding model with a context that outputs pooled embeddings.
     *
     * @param options context size (0: the model's own, at most {@value #DEFAULT_EMBEDDING_CONTEXT_CAP};
     *                also the longest input) and threads (0: one per core)
     */
    public LlamaCppEmbedder loadEmbedder(ModelEntry entry, ModelProbe probe, LoadOptions options) throws EngineException {
        Objects.requireNonNull(entry, "entry");
        Objects.requireNonNull(options, "options");
        List<Path> files = validate(entry, probe, true);
        LlamaNative nat = nativeLibrary();
        LlamaNative.Loaded m = nat.loadModel(files);
        if (m.failed()) {
            throw new EngineException("llama.cpp could not load " + entry.name() + reason(m.errors()));
        }
        MemorySegment model = m.pointer();
        try {
            if (nat.hasEncoder(model) && nat.hasDecoder(model)) {
                throw new EngineException(entry.name() + " is an encoder-decoder model; it has no sentence embeddings");
            }
            int contextSize = options.contextSize() > 0 ? options.contextSize()
                    : Math.min(DEFAULT_EMBEDDING_CONTEXT_CAP, defaultContextSize(probe.contextLength(), nat.trainContextLength(model)));
            LlamaNative.Loaded c = nat.newEmbeddingContext(model, contextSize, LlamaCppEmbedder.MAX_SEQUENCES,
                    options.effectiveThreads(), declaredPooling(probe));
            if (c.failed()) {
                throw new EngineException("llama.cpp could not allocate an embedding context of " + contextSize
                        + " tokens for " + entry.name() + reason(c.errors()));
            }
            if (nat.poolingType(c.pointer()) == LlamaNative.POOLING_RANK) {
                nat.freeContext(c.pointer());
                throw new EngineException(entry.name() + " is a reranker (pooling type rank), not an embedding model");
            }
            try {
                return new LlamaCppEmbedder(nat, entry.name(), model, c.pointer());
            } catch (RuntimeException e) {
                nat.freeContext(c.pointer());
                throw e;
            }
        } catch (EngineException | RuntimeException e) {
            nat.freeModel(model);
            throw e;
        }
    }

    /** The GGUF's {@code <arch>.pooling_type}, which llama.cpp b4916 ignores for decoder architectures. */
    private static int declaredPooling(ModelProbe probe) {
        Object p = probe.metadata().get("pooling_type");
        if (p instanceof Number n && n.intValue() >= LlamaNative.POOLING_NONE && n.intValue() <= LlamaNative.POOLING_RANK) {
            return n.intValue();
        }
        return LlamaNative.POOLING_UNSPECIFIED;
    }

    private static LlamaNative nativeLibrary() throws EngineException {
        try {
            return LlamaNative.get();
        } catch (IOException e) {
            throw new EngineException("llama.cpp is not available: " + e.getMessage(), e);
        }
    }

    /**
     * Loads a GGUF text model (all parts of a split one) and allocates its context.
     *
     * @param entry   the store entry; its variant's files are the GGUF parts, first part first
     * @param probe   the probe of that entry (must be healthy, without hazards, routed to llama.cpp)
     * @param options context size per slot (0: the model's own, at most {@value #DEFAULT_CONTEXT_CAP}), threads
     *                (0: one per core) and parallel slots (the context allocated is slots × context size)
     * @return a {@link LlamaCppModel}; close it to free its native memory
     * @throws EngineException with a one-line reason when the model is refused or llama.cpp cannot load it
     */
    public LlamaCppModel loadText(ModelEntry entry, ModelProbe probe, LoadOptions options) throws EngineException {
        Objects.requireNonNull(entry, "entry");
        Objects.requireNonNull(options, "options");
        List<Path> files = validate(entry, probe, false);
        LlamaNative nat;
        try {
            nat = LlamaNative.get();
        } catch (IOException e) {
            throw new EngineException("llama.cpp is not available: " + e.getMessage(), e);
        }
        LlamaNative.Loaded m = nat.loadModel(files);
        if (m.failed()) {
            throw new EngineException("llama.cpp could not load " + entry.name() + reason(m.errors()));
        }
        MemorySegment model = m.pointer();
        Arena arena = null;
        try {
            if (nat.hasEncoder(model) || !nat.hasDecoder(model)) {
                throw new EngineException(entry.name() + " is not a decoder-only model; the llama.cpp engine only generates with those");
            }
            int threads = options.effectiveThreads();
            int contextSize = options.contextSize() > 0 ? options.contextSize()
                    : defaultContextSize(probe.contextLength(), nat.trainContextLength(model));
            int parallel = options.parallel();
            if (parallel > MAX_PARALLEL) {
                throw new EngineException("parallel " + parallel + " is more than the llama.cpp engine's "
                        + MAX_PARALLEL + " slots per model");
            }
            long totalContext = (long) contextSize * parallel;
            if (totalContext > MAX_TOTAL_CONTEXT) {
                throw new EngineException(parallel + " slots of " + contextSize + " tokens (" + totalContext
                        + ") exceed the largest llama.cpp context, " + MAX_TOTAL_CONTEXT + " tokens");
            }
            arena = Arena.ofShared();
            LlamaCppModel.AbortSignal signal = new LlamaCppModel.AbortSignal();
            MemorySegment stub = nat.abortCallbackStub(ABORT_CHECK.bindTo(signal), arena);
            LlamaNative.Loaded c = nat.newContext(model, (int) totalContext, parallel, threads, stub, MemorySegment.NULL);
            if (c.failed()) {
                throw new EngineException("llama.cpp could not allocate a context of " + contextSize + " tokens"
                        + (parallel > 1 ? " for each of " + parallel + " slots" : "") + " for "
                        + entry.name() + reason(c.errors()));
            }
            try {
                return new LlamaCppModel(nat, entry.name(), model, c.pointer(), arena, signal, stub, threads, parallel);
            } catch (RuntimeException e) {
                nat.freeContext(c.pointer());
                throw e;
            }
        } catch (EngineException | RuntimeException e) {
            if (arena != null) {
                arena.close();
            }
            nat.freeModel(model);
            throw e;
        }
    }

    /**
     * Loads one GGUF text model file (the first part of a split model) from disk: scans its
     * directory, probes the variant holding it and loads it as {@link #loadText} does.
     * For tools and benchmarks; the CLI loads what the store resolved.
     */
    @Override
    public LlamaCppModel loadFile(Path gguf, LoadOptions options) throws EngineException {
        ProbedFile m = ProbedFile.of(gguf);
        return loadText(m.entry(), m.probe(), options);
    }

    /** Loads one GGUF embedding model file from disk, as {@link #loadEmbedder} does. */
    public LlamaCppEmbedder loadEmbedderFile(Path gguf, LoadOptions options) throws EngineException {
        ProbedFile m = ProbedFile.of(gguf);
        return loadEmbedder(m.entry(), m.probe(), options);
    }

    /** The context allocated for {@code contextSize 0}: the model's training context, capped. */
    static int defaultContextSize(Integer probed, int nativeTrain) {
        int train = probed != null && probed > 0 ? probed : nativeTrain;
        if (train <= 0) {
            train = 4096;
        }
        return Math.min(train, DEFAULT_CONTEXT_CAP);
    }

    /** The model's GGUF files, after every check that can be made without native code. */
    private static List<Path> validate(ModelEntry entry, ModelProbe probe, boolean embedding) throws EngineException {
        if (probe == null) {
            throw new EngineException(entry.name() + " was not probed; refusing to hand it to llama.cpp");
        }
        // asked for this engine by name: the policy says whether llama.cpp itself can run the model
        Route route = POLICY.route(probe, ID);
        if (!route.runtimeCompatible()) {
            throw new EngineException("Refused " + entry.name() + ": " + route.reason());
        }
        if (probe.format() != ModelFormat.GGUF || entry.variant() == null || entry.variant().files().isEmpty()) {
            throw new EngineException(entry.name() + " is not a GGUF model file");
        }
        if (embedding && probe.embedder() == ModelProbe.Embedder.NONE) {
            throw new EngineException(entry.name() + " is not an embedding model");
        }
        if (!embedding && probe.embedder() == ModelProbe.Embedder.ENCODER) {
            throw new EngineException(entry.name() + " is an embedding encoder (" + probe.architecture()
                    + "); it cannot generate text");
        }
        if (ENCODER_DECODER.contains(probe.architecture())) {
            throw new EngineException(entry.name() + " is an encoder-decoder model (" + probe.architecture()
                    + "); the llama.cpp engine only generates with decoder-only models");
        }
        List<Path> files = entry.variant().files();
        if (!probe.files().containsAll(files)) {
            throw new EngineException("the probe given for " + entry.name() + " does not describe its files");
        }
        for (Path f : files) {
            if (!Files.isRegularFile(f)) {
                throw new EngineException("model file missing: " + f);
            }
            try {
                // the file may have changed since it was probed: our reader sees it again first
                GgufReader.read(f);
            } catch (IOException e) {
                throw new EngineException("Refused " + entry.name() + ": invalid GGUF " + f.getFileName() + ": " + e.getMessage(), e);
            }
        }
        return files;
    }

    private static String reason(List<String> errors) {
        if (errors.isEmpty()) {
            return "";
        }
        String best = errors.stream().filter(s -> s.contains("error loading model")).findFirst().orElse(errors.getFirst());
        best = best.replaceFirst("^\\w+: ", "").replaceFirst("^error loading model: ", "").strip();
        return ": " + best;
    }
}
