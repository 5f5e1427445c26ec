package io.jknife.java;

import io.jknife.engine.EngineException;
import io.jknife.engine.LoadOptions;
import io.jknife.engine.ProbedFile;
import io.jknife.engine.TextEngine;
import io.jknife.formats.FormatException;
import io.jknife.formats.gguf.GgufReader;
import io.jknife.formats.gguf.GgufTensorInfo;
import io.jknife.java.model.Family;
import io.jknife.java.model.Model;
import io.jknife.java.vision.VisionLanguageModel;
import io.jknife.java.vision.VisionModels;
import io.jknife.java.weights.FallbackKernels;
import io.jknife.java.weights.Kernels;
import io.jknife.java.weights.SafetensorsModel;
import io.jknife.java.weights.TensorKernels;
import io.jknife.store.ModelEntry;
import io.jknife.store.probe.ModelFiles;
import io.jknife.store.probe.ModelFormat;
import io.jknife.store.probe.ModelProbe;
import io.jknife.store.probe.ModelProber;
import io.jknife.tensor.Interleaved;
import io.jknife.tensor.WeightTensor;
import io.jknife.tokenizer.GgufTokenizers;
import io.jknife.tokenizer.HfTokenizers;
import io.jknife.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * The pure-Java engine (id {@value #ID}): Llama-family decoders (llama incl. Mistral,
 * qwen2, qwen3, gemma2, gemma3 text, phi3), from GGUF files or Hugging Face safetensors
 * checkpoints (plain or MLX-quantized), computed with the Vector API on memory-mapped weights,
 * tokenized by {@code jknife-tokenizer}. Registered for {@link java.util.ServiceLoader} in
 * {@code META-INF/services/io.jknife.engine.TextEngine}. The JVM needs
 * {@code --add-modules jdk.incubator.vector}.
 */
public final class JavaEngine implements TextEngine {
    /** The engine id, as the routing policy names it. */
    public static final String ID = "java";
    /** The largest context allocated when {@link LoadOptions#contextSize()} is 0 (as the llama.cpp engine; the KV cache grows on the heap as the context fills). */
    public static final int DEFAULT_CONTEXT_CAP = 8192;
    /** System property: {@code fallback} selects the plain kernels instead of {@code jknife-tensor}'s. */
    public static final String KERNELS_PROPERTY = "jknife.java.kernels";

    /** For {@link java.util.ServiceLoader}. */
    public JavaEngine() {
    }

    @Override
    public String id() {
        return ID;
    }

    /**
     * Maps the model's GGUF files or safetensors checkpoint and allocates its KV cache.
     *
     * @throws EngineException with a one-line reason when the model is not a healthy GGUF or safetensors decoder of a
     *                         supported architecture and weight type, or does not fit in memory
     */
    @Override
    public JavaModel load(ModelEntry entry, ModelProbe probe, LoadOptions options) throws EngineException {
        Objects.requireNonNull(entry, "entry");
        Objects.requireNonNull(options, "options");
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            // without it the first kernel would fail with NoClassDefFoundError deep inside the load
            throw new EngineException("the Java engine needs the JVM option --add-modules jdk.incubator.vector"
                    + " (the ./jknife launcher adds it); or choose another engine with --engine llamacpp");
        }
        boolean gguf = validate(entry, probe);
        List<Path> files = gguf ? entry.variant().files() : List.of();
        Model model = null;
        VisionLanguageModel vision = null; // owns model once made
        // the vocabulary (often 100k+ tokens) is built while the weights are mapped
        FutureTask<Tokenizer> tokenizer = new FutureTask<>(() -> gguf
                ? GgufTokenizers.from(GgufReader.read(files.getFirst())) : HfTokenizers.from(entry.dir()));
        Thread.ofVirtual().name("jknife-java-tokenizer").start(tokenizer);
        try {
            int context = options.contextSize() > 0 ? options.contextSize() : defaultContext(probe.contextLength());
            Kernels kernels = kernels(options.effectiveThreads(), options.idleAfterLoad());
            if (gguf) {
                model = Model.load(files, kernels, context, Model.DEFAULT_BATCH);
                Optional<Path> mmproj = mmproj(entry);
                if (mmproj.isPresent()) {
                    vision = VisionModels.forMmproj(mmproj.get(), files.getFirst(), model).orElse(null);
                }
            } else {
                SafetensorsModel weights = openSafetensors(entry.dir(), kernels);
                model = Model.load(weights, kernels, context, Model.DEFAULT_BATCH);
                vision = VisionModels.forCheckpoint(entry.dir(), weights, model).orElse(null);
            }
            Tokenizer tok = tokenizer(tokenizer);
            if (tok.vocabularySize() > model.transformer().vocabularySize()) {
                throw new FormatException("the vocabulary has " + tok.vocabularySize()
                        + " tokens but the embeddings only " + model.transformer().vocabularySize());
            }
            JavaModel loaded = new JavaModel(entry.name(), model, tok, options.effectiveThreads(), vision,
                    options.parallel());
            if (options.idleAfterLoad()) {
                loaded.warmUpInBackground();
            }
            return loaded;
        } catch (IOException e) {
            close(model, vision);
            throw new EngineException("the Java engine could not load " + entry.name() + ": " + e.getMessage(), e);
        } catch (OutOfMemoryError e) {
            close(model, vision);
            throw new EngineException("not enough Java heap for " + entry.name() + " (the KV cache of its context;"
                    + " give a smaller --ctx-size or a larger -Xmx)", e);
        } catch (RuntimeException e) {
            close(model, vision);
            throw e;
        } finally {
            tokenizer.cancel(true);
        }
    }

    /**
     * The repository's vision projector for a GGUF model ({@code mmproj*.gguf} beside it); with several,
     * the first by name, preferring one in F16 (what the converters write by default).
     */
    private static Optional<Path> mmproj(ModelEntry entry) {
        List<Path> files = entry.files() == null ? List.of() : entry.files().mmprojFiles().stream().sorted().toList();
        return files.stream().filter(f -> f.getFileName().toString().toLowerCase(java.util.Locale.ROOT).contains("f16"))
                .findFirst().or(() -> files.stream().findFirst());
    }

    /** Opens a safetensors checkpoint; closes {@code kernels} when that fails (Model.load owns them after). */
    private static SafetensorsModel openSafetensors(Path dir, Kernels kernels) throws IOException {
        try {
            return SafetensorsModel.open(dir);
        } catch (IOException | RuntimeException e) {
            kernels.close();
            throw e;
        }
    }

    private static Tokenizer tokenizer(FutureTask<Tokenizer> task) throws IOException {
        try {
            return task.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading the vocabulary", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException r) {
                throw r;
            }
            throw new IOException("cannot read the vocabulary: " + c, c);
        }
    }

    /**
     * Loads one GGUF file (the first part of a split model) from disk, probing its directory as the
     * store would. For tools and benchmarks; the CLI loads what the store resolved.
     */
    @Override
    public JavaModel loadFile(Path gguf, LoadOptions options) throws EngineException {
        ProbedFile p = ProbedFile.of(gguf);
        return load(p.entry(), p.probe(), options);
    }

    /**
     * Loads the Hugging Face checkpoint in {@code dir} (config.json, safetensors, tokenizer.json),
     * probing it as the store would. For tools and benchmarks; the CLI loads what the store resolved.
     */
    public JavaModel loadDirectory(Path dir, LoadOptions options) throws EngineException {
        Path d = dir.toAbsolutePath().normalize();
        ModelFiles files = ModelFiles.scan(d);
        String dirName = d.getFileName() == null ? "model" : d.getFileName().toString();
        ModelProbe probe = ModelProber.probe(files, null, dirName, List.of());
        return load(new ModelEntry(d.toString(), null, d, null, files, null, dirName), probe, options);
    }

    /**
     * For GGUF, the model files with every matrix at the size {@link Interleaved} gives it (Q4_K and
     * Q6_K grow when repacked); safetensors and unreadable files as the default says.
     */
    @Override
    public long weightBytes(ModelEntry entry, ModelProbe probe) {
        long files = TextEngine.super.weightBytes(entry, probe);
        if (probe == null || probe.format() != ModelFormat.GGUF || probe.files() == null) {
            return files;
        }
        long bytes = files;
        try {
            for (Path p : probe.files()) {
                for (GgufTensorInfo t : GgufReader.read(p).tensors()) {
                    long[] dims = t.dims();
                    if (dims.length == 2 && WeightTensor.supports(t.type())) {
                        bytes += Interleaved.bytes(t.type(), dims[1], dims[0]) - t.byteSize();
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return files; // the load will say what is wrong with the file
        }
        return bytes;
    }

    /** The kernels for {@code threads} threads: {@code jknife-tensor}'s, or the plain ones when asked for. */
    public static Kernels kernels(int threads) {
        return kernels(threads, false);
    }

    /** The kernels, repacking in the background after the load when {@code idleAfterLoad} (see {@link TensorKernels}). */
    static Kernels kernels(int threads, boolean idleAfterLoad) {
        return "fallback".equals(System.getProperty(KERNELS_PROPERTY))
                ? new FallbackKernels(threads) : new TensorKernels(threads, idleAfterLoad);
    }

    static int defaultContext(Integer trained) {
        return trained != null && trained > 0 ? Math.min(trained, DEFAULT_CONTEXT_CAP) : DEFAULT_CONTEXT_CAP;
    }

    /** Refuses what the engine cannot load, before anything is mapped; true for GGUF, false for safetensors. */
    private static boolean validate(ModelEntry entry, ModelProbe probe) throws EngineException {
        if (probe == null) {
            throw new EngineException(entry.name() + " was not probed; refusing to load it");
        }
        if (!probe.healthy()) {
            throw new EngineException("Refused " + entry.name() + ": " + probe.healthReason());
        }
        if (probe.embedder() == ModelProbe.Embedder.ENCODER) {
            throw new EngineException(entry.name() + " is an embedding encoder (" + probe.architecture()
                    + "); it cannot generate text");
        }
        if (probe.format() == ModelFormat.SAFETENSORS) {
            if (entry.dir() == null || !Files.isRegularFile(entry.dir().resolve("config.json"))) {
                throw new EngineException(entry.name() + " has no config.json");
            }
            return false;
        }
        if (probe.format() != ModelFormat.GGUF || entry.variant() == null || entry.variant().files().isEmpty()) {
            throw new EngineException(entry.name() + " is a " + probe.format().label()
                    + " model; the Java engine runs GGUF files and safetensors checkpoints");
        }
        if (Family.of(probe.architecture()).isEmpty()) {
            throw new EngineException("model_type '" + probe.architecture() + "' is not supported by the Java engine"
                    + " (llama, qwen2, qwen3, gemma2, gemma3, phi3)");
        }
        for (Path f : entry.variant().files()) {
            if (!Files.isRegularFile(f)) {
                throw new EngineException("model file missing: " + f);
            }
        }
        return true;
    }

    private static void close(Model m, VisionLanguageModel vision) {
        if (vision != null) {
            vision.close();
        } else if (m != null) {
            m.close();
        }
    }
}
