package io.jknife.vision;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Splits a request's images into chunks of at most {@code chunkSize}, in order. Inside a chunk the
 * images are numbered 1..n: a model told "Image 7" or "chunk 2 of 5" describes images it was never
 * shown (the original's hallucination fix), so global ids appear only in the user-facing table.
 */
public final class ImageChunker {

    private ImageChunker() {
    }

    /**
     * @param ids global ids by hash (the server's {@link ImageIds} from the conversation); {@code null}:
     *            positions 1..n for a single chunk, {@link ImageIds#assign} when split
     */
    public static List<ImageChunk> split(List<VisionImage> images, int chunkSize, Map<String, Integer> ids) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("no images");
        }
        if (chunkSize < 1) {
            throw new IllegalArgumentException("chunk size " + chunkSize);
        }
        int total = images.size();
        int count = (total + chunkSize - 1) / chunkSize;
        Map<String, Integer> global = ids != null ? ids : count > 1 ? ImageIds.assign(images) : null;
        List<ImageChunk> chunks = new ArrayList<>(count);
        for (int c = 0; c < count; c++) {
            int from = c * chunkSize;
            int to = Math.min(total, from + chunkSize);
            List<ChunkImage> members = new ArrayList<>(to - from);
            for (int i = from; i < to; i++) {
                VisionImage image = images.get(i);
                Integer id = global == null ? null : global.get(image.hash8());
                members.add(new ChunkImage(i - from + 1, id != null ? id : i + 1, image));
            }
            chunks.add(new ImageChunk(c + 1, count, members, total));
        }
        return List.copyOf(chunks);
    }
}
