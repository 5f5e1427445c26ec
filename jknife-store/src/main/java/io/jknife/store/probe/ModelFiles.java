package io.jknife.store.probe;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The files of one model directory (a snapshot or a workspace), sorted into what matters for
 * probing: GGUF model files grouped into variants, whisper.cpp GGML files, mmproj projectors,
 * Hugging Face weights, broken symlinks. Reads at most four bytes of a {@code .bin} file.
 */
public record ModelFiles(
        Path dir,
        List<Path> allFiles,
        List<Path> brokenLinks,
        Map<String, Variant> ggufVariants,
        Map<String, Variant> whisperVariants,
        List<Path> mmprojFiles,
        List<Path> safetensors,
        List<Path> pytorchBins) {

    /** One model file of a multi-model repository; a split GGUF has several parts. */
    public record Variant(String name, List<Path> files) {
    }

    private static final Pattern SPLIT = Pattern.compile("(?i)^(.*)-(\\d{5})-of-(\\d{5})$");
    private static final Pattern QUANT_TAG = Pattern.compile(
            "(?i)(?:^|[-._])((?:I?Q\\d(?:_[A-Z0-9]+)*)|F16|F32|BF16|FP16|FP32)$");
    /** whisper.cpp's legacy GGML magic 0x67676d6c, stored little-endian. */
    private static final byte[] GGML_MAGIC = {0x6c, 0x6d, 0x67, 0x67};

    public static ModelFiles scan(Path dir) {
        List<Path> files = new ArrayList<>();
        List<Path> broken = new ArrayList<>();
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                    // Dot directories (.hf_cache, .git, ...) are private state, never model files.
                    if (!d.equals(dir) && d.getFileName().toString().startsWith(".")) {
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
                    if (attrs.isSymbolicLink()) {
                        if (Files.isRegularFile(f)) {
                            files.add(f);
                        } else if (!Files.exists(f)) {
                            broken.add(f);
                        }
                    } else if (attrs.isRegularFile()) {
                        files.add(f);
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path f, IOException e) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // an unreadable directory simply yields fewer files; health reports what is missing
        }
        files.sort(Comparator.comparing(Path::toString));
        broken.sort(Comparator.comparing(Path::toString));

        Map<String, List<Path>> ggufStems = new TreeMap<>();
        List<Path> mmproj = new ArrayList<>();
        List<Path> whisper = new ArrayList<>();
        List<Path> st = new ArrayList<>();
        List<Path> bins = new ArrayList<>();
        for (Path f : files) {
            String name = f.getFileName().toString();
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.endsWith(".gguf")) {
                if (lower.startsWith("mmproj")) {
                    mmproj.add(f);
                } else {
                    String stem = name.substring(0, name.length() - 5);
                    Matcher m = SPLIT.matcher(stem);
                    ggufStems.computeIfAbsent(m.matches() ? m.group(1) : stem, k -> new ArrayList<>()).add(f);
                }
            } else if (lower.endsWith(".safetensors")) {
                st.add(f);
            } else if (lower.endsWith(".bin")) {
                if (hasGgmlMagic(f)) {
                    whisper.add(f);
                } else {
                    bins.add(f);
                }
            }
        }
        Map<String, Variant> gguf = variants(ggufStems, true);
        Map<String, List<Path>> whisperStems = new TreeMap<>();
        for (Path f : whisper) {
            String stem = f.getFileName().toString().replaceFirst("(?i)\\.bin$", "");
            whisperStems.put(stem.replaceFirst("^ggml-", ""), List.of(f));
        }
        return new ModelFiles(dir, List.copyOf(files), List.copyOf(broken), gguf, variants(whisperStems, false),
                List.copyOf(mmproj), List.copyOf(st), List.copyOf(bins));
    }

    /**
     * Variant names: the quantization tag at the end of a GGUF stem ({@code Q4_K_M}) when that
     * names every file uniquely, else the whole stem.
     */
    private static Map<String, Variant> variants(Map<String, List<Path>> stems, boolean useQuantTag) {
        Map<String, String> names = new LinkedHashMap<>();
        boolean unique = useQuantTag;
        for (String stem : stems.keySet()) {
            String tag = null;
            if (useQuantTag) {
                Matcher m = QUANT_TAG.matcher(stem);
                tag = m.find() ? m.group(1) : null;
            }
            if (tag == null || names.containsValue(tag)) {
                unique = false;
            }
            names.put(stem, tag);
        }
        Map<String, Variant> result = new LinkedHashMap<>();
        for (Map.Entry<String, List<Path>> e : stems.entrySet()) {
            String name = unique ? names.get(e.getKey()) : e.getKey();
            List<Path> parts = new ArrayList<>(e.getValue());
            parts.sort(Comparator.comparing(p -> p.getFileName().toString()));
            result.put(name, new Variant(name, Collections.unmodifiableList(parts)));
        }
        return Collections.unmodifiableMap(result);
    }

    private static boolean hasGgmlMagic(Path f) {
        try (InputStream in = Files.newInputStream(f)) {
            byte[] b = in.readNBytes(4);
            return b.length == 4 && b[0] == GGML_MAGIC[0] && b[1] == GGML_MAGIC[1]
                    && b[2] == GGML_MAGIC[2] && b[3] == GGML_MAGIC[3];
        } catch (IOException e) {
            return false;
        }
    }

    /** All model variants of the directory (GGUF first, then whisper.cpp). */
    public List<Variant> modelVariants() {
        List<Variant> all = new ArrayList<>(ggufVariants.values());
        all.addAll(whisperVariants.values());
        return all;
    }

    public boolean hasHfWeights() {
        return !safetensors.isEmpty() || !pytorchBins.isEmpty();
    }

    public boolean exists(String relative) {
        return Files.exists(dir.resolve(relative));
    }
}
