package io.jknife.runtime;

import io.jknife.chat.ChatMessage;
import io.jknife.engine.EngineException;
import io.jknife.engine.FinishReason;
import io.jknife.engine.Usage;
import io.jknife.vision.ChunkImage;
import io.jknife.vision.ImageChunk;
import io.jknife.vision.ImageChunker;
import io.jknife.vision.ImageException;
import io.jknife.vision.ImageLoader;
import io.jknife.vision.PhotoMetadataFormatter;
import io.jknife.vision.RgbImage;
import io.jknife.vision.VisionImage;
import io.jknife.vision.VisionSettings;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Asks a vision model about images, one chunk of images per pass (reference backends.md §4.4–4.6,
 * server.md §5.5): each chunk's prompt carries only that chunk's EXIF context lines, its images
 * numbered locally (a model told about images it was not shown describes them anyway), and each
 * answer starts with the chunk's metadata table, which carries the global ids. The prompt is
 * stateless: one user turn, no history, so an earlier answer cannot leak into a later chunk; the
 * engine recomputes every image row, so nothing of the previous chunk's images stays in the cache.
 */
public final class VisionChat {
    /** Receives the answer as it is made: a chunk's table first, then its text. */
    public interface Listener extends StreamListener {
        /** A chunk starts; {@code table} is the text its answer starts with (already part of the answer). */
        default void onChunkStart(ImageChunk chunk, String table) {
        }

        /** A chunk's answer is complete. */
        default void onChunkEnd(ImageChunk chunk, ChatResult result) {
        }
    }

    /**
     * The whole answer.
     *
     * @param text   every chunk's table and answer, chunks separated by a blank line
     * @param chunks each chunk's own result (its answer without the table)
     * @param usage  the chunks' usage added up
     */
    public record Answer(String text, List<ChatResult> chunks, Usage usage) {
        /** The last chunk's finish reason: a cancelled or cut answer shows there. */
        public FinishReason finishReason() {
            return chunks.getLast().finishReason();
        }
    }

    private final TextSession session;
    private final ImageLoader loader;
    private final VisionSettings settings;

    public VisionChat(TextSession session, ImageLoader loader, VisionSettings settings) {
        this.session = session;
        this.loader = loader;
        this.settings = settings;
    }

    /**
     * Runs {@code prompt} over {@code images} in chunks of {@code chunkSize}.
     *
     * @param ids global image ids by hash (the server's, from the conversation), or null to number the images 1..n
     * @throws ImageException when an image cannot be decoded (chunks before it have been answered)
     */
    public Answer ask(String prompt, List<VisionImage> images, int chunkSize, Map<String, Integer> ids, ChatOptions options,
                      Listener listener) throws ImageException, EngineException, PromptTooLongException {
        List<ImageChunk> chunks = ImageChunker.split(images, chunkSize, ids);
        StringBuilder text = new StringBuilder();
        List<ChatResult> results = new ArrayList<>();
        for (ImageChunk chunk : chunks) {
            List<RgbImage> pixels = new ArrayList<>(chunk.images().size());
            for (ChunkImage image : chunk.images()) {
                pixels.add(loader.decode(image.image()));
            }
            String table = PhotoMetadataFormatter.table(chunk, settings);
            if (!text.isEmpty()) {
                text.append("\n\n");
            }
            text.append(table);
            listener.onChunkStart(chunk, table);
            String augmented = PhotoMetadataFormatter.augmentPrompt(chunk, prompt, settings);
            ChatResult r = session.chat(List.of(ChatMessage.user(augmented)), pixels, options, listener);
            text.append(r.answer());
            results.add(r);
            listener.onChunkEnd(chunk, r);
            if (r.finishReason() == FinishReason.CANCELLED || listener.cancelled()) {
                break;
            }
        }
        return new Answer(text.toString(), List.copyOf(results), total(results));
    }

    private static Usage total(List<ChatResult> results) {
        int prompt = 0;
        int completion = 0;
        double promptMillis = 0;
        double generationMillis = 0;
        for (ChatResult r : results) {
            prompt += r.usage().promptTokens();
            completion += r.usage().completionTokens();
            promptMillis += r.usage().promptMillis();
            generationMillis += r.usage().generationMillis();
        }
        return new Usage(prompt, completion, promptMillis, generationMillis);
    }
}
