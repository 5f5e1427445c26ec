package io.jknife.hub;

import java.util.regex.Pattern;

/** Hub repository ids ({@code org/name} or a legacy bare {@code name}): what the Hub accepts. */
public final class RepoIds {
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    private RepoIds() {
    }

    /**
     * Why {@code id} cannot be a repository id, or null when it can: at most 96 characters, no
     * leading, trailing or double slash (the original's rule), at most one slash, segments of
     * letters, digits, {@code .}, {@code _}, {@code -} that start with a letter or digit, no
     * {@code --} or {@code ..}, not ending in {@code .} or {@code -}.
     */
    public static String problem(String id) {
        if (id == null || id.isBlank()) {
            return "Invalid model name: empty";
        }
        if (id.length() > 96 || id.startsWith("/") || id.endsWith("/") || id.contains("//")) {
            return "Invalid model name: must be <= 96 chars and not contain leading/trailing or double slashes";
        }
        String[] parts = id.split("/");
        if (parts.length > 2) {
            return "Invalid model name: '" + id + "' has more than one '/' (expected org/name)";
        }
        for (String p : parts) {
            if (!SEGMENT.matcher(p).matches() || p.contains("--") || p.contains("..") || p.endsWith(".") || p.endsWith("-")) {
                return "Invalid model name: '" + id + "' (letters, digits, '.', '_', '-' only; no '--' or '..')";
            }
        }
        return null;
    }
}
