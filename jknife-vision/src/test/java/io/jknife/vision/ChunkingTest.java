package io.jknife.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChunkingTest {

    private static final VisionSettings ON = new VisionSettings(true, true);

    @Test
    void sevenImagesInChunksOfThree() {
        List<VisionImage> images = images(7);
        List<ImageChunk> chunks = ImageChunker.split(images, 3, null);
        assertEquals(3, chunks.size());
        assertEquals(List.of(3, 3, 1), chunks.stream().map(c -> c.images().size()).toList());
        assertEquals(List.of(1, 2, 3), chunks.get(1).images().stream().map(ChunkImage::localIndex).toList());
        assertEquals(List.of(4, 5, 6), chunks.get(1).images().stream().map(ChunkImage::globalId).toList());
        assertEquals("📸 Chunk 1/3: Images 1-3", chunks.get(0).summary());
        assertEquals("📸 Chunk 2/3: Images 4-6", chunks.get(1).summary());
        // The original said "Chunk 7/7: Images 7-7" for this short last chunk.
        assertEquals("📸 Chunk 3/3: Images 7-7", chunks.get(2).summary());
        assertEquals("Processing images 7-7 (chunk 3/3)...", chunks.get(2).progressLine());
    }

    @Test
    void theModelOnlySeesLocalNumbers() {
        List<VisionImage> images = new ArrayList<>(images(5));
        images.set(4, PhotoMetadataFormatterTest.image("e.jpg", 5,
                new PhotoMetadata(null, null, LocalDateTime.of(2020, 1, 2, 3, 4), null, "EOS R5")));
        List<ImageChunk> chunks = ImageChunker.split(images, 2, null);
        String third = PhotoMetadataFormatter.augmentPrompt(chunks.get(2), "Describe the image.", ON);
        // The last chunk holds one image: no number at all, only its metadata.
        assertEquals("[Date: 2020-01-02 | Camera: EOS R5]\n\nDescribe the image.", third);
        String second = PhotoMetadataFormatter.augmentPrompt(chunks.get(1), "Describe the images.", ON);
        assertEquals("[Image 1]\n[Image 2]\n\nDescribe the images.", second);
        assertFalse(second.contains("Image 3") || second.contains("Image 4") || second.toLowerCase().contains("chunk"));
        // The table shows the global ids.
        String table = PhotoMetadataFormatter.table(chunks.get(1), ON);
        assertTrue(table.contains("| 3 | image_") && table.contains("| 4 | image_"), table);
    }

    @Test
    void oneChunkWhenTheImagesFit() {
        List<ImageChunk> chunks = ImageChunker.split(images(3), 5, null);
        assertEquals(1, chunks.size());
        assertFalse(chunks.getFirst().chunked());
        assertEquals("📸 Image Metadata (3 images)", chunks.getFirst().summary());
        assertEquals(List.of(1, 2, 3), chunks.getFirst().images().stream().map(ChunkImage::globalId).toList());
    }

    @Test
    void aRepeatedImageKeepsItsId() {
        VisionImage a = PhotoMetadataFormatterTest.image("a.jpg", 1, null);
        VisionImage b = PhotoMetadataFormatterTest.image("b.jpg", 2, null);
        VisionImage aAgain = new VisionImage("a-copy.jpg", a.bytes(), a.hash8(), a.metadata());
        List<ImageChunk> chunks = ImageChunker.split(List.of(a, b, aAgain), 1, null);
        assertEquals(List.of(1, 2, 1), chunks.stream().map(c -> c.images().getFirst().globalId()).toList());
    }

    @Test
    void serverIdsComeFromTheConversation() {
        VisionImage old = PhotoMetadataFormatterTest.image("old.jpg", 1, null);
        VisionImage fresh = PhotoMetadataFormatterTest.image("new.jpg", 2, null);
        // An earlier answer of ours carried a table numbering the old image 4.
        String earlier = "<details>\n<summary>📸 Image Metadata (1 image)</summary>\n\n" + ImageIds.MARKER + "\n"
                + "| Image | Filename |\n|-------|----------|\n| 4 | image_" + old.hash8() + ".jpeg |\n\n</details>\n\nA cat.";
        ImageIds ids = new ImageIds();
        ids.observeAssistant(earlier);
        ids.observeAssistant("| 9 | image_deadbeef.jpeg |"); // no marker: not ours, ignored
        assertEquals(5, ids.observeImage(fresh.hash8()));
        assertEquals(4, ids.observeImage(old.hash8()));
        List<ImageChunk> chunks = ImageChunker.split(List.of(fresh, old), 1, ids.ids());
        assertEquals(5, chunks.get(0).images().getFirst().globalId());
        assertEquals(4, chunks.get(1).images().getFirst().globalId());
        assertEquals(Map.of(old.hash8(), 4, fresh.hash8(), 5), ids.ids());
    }

    @Test
    void chunkSizeFromFlagOrEnvironment() throws Exception {
        assertEquals(1, ChunkSize.resolve(null, Map.of()));
        assertEquals(3, ChunkSize.resolve(null, Map.of("JKNIFE_VISION_CHUNK_SIZE", "3")));
        assertEquals(2, ChunkSize.resolve(null, Map.of("MLXK2_VISION_CHUNK_SIZE", "2")));
        // An explicit --chunk 1 wins over the environment (the original could not tell it from "absent").
        assertEquals(1, ChunkSize.resolve(1, Map.of("JKNIFE_VISION_CHUNK_SIZE", "4")));
        assertEquals("chunk size must be at least 1 (got: 0).",
                assertThrows(ImageException.class, () -> ChunkSize.resolve(0, Map.of())).getMessage());
        assertEquals("chunk size too large (max: 5 for stability). This limit is based on empirically tested performance.",
                assertThrows(ImageException.class, () -> ChunkSize.resolve(null, Map.of("JKNIFE_VISION_CHUNK_SIZE", "6"))).getMessage());
        assertEquals("JKNIFE_VISION_CHUNK_SIZE must be a whole number (got: two).",
                assertThrows(ImageException.class, () -> ChunkSize.resolve(null, Map.of("JKNIFE_VISION_CHUNK_SIZE", "two"))).getMessage());
    }

    static List<VisionImage> images(int n) {
        List<VisionImage> out = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            out.add(PhotoMetadataFormatterTest.image("img" + i + ".jpg", i, null));
        }
        return out;
    }
}
