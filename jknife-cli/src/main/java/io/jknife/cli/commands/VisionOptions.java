package io.jknife.cli.commands;

import io.jknife.vision.ImageArguments;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The image options of {@code run} (picocli mixin): {@code --image FILE|GLOB...} asks a vision
 * model about images, {@code --chunk N} sets how many it sees per pass.
 */
public final class VisionOptions {
    @Option(names = "--image", paramLabel = "FILE", arity = "1..*",
            description = "Ask about these images (files or quoted globs such as 'photos/*.jpg'; repeatable) with a vision model.")
    List<String> images = new ArrayList<>();

    @Option(names = "--chunk", paramLabel = "N",
            description = "With --image: images per pass (1-5; default JKNIFE_VISION_CHUNK_SIZE, else 1).")
    Integer chunk;

    /** Whether {@code run} asks about images. */
    boolean requested() {
        return !images.isEmpty();
    }

    /**
     * The image arguments with a trailing prompt given after them ({@code --image a.jpg "What is this?"})
     * moved out: picocli gives every word after {@code --image} to it. A trailing word moves when it
     * is no file and reads as text (has a space; or is no glob and has no file extension); a mistyped
     * file name stays and is reported as missing.
     */
    Split split(Path cwd) {
        List<String> files = new ArrayList<>(images);
        List<String> prompt = new ArrayList<>();
        while (files.size() > 1 && readsAsPrompt(files.getLast(), cwd)) {
            prompt.addFirst(files.removeLast());
        }
        return new Split(List.copyOf(files), List.copyOf(prompt));
    }

    record Split(List<String> images, List<String> promptWords) {
    }

    private static boolean readsAsPrompt(String word, Path cwd) {
        if (Files.exists(cwd.resolve(word))) {
            return false;
        }
        if (word.chars().anyMatch(Character::isWhitespace)) {
            return true; // "What is this?" is a question, not a glob
        }
        if (ImageArguments.isGlob(word)) {
            return false;
        }
        String name = word.substring(word.lastIndexOf('/') + 1);
        return name.indexOf('.') <= 0;
    }
}
