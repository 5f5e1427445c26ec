package io.jknife.formats.gguf;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The file name of one part of a split GGUF model, as llama.cpp's gguf-split names them:
 * {@code PREFIX-00001-of-00003.gguf} (1-based part number, both numbers five digits).
 *
 * @param prefix what comes before {@code -NNNNN-of-MMMMM.gguf}
 * @param part   1-based part number
 * @param count  number of parts
 */
public record GgufSplitName(String prefix, int part, int count) {
    private static final Pattern NAME = Pattern.compile("(.+)-(\\d{5})-of-(\\d{5})\\.gguf");

    public GgufSplitName {
        if (count < 1 || part < 1 || part > count) {
            throw new IllegalArgumentException("part " + part + " of " + count);
        }
    }

    /** Parses a file name (not a path); empty when it is not a split-part name. */
    public static Optional<GgufSplitName> parse(String fileName) {
        Matcher m = NAME.matcher(fileName);
        if (!m.matches()) {
            return Optional.empty();
        }
        int part = Integer.parseInt(m.group(2));
        int count = Integer.parseInt(m.group(3));
        if (count < 1 || part < 1 || part > count) {
            return Optional.empty();
        }
        return Optional.of(new GgufSplitName(m.group(1), part, count));
    }

    public static Optional<GgufSplitName> parse(Path file) {
        Path name = file.getFileName();
        return name == null ? Optional.empty() : parse(name.toString());
    }

    /** The file name of part {@code n} (1-based) of the same model. */
    public String fileName(int n) {
        return String.format(Locale.ROOT, "%s-%05d-of-%05d.gguf", prefix, n, count);
    }

    public String fileName() {
        return fileName(part);
    }

    /** All part paths of the model, in order, in the directory of {@code anyPart}. */
    public List<Path> siblings(Path anyPart) {
        Path dir = anyPart.toAbsolutePath().getParent();
        List<Path> out = new ArrayList<>(count);
        for (int i = 1; i <= count; i++) {
            out.add(dir.resolve(fileName(i)));
        }
        return out;
    }
}
