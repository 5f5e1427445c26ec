package io.jknife.vision;

import java.util.Map;

/**
 * The environment switches of the vision path, read from a map (the process environment in
 * production, a plain map in tests). Each {@code JKNIFE_} name also accepts mlx-knife's
 * {@code MLXK2_} spelling, so an existing setup keeps working.
 */
public record VisionSettings(boolean exifMetadata, boolean metadataContext) {

    public static final String EXIF_METADATA = "JKNIFE_EXIF_METADATA";
    public static final String METADATA_CONTEXT = "JKNIFE_VISION_METADATA_CONTEXT";
    public static final String CHUNK_SIZE = "JKNIFE_VISION_CHUNK_SIZE";

    /** {@code JKNIFE_EXIF_METADATA=0} turns EXIF off (table columns and model context); {@code JKNIFE_VISION_METADATA_CONTEXT=0} keeps the prompt unchanged. */
    public static VisionSettings fromEnvironment(Map<String, String> env) {
        return new VisionSettings(!"0".equals(get(env, EXIF_METADATA)), !"0".equals(get(env, METADATA_CONTEXT)));
    }

    static String get(Map<String, String> env, String name) {
        String v = env.get(name);
        if (v == null) {
            v = env.get(name.replace("JKNIFE_", "MLXK2_"));
        }
        return v == null ? null : v.strip();
    }
}
