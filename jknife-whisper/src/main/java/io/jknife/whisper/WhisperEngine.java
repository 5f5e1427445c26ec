package io.jknife.whisper;

import io.github.givimad.whisperjni.WhisperContext;
import io.github.givimad.whisperjni.WhisperContextParams;
import io.github.givimad.whisperjni.WhisperJNI;
import io.jknife.engine.EngineException;
import io.jknife.engine.LoadOptions;
import io.jknife.engine.ProbedFile;
import io.jknife.engine.SpeechEngine;
import io.jknife.formats.ggml.WhisperGgmlModel;
import io.jknife.formats.ggml.WhisperGgmlReader;
import io.jknife.store.ModelEntry;
import io.jknife.store.policy.EngineRegistry;
import io.jknife.store.policy.Route;
import io.jknife.store.policy.RoutingPolicy;
import io.jknife.store.probe.ModelFormat;
import io.jknife.store.probe.ModelProbe;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The whisper.cpp engine (id {@value #ID}): speech to text with whisper.cpp 1.7.1 through
 * {@code io.github.givimad:whisper-jni} 1.7.1. Registered for {@link java.util.ServiceLoader} in
 * {@code META-INF/services/io.jknife.engine.SpeechEngine}.
 *
 * <p>The binding aborts the whole JVM on some well-formed files (f32 convolution weights, a
 * vocabulary without {@code " "}, ...). Nothing native sees a file our own reader did not accept:
 * {@link #load} asks the routing policy (unhealthy files and the probe's native hazards are refused)
 * and re-reads the file with {@link WhisperGgmlReader} right before whisper.cpp opens it, refusing
 * any {@link WhisperGgmlModel#nativeHazards()}.
 */
public final class WhisperEngine implements SpeechEngine {
    /** The engine id, as {@code engines.json} names it. */
    public static final String ID = "whisper.cpp";

    private static final RoutingPolicy POLICY = new RoutingPolicy(EngineRegistry.builtIn());

    /** For {@link java.util.ServiceLoader}. */
    public WhisperEngine() {
    }

    @Override
    public String id() {
        return ID;
    }

    /**
     * Loads a whisper.cpp GGML model without a decoding state (each request creates its own).
     *
     * @param options only threads apply; they are the default of requests that ask for 0
     * @throws EngineException with a one-line reason when the model is refused or whisper.cpp cannot load it
     */
    @Override
    public WhisperModel load(ModelEntry entry, ModelProbe probe, LoadOptions options) throws EngineException {
        Objects.requireNonNull(entry, "entry");
        Objects.requireNonNull(options, "options");
        Path file = validate(entry, probe);
        WhisperGgmlModel model = readChecked(entry.name(), file);
        return open(entry.name(), file, model, options);
    }

    /**
     * Loads one {@code ggml-*.bin} file from disk as {@link #load} does: scans its directory and probes
     * the variant holding it first. For tools and benchmarks; the CLI loads what the store resolved.
     */
    public WhisperModel loadFile(Path ggml, LoadOptions options) throws EngineException {
        ProbedFile p = ProbedFile.of(ggml);
        return load(p.entry(), p.probe(), options);
    }

    /** The model file, after the routing policy's checks. */
    private static Path validate(ModelEntry entry, ModelProbe probe) throws EngineException {
        if (probe == null) {
            throw new EngineException(entry.name() + " was not probed; refusing to hand it to whisper.cpp");
        }
        if (probe.format() != ModelFormat.WHISPER_GGML || entry.variant() == null || entry.variant().files().size() != 1) {
            throw new EngineException(entry.name() + " is not a whisper.cpp GGML model (" + probe.format().label()
                    + "); the whisper.cpp engine only runs ggml-*.bin speech models");
        }
        Route route = POLICY.route(probe, ID);
        if (!route.runtimeCompatible()) {
            throw new EngineException("Refused " + entry.name() + ": " + route.reason());
        }
        Path file = entry.variant().files().getFirst();
        if (!probe.files().contains(file)) {
            throw new EngineException("the probe given for " + entry.name() + " does not describe its files");
        }
        if (!Files.isRegularFile(file)) {
            throw new EngineException("model file missing: " + file);
        }
        return file;
    }

    /** Re-reads the file (it may have changed since it was probed) and refuses what would crash the binding. */
    static WhisperGgmlModel readChecked(String name, Path file) throws EngineException {
        WhisperGgmlModel model;
        try {
            model = WhisperGgmlReader.read(file);
        } catch (IOException e) {
            throw new EngineException("Refused " + name + ": invalid whisper.cpp model " + file.getFileName() + ": " + e.getMessage(), e);
        }
        List<String> hazards = model.nativeHazards();
        if (!hazards.isEmpty()) {
            throw new EngineException("Refused " + name + " before loading (would crash whisper.cpp): " + String.join("; ", hazards));
        }
        return model;
    }

    private static WhisperModel open(String name, Path file, WhisperGgmlModel model, LoadOptions options) throws EngineException {
        WhisperJNI jni;
        try {
            jni = WhisperNative.get();
        } catch (IOException e) {
            throw new EngineException("whisper.cpp is not available: " + e.getMessage(), e);
        }
        WhisperContextParams params = new WhisperContextParams();
        params.useGPU = false; // the shipped linux-x86_64 library is CPU only
        WhisperContext ctx;
        WhisperNative.clearRecent();
        try {
            ctx = WhisperNative.changingRefs(() -> {
                try {
                    return jni.initNoState(file, params);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (RuntimeException e) {
            String why = e instanceof UncheckedIOException u ? u.getCause().getMessage() : e.getMessage();
            throw new EngineException("whisper.cpp could not load " + name + ": " + why, e);
        }
        if (ctx == null) {
            List<String> errors = WhisperNative.recentErrors();
            throw new EngineException("whisper.cpp could not load " + name + (errors.isEmpty() ? "" : ": " + errors.getLast()));
        }
        return new WhisperModel(jni, ctx, name, WhisperTraits.of(model.hparams()), options.threads());
    }
}
