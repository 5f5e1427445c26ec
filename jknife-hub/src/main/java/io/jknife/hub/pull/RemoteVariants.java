package io.jknife.hub.pull;

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
 * The model files ("variants") of a GGUF or whisper.cpp repository, from file names alone, named
 * as the store names them once downloaded ({@code io.jknife.store.probe.ModelFiles}): split parts
 * {@code -0000i-of-0000N} form one variant; a variant's name is the trailing quantization tag when
 * that is unique in the repository, else the file stem; {@code ggml-X.bin} is variant {@code X};
 * {@code mmproj*.gguf} are vision projectors, not variants.
 */
public record RemoteVariants(Map<String, List<String>> variants, List<String> mmproj) {
    private static final Pattern SPLIT = Pattern.compile("(?i)^(.*)-(\\d{5})-of-(\\d{5})$");
    private static final Pattern QUANT_TAG = Pattern.compile(
            "(?i)(?:^|[-._])((?:I?Q\\d(?:_[A-Z0-9]+)*)|F16|F32|BF16|FP16|FP32)$");

    public static RemoteVariants of(List<String> paths) {
        Map<String, List<String>> stems = new TreeMap<>();
        Map<String, List<String>> whisper = new TreeMap<>();
        List<String> mmproj = new ArrayList<>();
        for (String p : paths) {
            String name = p.substring(p.lastIndexOf('/') + 1);
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.endsWith(".gguf")) {
                if (lower.startsWith("mmproj")) {
                    mmproj.add(p);
                } else {
                    String stem = name.substring(0, name.length() - 5);
                    Matcher m = SPLIT.matcher(stem);
                    stems.computeIfAbsent(m.matches() ? m.group(1) : stem, k -> new ArrayList<>()).add(p);
                }
            } else if (name.startsWith("ggml-") && lower.endsWith(".bin")) {
                whisper.put(name.substring(5, name.length() - 4), List.of(p));
            }
        }
        Map<String, List<String>> out = new LinkedHashMap<>(named(stems));
        out.putAll(whisper);
        Collections.sort(mmproj);
        return new RemoteVariants(Collections.unmodifiableMap(out), List.copyOf(mmproj));
    }

    private static Map<String, List<String>> named(Map<String, List<String>> stems) {
        Map<String, String> tags = new LinkedHashMap<>();
        boolean unique = true;
        for (String stem : stems.keySet()) {
            Matcher m = QUANT_TAG.matcher(stem);
            String tag = m.find() ? m.group(1) : null;
            if (tag == null || tags.containsValue(tag)) {
                unique = false;
            }
            tags.put(stem, tag);
        }
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> e : stems.entrySet()) {
            List<String> parts = new ArrayList<>(e.getValue());
            parts.sort(Comparator.comparing(p -> p.substring(p.lastIndexOf('/') + 1)));
            out.put(unique ? tags.get(e.getKey()) : e.getKey(), List.copyOf(parts));
        }
        return out;
    }

    /** The files of the variant named {@code wanted} (case-insensitive; a file stem works too), or null. */
    public List<String> find(String wanted) {
        String w = wanted.toLowerCase(Locale.ROOT);
        for (Map.Entry<String, List<String>> e : variants.entrySet()) {
            if (e.getKey().toLowerCase(Locale.ROOT).equals(w)) {
                return e.getValue();
            }
        }
        for (List<String> files : variants.values()) {
            for (String f : files) {
                String name = f.substring(f.lastIndexOf('/') + 1);
                String stem = name.substring(0, name.lastIndexOf('.'));
                Matcher m = SPLIT.matcher(stem);
                if (stem.toLowerCase(Locale.ROOT).equals(w) || (m.matches() && m.group(1).toLowerCase(Locale.ROOT).equals(w))) {
                    return files;
                }
            }
        }
        return null;
    }

    /**
     * The projector to fetch with a GGUF variant: the only one; else the one carrying the
     * variant's tag; else F16, BF16, F32 in that order; else the first by name. Null when none.
     */
    public String projectorFor(String variantName) {
        if (mmproj.isEmpty()) {
            return null;
        }
        if (mmproj.size() == 1) {
            return mmproj.getFirst();
        }
        List<String> prefs = new ArrayList<>();
        prefs.add(variantName);
        prefs.addAll(List.of("F16", "BF16", "F32"));
        for (String pref : prefs) {
            Pattern p = Pattern.compile("(?i)(?:^|[-._])" + Pattern.quote(pref) + "\\.gguf$");
            for (String m : mmproj) {
                if (p.matcher(m.substring(m.lastIndexOf('/') + 1)).find()) {
                    return m;
                }
            }
        }
        return mmproj.getFirst();
    }
}
