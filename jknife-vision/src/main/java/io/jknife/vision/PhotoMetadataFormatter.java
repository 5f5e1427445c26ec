package io.jknife.vision;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The two texts made from photo metadata: the bracketed context lines put before the prompt
 * (what the model reads) and the Markdown table put before the answer (what the user reads,
 * and what the server parses back for stable ids). Wording as mlx-knife's.
 */
public final class PhotoMetadataFormatter {

    private PhotoMetadataFormatter() {
    }

    /**
     * The prompt the model gets for a chunk: one {@code [Image k | GPS: … | Date: … | Camera: …]}
     * line per image that has something to say, a blank line, then the prompt. {@code Image k} is
     * the local number and appears only when the chunk holds several images.
     */
    public static String augmentPrompt(ImageChunk chunk, String prompt, VisionSettings settings) {
        if (!settings.metadataContext()) {
            return prompt;
        }
        boolean several = chunk.images().size() > 1;
        List<String> lines = new ArrayList<>();
        for (ChunkImage image : chunk.images()) {
            Optional<PhotoMetadata> metadata = settings.exifMetadata() ? image.image().metadata() : Optional.empty();
            contextLine(several ? image.localIndex() : 0, metadata).ifPresent(lines::add);
        }
        return lines.isEmpty() ? prompt : String.join("\n", lines) + "\n\n" + prompt;
    }

    /** One context line; {@code localIndex} 0 leaves out the image number. Empty when there is nothing to say. */
    public static Optional<String> contextLine(int localIndex, Optional<PhotoMetadata> metadata) {
        List<String> parts = new ArrayList<>();
        if (localIndex > 0) {
            parts.add("Image " + localIndex);
        }
        metadata.ifPresent(m -> {
            if (m.hasLocation()) {
                parts.add("GPS: " + location(m));
            }
            if (m.taken() != null) {
                parts.add("Date: " + date(m));
            }
            m.camera().ifPresent(c -> parts.add("Camera: " + cameraForModel(c)));
        });
        return parts.isEmpty() ? Optional.empty() : Optional.of("[" + String.join(" | ", parts) + "]");
    }

    /**
     * The metadata table printed before a chunk's answer. With EXIF: Image, Filename, Original,
     * Location, Date, Camera; without: Image, Filename.
     */
    public static String table(ImageChunk chunk, VisionSettings settings) {
        StringBuilder sb = new StringBuilder();
        sb.append("<details>\n<summary>").append(chunk.summary()).append("</summary>\n\n");
        sb.append(ImageIds.MARKER).append('\n');
        if (settings.exifMetadata()) {
            sb.append("| Image | Filename | Original | Location | Date | Camera |\n");
            sb.append("|-------|----------|----------|----------|------|--------|\n");
        } else {
            sb.append("| Image | Filename |\n");
            sb.append("|-------|----------|\n");
        }
        for (ChunkImage image : chunk.images()) {
            sb.append("| ").append(image.globalId()).append(" | ").append(image.image().tableFileName()).append(" |");
            if (settings.exifMetadata()) {
                sb.append(' ').append(cell(image.image().name())).append(" | ");
                Optional<PhotoMetadata> m = image.image().metadata();
                sb.append(m.filter(PhotoMetadata::hasLocation).map(x -> "📍 " + location(x)).orElse("-")).append(" | ");
                sb.append(m.filter(x -> x.taken() != null).map(x -> "📅 " + date(x)).orElse("-")).append(" | ");
                sb.append(m.flatMap(PhotoMetadata::camera).map(PhotoMetadataFormatter::cell).orElse("-")).append(" |");
            }
            sb.append('\n');
        }
        sb.append("\n</details>\n\n");
        return sb.toString();
    }

    /** {@code 48.8584°N, 2.2945°E}: absolute values with 4 decimals (about 11 m) and the hemisphere letter. */
    public static String location(PhotoMetadata m) {
        return degrees(m.latitude()) + "°" + (m.latitude() < 0 ? "S" : "N") + ", "
                + degrees(m.longitude()) + "°" + (m.longitude() < 0 ? "W" : "E");
    }

    /** {@code YYYY-MM-DD} of the capture time. */
    public static String date(PhotoMetadata m) {
        return m.taken().toLocalDate().toString();
    }

    /** The camera as told to the model: parentheses dropped, "generation" shortened to "gen". */
    public static String cameraForModel(String camera) {
        return camera.replace("(", "").replace(")", "").replace("generation", "gen");
    }

    // Python's format(x, '.4f') rounds the exact binary value half-to-even; so does BigDecimal(double).
    static String degrees(double value) {
        return new BigDecimal(Math.abs(value)).setScale(4, RoundingMode.HALF_EVEN).toPlainString();
    }

    // A '|' or a line break inside a cell would break the table.
    private static String cell(String s) {
        return s.replace("|", "\\|").replace('\n', ' ').replace('\r', ' ');
    }
}
