package io.jknife.hub;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * How to reach the Hub: the endpoint ({@code HF_ENDPOINT}), the token ({@code HF_TOKEN}), retry
 * and parallelism settings. Built once from the environment and passed down.
 *
 * @param endpoint    base URL without a trailing slash, e.g. {@code https://huggingface.co}
 * @param token       bearer token, or empty
 * @param retry       how often and how long transient failures (429, 5xx, dropped connections) are retried
 * @param parallelism files downloaded at the same time
 * @param stallTimeout a download receiving nothing for this long is dropped and resumed
 * @param rawDownloads  file bodies over jknife's own HTTP/1.1 connection (faster) rather than the JDK
 *                      client; {@code JKNIFE_HUB_HTTP=client} turns it off, a proxy always does
 */
public record HubConfig(URI endpoint, Optional<String> token, RetryPolicy retry, int parallelism, Duration stallTimeout,
                        boolean rawDownloads) {
    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";

    public HubConfig {
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be at least 1");
        }
    }

    /**
     * From {@code HF_ENDPOINT}, {@code HF_TOKEN} (then {@code HUGGINGFACE_HUB_TOKEN}, the legacy
     * name, when {@code legacyToken}), {@code JKNIFE_HUB_WORKERS} (default 8) and
     * {@code JKNIFE_HUB_RETRY_DELAY_MS} (first retry delay, default 1000; tests set it low).
     */
    public static HubConfig fromEnvironment(Map<String, String> env, boolean legacyToken) {
        String ep = env.getOrDefault("HF_ENDPOINT", "");
        if (ep.isBlank()) {
            ep = DEFAULT_ENDPOINT;
        }
        while (ep.endsWith("/")) {
            ep = ep.substring(0, ep.length() - 1);
        }
        String token = nonBlank(env.get("HF_TOKEN"));
        if (token == null && legacyToken) {
            token = nonBlank(env.get("HUGGINGFACE_HUB_TOKEN"));
        }
        long delayMs = parseLong(env.get("JKNIFE_HUB_RETRY_DELAY_MS"), 1000);
        int workers = (int) parseLong(env.get("JKNIFE_HUB_WORKERS"), 8);
        RetryPolicy retry = new RetryPolicy(5, Duration.ofMillis(delayMs), Duration.ofSeconds(120));
        return new HubConfig(URI.create(ep), Optional.ofNullable(token), retry, Math.max(1, Math.min(workers, 64)),
                Duration.ofSeconds(60), !"client".equalsIgnoreCase(env.getOrDefault("JKNIFE_HUB_HTTP", "").strip()));
    }

    /** The Hub's web address of a repository, e.g. for {@code repo_url}. */
    public String repoUrl(String repoId) {
        return endpoint + "/" + repoId;
    }

    private static String nonBlank(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    private static long parseLong(String s, long dflt) {
        if (s == null || s.isBlank()) {
            return dflt;
        }
        try {
            return Math.max(0, Long.parseLong(s.strip()));
        } catch (NumberFormatException e) {
            return dflt;
        }
    }
}
