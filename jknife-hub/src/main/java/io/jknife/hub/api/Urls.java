package io.jknife.hub.api;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Percent-encoding for the Hub's URL paths. */
public final class Urls {
    private Urls() {
    }

    /** One path segment or a revision ({@code refs/pr/1} → {@code refs%2Fpr%2F1}), as huggingface_hub's {@code quote(x, safe="")}. */
    public static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("%7E", "~");
    }

    /** A repository path: each {@code /}-separated segment encoded, the slashes kept. */
    public static String path(String p) {
        String[] parts = p.split("/", -1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
                sb.append('/');
            }
            sb.append(segment(parts[i]));
        }
        return sb.toString();
    }
}
