package io.jknife.store.probe;

import io.jknife.formats.gguf.GgufFile;
import io.jknife.formats.gguf.GgufReader;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Probes one GGUF model (all parts of a split file) from its header: architecture, context
 * length, parameter count, quantization, tokenizer, chat template, pooling. Every part is read
 * by our bounds-checked reader, so a truncated or hostile file is unhealthy here, long before a
 * native library could see it.
 */
final class GgufProber {
    /** GGUF architectures that are sentence encoders: their output is an embedding, not text. */
    static final Set<String> ENCODER_ARCHITECTURES = Set.of(
            "bert", "nomic-bert", "nomic-bert-moe", "jina-bert-v2", "jina-bert-v3", "modern-bert", "neo-bert", "t5encoder");
    private static final Pattern SPLIT = Pattern.compile("(?i)-(\\d{5})-of-(\\d{5})\\.gguf$");

    private GgufProber() {
    }

    static ModelProbe probe(ModelFiles files, ModelFiles.Variant variant) {
        Path dir = files.dir();
        HealthResult health = fileHealth(files, variant);
        List<GgufFile> parts = new ArrayList<>();
        if (health.healthy()) {
            for (Path p : variant.files()) {
                try {
                    parts.add(GgufReader.read(p));
                } catch (IOException e) {
                    health = HealthResult.bad("Invalid GGUF " + FileChecks.relative(dir, p) + ": " + e.getMessage());
                    break;
                }
            }
        }
        if (health.healthy()) {
            health = splitHealth(dir, variant, parts);
        }
        if (parts.isEmpty() || !health.healthy()) {
            return new ModelProbe(ModelFormat.GGUF, Framework.GGUF, null, ModelType.BASE, List.of(Capability.TEXT_GENERATION),
                    null, null, null, null, false, health.reason(), List.of(), null, ModelProbe.Embedder.NONE, null,
                    Map.of(), variant.files());
        }
        GgufFile head = parts.getFirst();
        String arch = head.architecture();
        long params = parts.stream().mapToLong(GgufFile::parameterCount).sum();
        Integer ctx = arch == null ? null : intOrNull(head, arch + ".context_length");
        boolean chat = head.string("tokenizer.chat_template").filter(s -> !s.isBlank()).isPresent();
        long pooling = arch == null ? 0 : head.integer(arch + ".pooling_type").orElse(0);
        ModelProbe.Embedder embedder = arch != null && ENCODER_ARCHITECTURES.contains(arch) ? ModelProbe.Embedder.ENCODER
                : pooling > 0 ? ModelProbe.Embedder.DECODER : ModelProbe.Embedder.NONE;

        ModelType type;
        List<Capability> caps = new ArrayList<>();
        if (embedder != ModelProbe.Embedder.NONE) {
            type = ModelType.EMBEDDING;
            caps.add(Capability.EMBEDDINGS);
        } else {
            type = chat ? ModelType.CHAT : ModelType.BASE;
            caps.add(Capability.TEXT_GENERATION);
            if (chat) {
                caps.add(Capability.CHAT);
            }
            if (!files.mmprojFiles().isEmpty()) {
                caps.add(Capability.VISION);
            }
        }
        String quant = head.quantizationName();
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("architecture", arch);
        putIfPresent(meta, "name", head.string("general.name").orElse(null));
        putIfPresent(meta, "context_length", ctx);
        putIfPresent(meta, "embedding_length", arch == null ? null : intOrNull(head, arch + ".embedding_length"));
        putIfPresent(meta, "block_count", arch == null ? null : intOrNull(head, arch + ".block_count"));
        putIfPresent(meta, "head_count", arch == null ? null : intOrNull(head, arch + ".attention.head_count"));
        putIfPresent(meta, "head_count_kv", arch == null ? null : intOrNull(head, arch + ".attention.head_count_kv"));
        putIfPresent(meta, "vocab_size", head.array("tokenizer.ggml.tokens").map(a -> (Object) a.length()).orElse(null));
        putIfPresent(meta, "tokenizer_model", head.string("tokenizer.ggml.model").orElse(null));
        putIfPresent(meta, "tokenizer_pre", head.string("tokenizer.ggml.pre").orElse(null));
        putIfPresent(meta, "pooling_type", pooling > 0 ? pooling : null);
        putIfPresent(meta, "file_type", quant);
        // engines declare the tensor types they compute with; the policy compares against these
        meta.put("tensor_types", parts.stream().flatMap(p -> p.tensors().stream()).map(t -> t.type().name())
                .distinct().sorted().toList());
        meta.put("gguf_version", head.version());
        meta.put("tensor_count", parts.stream().mapToInt(p -> p.tensors().size()).sum());
        if (parts.size() > 1) {
            meta.put("split_count", parts.size());
        }
        if (!files.mmprojFiles().isEmpty()) {
            meta.put("mmproj", files.mmprojFiles().stream().map(p -> FileChecks.relative(dir, p)).toList());
        }
        List<Path> modelFiles = new ArrayList<>(variant.files());
        if (caps.contains(Capability.VISION)) {
            modelFiles.addAll(files.mmprojFiles());
        }
        return new ModelProbe(ModelFormat.GGUF, Framework.GGUF, arch, type, List.copyOf(caps), ctx, params, quant, null,
                true, "GGUF header and tensor table valid", List.of(), head.string("tokenizer.ggml.pre").orElse(null),
                embedder, null, meta, List.copyOf(modelFiles));
    }

    /** Files present, non-empty, not LFS pointers, no broken symlinks in the snapshot. */
    static HealthResult fileHealth(ModelFiles files, ModelFiles.Variant variant) {
        Path dir = files.dir();
        if (!files.brokenLinks().isEmpty()) {
            return HealthResult.bad("Broken symlinks (blob missing): " + FileChecks.joinRelative(dir, files.brokenLinks()));
        }
        for (Path p : variant.files()) {
            if (FileChecks.size(p) == 0) {
                return HealthResult.bad("Empty model file: " + FileChecks.relative(dir, p));
            }
            if (FileChecks.isLfsPointer(p)) {
                return HealthResult.bad("LFS pointers instead of files: " + FileChecks.relative(dir, p));
            }
        }
        return HealthResult.ok("");
    }

    /** A split GGUF needs every part 1..N, agreeing with the {@code split.count} key. */
    private static HealthResult splitHealth(Path dir, ModelFiles.Variant variant, List<GgufFile> parts) {
        Matcher m = SPLIT.matcher(variant.files().getFirst().getFileName().toString());
        int declared = parts.getFirst().splitCount().orElse(1);
        int byName = m.find() ? Integer.parseInt(m.group(2)) : 1;
        int expected = Math.max(declared, byName);
        if (parts.size() != expected) {
            return HealthResult.bad("Missing GGUF split parts: " + parts.size() + "/" + expected + " present");
        }
        for (int i = 0; i < parts.size(); i++) {
            int no = parts.get(i).splitIndex().orElse(i);
            if (no != i) {
                return HealthResult.bad("GGUF split part " + FileChecks.relative(dir, variant.files().get(i))
                        + " says it is part " + (no + 1) + ", expected " + (i + 1));
            }
        }
        return HealthResult.ok("");
    }

    private static Integer intOrNull(GgufFile f, String key) {
        var v = f.integer(key);
        return v.isPresent() ? (int) Math.min(Integer.MAX_VALUE, v.getAsLong()) : null;
    }

    private static void putIfPresent(Map<String, Object> m, String key, Object v) {
        if (v != null) {
            m.put(key, v);
        }
    }
}
