package io.jknife.store.cache;

/** The mapping between repository ids ({@code org/name}) and cache directory names ({@code models--org--name}). */
public final class HfNames {
    public static final String MODEL_PREFIX = "models--";

    private HfNames() {
    }

    /** {@code org/name} → {@code models--org--name}; every {@code /} becomes {@code --}. */
    public static String toDirName(String repoId) {
        if (repoId.startsWith(MODEL_PREFIX)) {
            return repoId;
        }
        return MODEL_PREFIX + repoId.replace("/", "--");
    }

    /** {@code models--org--name} → {@code org/name}; every {@code --} becomes {@code /}, left to right. */
    public static String toRepoId(String dirName) {
        if (!dirName.startsWith(MODEL_PREFIX)) {
            return dirName;
        }
        return dirName.substring(MODEL_PREFIX.length()).replace("--", "/");
    }
}
