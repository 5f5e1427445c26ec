package io.jknife.vision;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The {@code --image} arguments of {@code run}: each is a file or a glob ({@code photos/*.jpg},
 * {@code trip/**}{@code /*.png}, quoted so that the shell leaves it to us). Globs expand to the
 * matching regular files, sorted; a glob matching nothing, a missing file or a file over the size
 * limit is an error naming it. Order across arguments is kept.
 */
public final class ImageArguments {

    private ImageArguments() {
    }

    public static List<Path> expand(List<String> args, Path cwd, ImageLimits limits) throws ImageException {
        List<Path> out = new ArrayList<>();
        for (String arg : args) {
            if (arg.isBlank()) {
                throw new ImageException("Empty --image argument");
            }
            List<Path> files = isGlob(arg) ? glob(arg, cwd) : List.of(cwd.resolve(arg));
            for (Path file : files) {
                check(file, arg, limits);
                out.add(file);
            }
        }
        return List.copyOf(out);
    }

    /** Whether {@code arg} holds a glob wildcard ({@code * ? [ {}). */
    public static boolean isGlob(String arg) {
        return arg.indexOf('*') >= 0 || arg.indexOf('?') >= 0 || arg.indexOf('[') >= 0 || arg.indexOf('{') >= 0;
    }

    private static void check(Path file, String arg, ImageLimits limits) throws ImageException {
        if (Files.isDirectory(file)) {
            throw new ImageException("Image not found: " + arg + " is a directory (use a glob such as '" + arg + "/*.jpg')");
        }
        if (!Files.isRegularFile(file)) {
            throw new ImageException("Image not found: " + arg);
        }
        try {
            if (Files.size(file) > limits.maxBytes()) {
                throw ImageException.tooLarge("Image too large (>" + limits.maxBytes() / (1024 * 1024) + "MB): " + arg);
            }
        } catch (IOException e) {
            throw new ImageException("Cannot read image " + arg + ": " + e.getMessage(), e);
        }
    }

    private static List<Path> glob(String arg, Path cwd) throws ImageException {
        // The directory part before the first segment with a wildcard is walked; the rest is matched.
        String[] segments = arg.split("/", -1);
        int first = 0;
        while (first < segments.length && !isGlob(segments[first])) {
            first++;
        }
        String baseText = String.join("/", java.util.Arrays.copyOfRange(segments, 0, first));
        if (arg.startsWith("/") && baseText.isEmpty()) {
            baseText = "/";
        }
        Path base = baseText.isEmpty() ? cwd : cwd.resolve(baseText);
        String pattern = String.join("/", java.util.Arrays.copyOfRange(segments, first, segments.length));
        boolean recursive = pattern.contains("**");
        int depth = recursive ? Integer.MAX_VALUE : segments.length - first;
        boolean dotFiles = pattern.startsWith(".") || pattern.contains("/.");
        PathMatcher matcher;
        try {
            matcher = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
        } catch (IllegalArgumentException e) {
            throw new ImageException("Invalid image pattern '" + arg + "': " + e.getMessage());
        }
        List<Path> matches = new ArrayList<>();
        if (Files.isDirectory(base)) {
            try (Stream<Path> walk = Files.walk(base, depth)) {
                walk.filter(Files::isRegularFile).forEach(p -> {
                    Path rel = base.relativize(p);
                    if (matcher.matches(rel) && (dotFiles || !hidden(rel))) {
                        matches.add(p);
                    }
                });
            } catch (IOException | UncheckedIOException e) {
                throw new ImageException("Cannot list images for '" + arg + "': " + e.getMessage(), e);
            }
        }
        if (matches.isEmpty()) {
            throw new ImageException("No images match: " + arg);
        }
        matches.sort(null);
        return matches;
    }

    private static boolean hidden(Path rel) {
        for (Path part : rel) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }
}
