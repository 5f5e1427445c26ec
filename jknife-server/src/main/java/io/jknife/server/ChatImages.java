package io.jknife.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.jknife.vision.DataUrlImages;
import io.jknife.vision.ImageException;
import io.jknife.vision.ImageIds;
import io.jknife.vision.VisionImage;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What a vision request asks (reference server.md §5.5.1–5.5.2): the text and the images of the
 * last user message — {@code data:} URLs, or http(s) URLs when the server fetches them — checked
 * against the limits (400 for bad input, 413 over 20 MiB an image or 50 MiB a request), and the
 * global image ids rebuilt from the whole conversation, so a re-sent image keeps its number.
 *
 * @param prompt the last user message's text parts joined with a space, or {@link #DEFAULT_PROMPT}
 * @param images its images in order
 * @param ids    global ids by hash: earlier tables' ids, then earlier and these images in order
 */
record ChatImages(String prompt, List<VisionImage> images, Map<String, Integer> ids) {
    static final String DEFAULT_PROMPT = "Describe the image.";

    /**
     * Reads the images of {@code messages[lastUser]}.
     *
     * @param remote the fetcher of http(s) images, or null when they are refused
     */
    static ChatImages read(JsonNode messages, int lastUser, RemoteImages remote, boolean readExif) {
        String at = "messages[" + lastUser + "].content";
        JsonNode parts = messages.get(lastUser).get("content");
        List<String> texts = new ArrayList<>();
        List<VisionImage> images = new ArrayList<>();
        DataUrlImages dataUrls = new DataUrlImages();
        long total = 0;
        for (JsonNode part : parts) {
            if (!part.isObject()) {
                continue;
            }
            if ("text".equals(part.path("type").asText(""))) {
                texts.add(part.path("text").asText(""));
            } else if (ChatMessages.isImage(part)) {
                VisionImage image = image(part, at, dataUrls, remote, total, readExif);
                total += image.bytes().length;
                if (total > DataUrlImages.MAX_TOTAL_BYTES) {
                    throw tooLarge(String.format(Locale.ROOT, "Total image size (%.1f MB) exceeds limit (50 MB)", mb(total)), at);
                }
                images.add(image);
            }
        }
        String prompt = String.join(" ", texts).strip();
        return new ChatImages(prompt.isEmpty() ? DEFAULT_PROMPT : prompt, List.copyOf(images), ids(messages, lastUser, images));
    }

    private static VisionImage image(JsonNode part, String at, DataUrlImages dataUrls, RemoteImages remote, long total,
                                     boolean readExif) {
        JsonNode imageUrl = part.get("image_url");
        if (imageUrl == null || !imageUrl.isObject()) {
            throw bad("image_url content must have 'image_url' dict", at);
        }
        JsonNode urlNode = imageUrl.get("url");
        String url = urlNode != null && urlNode.isTextual() ? urlNode.asText() : "";
        if (remote != null && RemoteImages.isRemote(url)) {
            long left = DataUrlImages.MAX_TOTAL_BYTES - total;
            try {
                RemoteImages.Fetched f = remote.fetch(url, Math.min(DataUrlImages.MAX_IMAGE_BYTES, left));
                String hash8 = VisionImage.hash8(f.bytes());
                return new VisionImage("image_" + hash8 + "." + f.type(), f.bytes(), hash8,
                        readExif ? io.jknife.vision.ExifReader.read(f.bytes()) : Optional.empty());
            } catch (RemoteImages.OverLimit o) {
                throw tooLarge(o.bytes > DataUrlImages.MAX_IMAGE_BYTES
                        ? String.format(Locale.ROOT, "Image size (%.1f MB) exceeds limit (20 MB)", mb(o.bytes))
                        : String.format(Locale.ROOT, "Total image size (%.1f MB) exceeds limit (50 MB)", mb(total + o.bytes)), at);
            }
        }
        try {
            return dataUrls.decode(url, readExif);
        } catch (ImageException e) {
            throw e.tooLarge() ? tooLarge(e.getMessage(), at) : bad(e.getMessage(), at);
        }
    }

    /** The reference's walk: tables of assistant messages, then the images of user messages, in order. */
    private static Map<String, Integer> ids(JsonNode messages, int lastUser, List<VisionImage> current) {
        ImageIds ids = new ImageIds();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            JsonNode content = m.get("content");
            String role = m.path("role").asText("");
            if (role.equals("assistant") && content != null && content.isTextual()) {
                ids.observeAssistant(content.asText());
            } else if (i == lastUser) {
                current.forEach(image -> ids.observeImage(image.hash8()));
            } else if (role.equals("user") && content != null && content.isArray()) {
                for (JsonNode part : content) {
                    if (ChatMessages.isImage(part)) {
                        String hash = DataUrlImages.hashOf(part.path("image_url").path("url").asText(null));
                        if (hash != null) {
                            ids.observeImage(hash);
                        }
                    }
                }
            }
        }
        return ids.ids();
    }

    private static double mb(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }

    private static ApiException bad(String message, String param) {
        return new ApiException(400, "invalid_request_error", "invalid_image", param, message, null);
    }

    private static ApiException tooLarge(String message, String param) {
        return new ApiException(413, "invalid_request_error", "image_too_large", param, message, null);
    }
}
