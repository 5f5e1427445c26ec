package io.jknife.vision;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Global image ids keyed by {@link VisionImage#hash8()}: the same bytes keep their number across
 * chunks and, on the stateless server, across conversation turns (rebuilt from the metadata tables
 * of earlier assistant messages, then the user's images in order).
 */
public final class ImageIds {

    /** The marker line before each metadata table (mlx-knife's, so its clients parse ours). */
    public static final String MARKER = "<!-- mlxk:filenames -->";
    private static final Pattern ROW = Pattern.compile("\\|\\s*(\\d+)\\s*\\|\\s*image_([a-f0-9]{8})\\.");

    private final Map<String, Integer> ids = new LinkedHashMap<>();
    private int next = 1;

    /** Ids 1, 2, ... in order of first appearance; a repeated image keeps its first id. */
    public static Map<String, Integer> assign(List<VisionImage> images) {
        ImageIds ids = new ImageIds();
        images.forEach(i -> ids.observeImage(i.hash8()));
        return ids.ids();
    }

    /** Takes the ids of a metadata table in an earlier assistant message (ignored without the marker). */
    public void observeAssistant(String content) {
        if (content == null || !content.contains(MARKER)) {
            return;
        }
        Matcher m = ROW.matcher(content);
        while (m.find()) {
            int id;
            try {
                id = Integer.parseInt(m.group(1));
            } catch (NumberFormatException e) {
                continue;
            }
            if (id > 0 && ids.putIfAbsent(m.group(2), id) == null) {
                next = Math.max(next, id + 1);
            }
        }
    }

    /** The id of an image, a new one when it was not seen before. */
    public int observeImage(String hash8) {
        Integer id = ids.get(hash8);
        if (id == null) {
            id = next++;
            ids.put(hash8, id);
        }
        return id;
    }

    public Map<String, Integer> ids() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(ids));
    }
}
