package io.jknife.store;

/**
 * A model reference as users type it: {@code org/name}, {@code org/name@REV},
 * {@code org/name:VARIANT}, {@code org/name@REV:VARIANT}, a short name (substring match) or a path
 * ({@code ./dir}, {@code ../dir}, {@code /abs/dir}, {@code .}, {@code ..}).
 *
 * @param text     the reference exactly as given
 * @param name     the repository part (no revision, no variant); the whole text for paths
 * @param revision commit prefix or ref name after {@code @}, or null
 * @param variant  model file inside a multi-model repository after {@code :}, or null
 * @param path     true for an explicit filesystem path
 */
public record ModelRef(String text, String name, String revision, String variant, boolean path) {

    public static ModelRef parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("Invalid model reference: empty");
        }
        if (isExplicitPath(text)) {
            return new ModelRef(text, text, null, null, true);
        }
        String rest = text;
        String variant = null;
        int colon = rest.lastIndexOf(':');
        if (colon >= 0 && colon > rest.lastIndexOf('/') && colon > rest.lastIndexOf('@')) {
            variant = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
        }
        String revision = null;
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            revision = rest.substring(at + 1);
            rest = rest.substring(0, at);
            // "org/name@REV:VARIANT" has the variant after the revision.
            if (variant == null) {
                int c = revision.indexOf(':');
                if (c >= 0) {
                    variant = revision.substring(c + 1);
                    revision = revision.substring(0, c);
                }
            }
        }
        return new ModelRef(text, rest, emptyToNull(revision), emptyToNull(variant), false);
    }

    /** Paths are explicit when they start with {@code /}, {@code ./}, {@code ../} or are {@code .}/{@code ..}. */
    public static boolean isExplicitPath(String s) {
        return s.startsWith("/") || s.startsWith("./") || s.startsWith("../") || s.equals(".") || s.equals("..");
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
