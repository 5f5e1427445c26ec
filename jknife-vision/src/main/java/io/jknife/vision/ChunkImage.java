package io.jknife.vision;

/**
 * An image inside one chunk.
 *
 * @param localIndex its position in the chunk, 1-based: the only number the model is told
 * @param globalId   its id across the whole request (and conversation): the number the user sees in the table
 */
public record ChunkImage(int localIndex, int globalId, VisionImage image) {
}
