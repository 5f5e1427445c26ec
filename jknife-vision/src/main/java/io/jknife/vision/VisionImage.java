package io.jknife.vision;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * One image given to a vision request, before decoding: its bytes, the name shown to the user
 * (the file's basename on the CLI, {@code image_<hash8>.<ext>} on the server), the first 8 hex
 * digits of its SHA-256 (its identity across chunks and conversation turns) and its EXIF.
 */
public record VisionImage(String name, byte[] bytes, String hash8, Optional<PhotoMetadata> metadata) {

    public VisionImage {
        if (bytes.length == 0) {
            throw new IllegalArgumentException("empty image " + name);
        }
    }

    /** An image from memory; EXIF is read only when {@code readExif}. */
    public static VisionImage of(String name, byte[] bytes, boolean readExif) {
        return new VisionImage(name, bytes, hash8(bytes), readExif ? ExifReader.read(bytes) : Optional.empty());
    }

    /** Reads a file given on the command line, checking it against {@code limits}. */
    public static VisionImage read(Path file, ImageLimits limits, boolean readExif) throws ImageException {
        try {
            if (!Files.isRegularFile(file)) {
                throw new ImageException("Image not found: " + file);
            }
            if (Files.size(file) > limits.maxBytes()) {
                throw ImageException.tooLarge("Image too large (>" + limits.maxBytes() / (1024 * 1024) + "MB): " + file);
            }
            byte[] bytes = Files.readAllBytes(file);
            if (bytes.length == 0) {
                throw new ImageException("Image " + file + " is empty");
            }
            return of(file.getFileName().toString(), bytes, readExif);
        } catch (IOException e) {
            throw new ImageException("Cannot read image " + file + ": " + e.getMessage(), e);
        }
    }

    /** The first 8 hex digits of the SHA-256 of {@code bytes}. */
    public static String hash8(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** The name used in the metadata table and by the server: {@code image_<hash8>.jpeg}, whatever the real type. */
    public String tableFileName() {
        return "image_" + hash8 + ".jpeg";
    }
}
