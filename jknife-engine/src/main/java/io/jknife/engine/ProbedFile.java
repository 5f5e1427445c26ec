package io.jknife.engine;

import io.jknife.store.ModelEntry;
import io.jknife.store.probe.ModelFiles;
import io.jknife.store.probe.ModelProbe;
import io.jknife.store.probe.ModelProber;

import java.nio.file.Path;
import java.util.List;

/**
 * One model file taken from disk as the store would take it: its directory scanned, the variant
 * holding the file, and that variant probed. For tools, benchmarks and tests that load a file
 * directly; the CLI and the server load what the store resolved.
 *
 * @param entry the model as an engine's {@code load} takes it
 * @param probe what probing it says
 */
public record ProbedFile(ModelEntry entry, ModelProbe probe) {
    /**
     * Probes {@code file} (a GGUF file, the first part of a split model, or a whisper.cpp GGML file).
     *
     * @throws EngineException when no model variant of its directory holds the file
     */
    public static ProbedFile of(Path file) throws EngineException {
        Path f = file.toAbsolutePath().normalize();
        Path dir = f.getParent();
        ModelFiles files = ModelFiles.scan(dir);
        ModelFiles.Variant variant = files.modelVariants().stream()
                .filter(v -> v.files().stream().anyMatch(p -> p.toAbsolutePath().normalize().equals(f)))
                .findFirst()
                .orElseThrow(() -> new EngineException(f + " is not a model file (GGUF or whisper.cpp GGML)"));
        String dirName = dir.getFileName() == null ? "model" : dir.getFileName().toString();
        ModelProbe probe = ModelProber.probe(files, variant, dirName, List.of());
        return new ProbedFile(new ModelEntry(f.toString(), null, dir, null, files, variant, dirName), probe);
    }
}
