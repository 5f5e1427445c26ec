package io.jknife.vision;

import java.util.List;

/**
 * One generate call's worth of images.
 *
 * @param number      1-based position of this chunk
 * @param chunkCount  how many chunks the request was split into
 * @param images      the images, numbered locally from 1
 * @param totalImages images in the whole request
 */
public record ImageChunk(int number, int chunkCount, List<ChunkImage> images, int totalImages) {

    public ImageChunk {
        images = List.copyOf(images);
        if (images.isEmpty() || number < 1 || number > chunkCount) {
            throw new IllegalArgumentException("chunk " + number + "/" + chunkCount + " with " + images.size() + " images");
        }
    }

    /** Whether the request was split, so this chunk holds only some of its images. */
    public boolean chunked() {
        return chunkCount > 1;
    }

    /**
     * The summary line of the metadata table: {@code 📸 Image Metadata (N images)}, or when split
     * {@code 📸 Chunk b/B: Images first-last} with global ids. The chunk's own position is used (the
     * original derived it from this chunk's size and misnumbered a short last chunk).
     */
    public String summary() {
        if (!chunked()) {
            return "📸 Image Metadata (" + images.size() + (images.size() == 1 ? " image)" : " images)");
        }
        int min = images.stream().mapToInt(ChunkImage::globalId).min().orElseThrow();
        int max = images.stream().mapToInt(ChunkImage::globalId).max().orElseThrow();
        return "📸 Chunk " + number + "/" + chunkCount + ": Images " + min + "-" + max;
    }

    /** The stderr progress line of verbose mode: {@code Processing images a-b (chunk i/n)...}. */
    public String progressLine() {
        int min = images.stream().mapToInt(ChunkImage::globalId).min().orElseThrow();
        int max = images.stream().mapToInt(ChunkImage::globalId).max().orElseThrow();
        return "Processing images " + min + "-" + max + " (chunk " + number + "/" + chunkCount + ")...";
    }
}
