package io.jknife.server;

import io.jknife.engine.LoadOptions;
import io.jknife.vision.VisionSettings;
import java.time.Duration;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Everything {@code serve} can set.
 *
 * @param host            bind address
 * @param port            port; 0 picks a free one
 * @param defaultModel    model preloaded at start and used when a request names none; or null
 * @param maxTokens       default token limit when a request gives none; null means what fits in the context
 * @param maxLoaded       models kept loaded at once (least recently used evicted)
 * @param keepAlive       idle time after which a model unloads; null keeps models loaded
 * @param apiKey          bearer key required on /v1/* and /metrics, or null
 * @param corsOrigins     allowed CORS origins ("*" for any); empty turns CORS off
 * @param logJson         request log lines as JSON
 * @param maxBodyBytes    largest request body (413 above)
 * @param maxQueue        requests that may wait per loaded model (503 above)
 * @param memoryMargin    bytes kept free beyond the model and its KV cache
 * @param gatePoll        memory gate poll interval
 * @param gateTimeout     memory gate wait before 503
 * @param contextSize     context size to load models with; 0 means the model's own
 * @param threads         CPU threads; 0 means all cores
 * @param parallel        generations one loaded model runs at once (engines with parallel slots; others run one)
 * @param switchFloors    free memory a switch to a vision or speech model waits for (reference backends.md §2.2)
 * @param allowRemoteImages whether {@code image_url} parts may name http(s) URLs the server fetches ({@code serve --allow-remote-images})
 * @param imageEnv        the vision switches of the environment ({@code JKNIFE_VISION_CHUNK_SIZE}, {@code JKNIFE_EXIF_METADATA},
 *                        {@code JKNIFE_VISION_METADATA_CONTEXT} and their {@code MLXK2_} spellings); nothing else is kept
 */
public record ServerConfig(String host, int port, String defaultModel, Integer maxTokens, int maxLoaded,
                           Duration keepAlive, String apiKey, List<String> corsOrigins, boolean logJson,
                           long maxBodyBytes, int maxQueue, long memoryMargin, Duration gatePoll,
                           Duration gateTimeout, int contextSize, int threads, int parallel, SwitchFloors switchFloors,
                           boolean allowRemoteImages, Map<String, String> imageEnv) {

    /**
     * The free memory a model switch waits for, on top of the model's own size: the proxy the
     * reference uses for "the previous model's memory has really been released".
     *
     * @param visionBytes for a vision-capable model (8 GiB by default)
     * @param speechBytes for a speech-to-text model (4 GiB by default)
     */
    public record SwitchFloors(long visionBytes, long speechBytes) {
        public static final SwitchFloors DEFAULTS = new SwitchFloors(8L << 30, 4L << 30);

        public SwitchFloors {
            if (visionBytes < 0 || speechBytes < 0) {
                throw new IllegalArgumentException("switch floors must not be negative");
            }
        }
    }

    public ServerConfig {
        corsOrigins = corsOrigins == null ? List.of() : List.copyOf(corsOrigins);
        if (maxLoaded < 1) {
            throw new IllegalArgumentException("--max-loaded must be >= 1 (got " + maxLoaded + ")");
        }
        if (maxTokens != null && maxTokens < 1) {
            throw new IllegalArgumentException("--max-tokens must be >= 1 (got " + maxTokens + ")");
        }
        if (parallel < 1) {
            throw new IllegalArgumentException("--parallel must be >= 1 (got " + parallel + ")");
        }
        switchFloors = switchFloors == null ? SwitchFloors.DEFAULTS : switchFloors;
        imageEnv = imageEnvironment(imageEnv == null ? Map.of() : imageEnv);
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port must be in 0..65535 (got " + port + ")");
        }
    }

    public static ServerConfig defaults() {
        return new ServerConfig("127.0.0.1", 8000, null, null, 1, Duration.ofMinutes(5), null, List.of(), false,
                100L * 1024 * 1024, 64, 512L * 1024 * 1024, Duration.ofMillis(500), Duration.ofSeconds(10), 0, 0, 1, SwitchFloors.DEFAULTS, false, Map.of());
    }

    public ServerConfig withHost(String h) {
        return new ServerConfig(h, port, defaultModel, maxTokens, maxLoaded, keepAlive, apiKey, corsOrigins, logJson, maxBodyBytes, maxQueue, memoryMargin, gatePoll, gateTimeout, contextSize, threads, parallel, switchFloors, allowRemoteImages, imageEnv);
    }

    public ServerConfig withPort(int p) {
        return new ServerConfig(host, p, defaultModel, maxTokens, maxLoaded, keepAlive, apiKey, corsOrigins, logJson, maxBodyBytes, maxQueue, memoryMargin, gatePoll, gateTimeout, contextSize, threads, parallel, switchFloors, allowRemoteImages, imageEnv);
    }

    public ServerConfig withDefaultModel(String m) {
        return new ServerConfig(host, port, m, maxTokens, maxLoaded, keepAlive, apiKey, corsOrigins, logJson, maxBodyBytes, maxQueue, memoryMargin, gatePoll, gateTimeout, contextSize, threads, parallel, switchFloors, allowRemoteImages, imageEnv);
    }

    public ServerConfig withMaxTokens(Integer n) {
        return new ServerConfig(host, port, defaultModel, n, maxLoaded, keepAlive, apiKey, corsOrigins, logJson, maxBodyBytes, maxQueue, memoryMargin, gatePoll, gateTimeout, contextSize, threads, parallel, switchFloors, allowRemoteImages, imageEnv);
    }

    public ServerConfig withMaxLoaded(int n) {
        return new ServerConfig(host, port, defaultModel, maxTokens, n, keepAlive, apiKey, corsOrigins, logJson, maxBodyBytes, maxQueue, memoryMargin, gatePoll, gateTimeout, contextSize, threads, parallel, switchFloors, allowRemoteImages, imageEnv);
    }

    public ServerConfig withKeepAlive(Duration d) {
        return new ServerConfig(host, port, defaultModel, maxTokens, maxLoaded, d, apiKey, corsOrigins, logJson, maxBodyBytes, maxQueue, memoryMargin, gatePoll, gateTimeout, contextSize, threads, parallel, switchFloors, allowRemoteImages, imageEnv);
    }

    public ServerConfig withApiKey(String k) {
        return new ServerConfig(host, port, defaultModel, maxTokens, maxLoaded, keepAlive, k, corsOrigins, logJson, maxBodyBytes, maxQueue, memoryMargin, gatePoll, gateTimeout, contextSize, threads, parallel, switchFloors, allowRemoteImages, imageEnv);
    }

    public ServerConfig withCors(List<String> origins) {
        return new ServerConfig(host, port, defaultModel, maxTokens, maxLoaded, keepAlive, apiKey, origins, logJson, maxBodyBytes, maxQueue, memoryMargin, gatePoll, gateTimeout, contextSize, threads, parallel, switchFloors, allowRemoteImages, imageEnv);
    }

    public ServerConfig withLogJson(boolean j) {
        return new ServerConfig(host, port, defaultModel, maxTokens, maxLoaded, keepAlive, apiKey, corsOrigins, j, maxBodyBytes, maxQueue, memoryMargin, gatePoll, gateTimeout, contextSize, threads, parallel, switchFloors, allowRemoteImages, imageEnv);
    }

    public ServerConfig withMaxBodyBytes(long b) {
        return new ServerConfig(host, port, defaultModel, maxTokens, maxLoaded, keepAlive, apiKey, corsOrigins, logJson, b, maxQueue, memoryMargin, gatePoll, gateTimeout, contextSize, threads, parallel, switchFloors, allowRemoteImages, imageEnv);
    }

    public ServerConfig withMaxQueue(int q) {
        return new ServerConfig(host, port, defaultModel, maxTokens, maxLoaded, keepAlive, apiKey, corsOrigins, logJson, maxBodyBytes, q, memoryMargin, gatePoll, gateTimeout, contextSize, threads, parallel, switchFloors, allowRemoteImages, imageEnv);
    }

    public ServerConfig withMemoryGate(long margin, Duration poll, Duration timeout) {
        return new ServerConfig(host, port, defaultModel, maxTokens, maxLoaded, keepAlive, apiKey, corsOrigins, logJson, maxBodyBytes, maxQueue, margin, poll, timeout, contextSize, threads, parallel, switchFloors, allowRemoteImages, imageEnv);
    }

    public ServerConfig withSwitchFloors(long visionBytes, long speechBytes) {
        return new ServerConfig(host, port, defaultModel, maxTokens, maxLoaded, keepAlive, apiKey, corsOrigins, logJson, maxBodyBytes, maxQueue, memoryMargin, gatePoll, gateTimeout, contextSize, threads, parallel, new SwitchFloors(visionBytes, speechBytes), allowRemoteImages, imageEnv);
    }

    public ServerConfig withParallel(int n) {
        return new ServerConfig(host, port, defaultModel, maxTokens, maxLoaded, keepAlive, apiKey, corsOrigins, logJson, maxBodyBytes, maxQueue, memoryMargin, gatePoll, gateTimeout, contextSize, threads, n, switchFloors, allowRemoteImages, imageEnv);
    }

    public ServerConfig withAllowRemoteImages(boolean allow) {
        return new ServerConfig(host, port, defaultModel, maxTokens, maxLoaded, keepAlive, apiKey, corsOrigins, logJson, maxBodyBytes, maxQueue, memoryMargin, gatePoll, gateTimeout, contextSize, threads, parallel, switchFloors, allow, imageEnv);
    }

    /** The vision switches are taken from {@code env}; every other variable is dropped (the config may be logged). */
    public ServerConfig withImageEnv(Map<String, String> env) {
        return new ServerConfig(host, port, defaultModel, maxTokens, maxLoaded, keepAlive, apiKey, corsOrigins, logJson, maxBodyBytes, maxQueue, memoryMargin, gatePoll, gateTimeout, contextSize, threads, parallel, switchFloors, allowRemoteImages, env);
    }

    private static Map<String, String> imageEnvironment(Map<String, String> env) {
        Map<String, String> kept = new LinkedHashMap<>();
        for (String name : new String[]{VisionSettings.CHUNK_SIZE, VisionSettings.EXIF_METADATA, VisionSettings.METADATA_CONTEXT}) {
            for (String spelling : new String[]{name, name.replace("JKNIFE_", "MLXK2_")}) {
                String v = env.get(spelling);
                if (v != null) {
                    kept.put(spelling, v);
                }
            }
        }
        return Map.copyOf(kept);
    }

    /** How models are loaded: context, threads, parallel slots. */
    public LoadOptions loadOptions() {
        return new LoadOptions(contextSize, threads, parallel);
    }

    public ServerConfig withLoad(int ctx, int thr) {
        return new ServerConfig(host, port, defaultModel, maxTokens, maxLoaded, keepAlive, apiKey, corsOrigins, logJson, maxBodyBytes, maxQueue, memoryMargin, gatePoll, gateTimeout, ctx, thr, parallel, switchFloors, allowRemoteImages, imageEnv);
    }

    /**
     * Parses a duration: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, a plain number of
     * seconds; {@code -1}, {@code never} or {@code forever} keep models loaded (null).
     */
    public static Duration parseDuration(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        if (t.equals("-1") || t.equals("never") || t.equals("forever") || t.equals("inf")) {
            return null;
        }
        try {
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            char unit = t.charAt(t.length() - 1);
            String num = Character.isDigit(unit) ? t : t.substring(0, t.length() - 1);
            double v = Double.parseDouble(num);
            if (v < 0 || Double.isNaN(v)) {
                throw new IllegalArgumentException();
            }
            double secs = switch (unit) {
                case 's' -> v;
                case 'm' -> v * 60;
                case 'h' -> v * 3600;
                default -> {
                    if (Character.isDigit(unit)) {
                        yield v;
                    }
                    throw new IllegalArgumentException();
                }
            };
            return Duration.ofMillis(Math.round(secs * 1000));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("Invalid duration '" + s + "' (examples: 30s, 5m, 1h, 500ms, -1 for never)");
        }
    }
}
