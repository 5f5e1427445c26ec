package io.jknife.hub.http;

import io.jknife.hub.HubConfig;
import io.jknife.hub.HubException;
import io.jknife.hub.HubException.Kind;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;

/**
 * The Hub's HTTP protocol on the JDK client: bearer token (only ever sent to the endpoint's own
 * host, never to a CDN a redirect leads to), redirects followed by hand (so the Hub's own headers —
 * {@code X-Repo-Commit}, {@code X-Linked-Etag} — are kept even when the bytes come from elsewhere),
 * bounded retries of 429 (honouring {@code Retry-After}), 5xx and connection failures, and errors
 * mapped onto {@link HubException.Kind}s from the status and the Hub's {@code X-Error-Code}.
 */
public final class HubHttp implements AutoCloseable {
    private static final int MAX_REDIRECTS = 10;
    private static final int MAX_ERROR_BODY = 64 * 1024;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(20);
    /** Until the response headers arrive; body reads are watched by the downloader. */
    private static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(60);

    static {
        // The JDK client reads the socket in 16 KB buffers by default; bulk downloads spend much of
        // their time in per-buffer overhead then (1 GB from localhost: 2.3 s → 1.0 s with 1 MB).
        // Read once when the client's internals load, so set it before the first client exists.
        if (System.getProperty("jdk.httpclient.bufsize") == null) {
            System.setProperty("jdk.httpclient.bufsize", Integer.toString(1 << 20));
        }
    }

    private final HubConfig config;
    private HttpClient client;
    private final String userAgent;
    private final Sleeper sleeper;
    private StallWatchdog watchdog;

    /** Waits between retries; tests replace it to record instead of sleeping. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    public HubHttp(HubConfig config, String userAgent) {
        this(config, userAgent, d -> Thread.sleep(d.toMillis()));
    }

    public HubHttp(HubConfig config, String userAgent, Sleeper sleeper) {
        this.config = config;
        this.userAgent = userAgent;
        this.sleeper = sleeper;

    }

    public HubConfig config() {
        return config;
    }

    /**
     * The JDK client, made on first use: it costs a third of a second to start (TLS context
     * included), and pulls over jknife's own connections never need it.
     */
    private synchronized HttpClient client() {
        if (client == null) {
            client = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1) // the Hub and its CDN serve bulk bytes fastest over plain 1.1 streams
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .connectTimeout(CONNECT_TIMEOUT)
                    .executor(Executors.newVirtualThreadPerTaskExecutor())
                    .build();
            watchdog = new StallWatchdog(config.stallTimeout());
        }
        return client;
    }

    public String userAgent() {
        return userAgent;
    }

    public Sleeper sleeper() {
        return sleeper;
    }

    /** An endpoint URL: {@code endpoint + path} ({@code path} already encoded, starting with {@code /}). */
    public URI url(String path) {
        return URI.create(config.endpoint() + path);
    }

    /**
     * A successful (2xx) response with its body still to read. {@code hubHeaders} are the headers of
     * the first response in the redirect chain that carried Hub metadata ({@code X-Repo-Commit} or
     * {@code X-Linked-Etag}), else the final response's.
     */
    public record Response(int status, URI uri, HttpHeaders headers, HttpHeaders hubHeaders, InputStream body)
            implements AutoCloseable {
        public Optional<String> header(String name) {
            return headers.firstValue(name);
        }

        public Optional<String> hubHeader(String name) {
            return hubHeaders.firstValue(name);
        }

        public byte[] readAll() throws IOException {
            try (InputStream in = body) {
                return in.readAllBytes();
            }
        }

        @Override
        public void close() {
            try {
                body.close();
            } catch (IOException e) {
                // nothing left to do with a body we no longer want
            }
        }
    }

    /** What a request is, for messages, and which kind a 404 without an error code means. */
    public record Call(String what, Kind notFound, boolean retry) {
        public Call {
            Objects.requireNonNull(what);
            Objects.requireNonNull(notFound);
        }
    }

    /**
     * Sends a request, following redirects for GET and HEAD, retrying transient failures when
     * {@code call.retry()}. The body publisher must be repeatable (files, byte arrays).
     */
    public Response send(String method, URI uri, Map<String, String> headers, HttpRequest.BodyPublisher body, Call call)
            throws HubException {
        Exchange x = exchange(method, uri, headers, body, call, null);
        return new Response(x.status, x.uri, x.headers, x.hub, (InputStream) x.body);
    }

    /**
     * A GET whose successful body goes into {@code sink} buffer by buffer (no copy through a
     * stream). Errors before the body are retried and mapped as for {@link #send}; a failure
     * while the body flows (a dropped or stalled connection) is returned in
     * {@link Streamed#bodyError} so the caller can resume from what it received.
     */
    public Streamed stream(URI uri, Map<String, String> headers, Call call, BodySink sink) throws HubException {
        Exchange x = exchange("GET", uri, headers, HttpRequest.BodyPublishers.noBody(), call,
                (info, hub) -> new SinkSubscriber(sink, info, hub, watchdog()));
        return new Streamed(x.status, x.uri, x.headers, x.hub, x.bodyError);
    }

    /** Takes a successful response's body; called before the first byte, on a client thread. */
    @FunctionalInterface
    interface BodyTarget {
        HttpResponse.BodySubscriber<Void> open(HttpResponse.ResponseInfo info, HttpHeaders hubHeaders);
    }

    /** The outcome of {@link #stream}. */
    public record Streamed(int status, URI uri, HttpHeaders headers, HttpHeaders hubHeaders, IOException bodyError) {
    }

    private record Exchange(int status, URI uri, HttpHeaders headers, HttpHeaders hub, Object body, IOException bodyError) {
    }

    private Exchange exchange(String method, URI uri, Map<String, String> headers, HttpRequest.BodyPublisher body, Call call,
                              BodyTarget target) throws HubException {
        boolean follow = method.equals("GET") || method.equals("HEAD");
        int attempts = call.retry() ? config.retry().attempts() : 1;
        URI current = uri;
        HttpHeaders[] hub = {null};
        boolean[] opened = {false};
        int hops = 0;
        int attempt = 0;
        while (true) {
            attempt++;
            opened[0] = false;
            HttpResponse.BodyHandler<Object> handler = info -> {
                int st = info.statusCode();
                if (target != null && st >= 200 && st < 300) {
                    opened[0] = true;
                    HttpHeaders h = hub[0] != null ? hub[0] : info.headers();
                    return HttpResponse.BodySubscribers.mapping(target.open(info, h), v -> (Object) null);
                }
                return HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.ofInputStream(), in -> (Object) in);
            };
            HttpResponse<Object> resp;
            try {
                resp = client().send(request(method, current, headers, body), handler);
            } catch (IOException e) {
                if (opened[0]) {
                    // the body started flowing and broke: the caller resumes from what it got
                    return new Exchange(200, current, null, hub[0], null, e);
                }
                if (attempt < attempts) {
                    pause(config.retry().backoff(attempt), call);
                    continue;
                }
                throw network(call, current, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HubException(Kind.NETWORK, 0, call.what() + ": interrupted", e);
            }
            int status = resp.statusCode();
            if (hub[0] == null && carriesHubMetadata(resp.headers())) {
                hub[0] = resp.headers();
            }
            if (opened[0]) {
                return new Exchange(status, current, resp.headers(), hub[0] == null ? resp.headers() : hub[0], null, null);
            }
            InputStream in = (InputStream) resp.body();
            if (follow && isRedirect(status)) {
                Optional<String> location = resp.headers().firstValue("Location");
                drain(in);
                if (location.isEmpty()) {
                    throw new HubException(Kind.PROTOCOL, status, call.what() + ": redirect without a Location", null);
                }
                if (++hops > MAX_REDIRECTS) {
                    throw new HubException(Kind.PROTOCOL, status, call.what() + ": too many redirects", null);
                }
                current = current.resolve(location.get());
                attempt--; // a redirect is not a failed attempt
                continue;
            }
            if (status >= 200 && status < 300) {
                return new Exchange(status, current, resp.headers(), hub[0] == null ? resp.headers() : hub[0], in, null);
            }
            String detail = errorDetail(in, resp.headers());
            if ((status == 429 || isServerError(status)) && attempt < attempts) {
                Duration wait = status == 429
                        ? retryAfter(resp.headers()).orElse(config.retry().backoff(attempt))
                        : config.retry().backoff(attempt);
                if (wait.compareTo(config.retry().maxWait()) <= 0) {
                    pause(wait, call);
                    continue;
                }
            }
            throw error(call, current, status, resp.headers(), detail);
        }
    }

    /** GET (following redirects, retrying), with extra headers such as {@code Range}. */
    public Response get(URI uri, Map<String, String> headers, Call call) throws HubException {
        return send("GET", uri, headers, HttpRequest.BodyPublishers.noBody(), call);
    }

    /** GET a small document (JSON) fully. */
    public byte[] getBytes(URI uri, Call call) throws HubException {
        try (Response r = get(uri, Map.of(), call)) {
            return r.readAll();
        } catch (IOException e) {
            if (e instanceof HubException he) {
                throw he;
            }
            throw network(call, uri, e);
        }
    }

    /** POST a JSON body, returning the response body. */
    public byte[] postJson(URI uri, byte[] json, Map<String, String> headers, Call call) throws HubException {
        Map<String, String> h = new java.util.LinkedHashMap<>(headers);
        h.putIfAbsent("Content-Type", "application/json");
        try (Response r = send("POST", uri, h, HttpRequest.BodyPublishers.ofByteArray(json), call)) {
            return r.readAll();
        } catch (IOException e) {
            if (e instanceof HubException he) {
                throw he;
            }
            throw network(call, uri, e);
        }
    }

    private HttpRequest request(String method, URI uri, Map<String, String> headers, HttpRequest.BodyPublisher body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(RESPONSE_TIMEOUT).method(method, body);
        b.header("User-Agent", userAgent);
        if (config.token().isPresent() && sameOrigin(uri, config.endpoint())) {
            b.header("Authorization", "Bearer " + config.token().get());
        }
        headers.forEach(b::header);
        return b.build();
    }

    static boolean sameOrigin(URI a, URI b) {
        return Objects.equals(lower(a.getScheme()), lower(b.getScheme()))
                && Objects.equals(lower(a.getHost()), lower(b.getHost()))
                && port(a) == port(b);
    }

    private static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }

    private static int port(URI u) {
        if (u.getPort() >= 0) {
            return u.getPort();
        }
        return "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    private static boolean carriesHubMetadata(HttpHeaders h) {
        return h.firstValue("X-Repo-Commit").isPresent() || h.firstValue("X-Linked-Etag").isPresent();
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    private static boolean isServerError(int status) {
        return status == 500 || status == 502 || status == 503 || status == 504;
    }

    /** {@code Retry-After} in seconds (the HTTP-date form is rare on the Hub and treated as absent). */
    static Optional<Duration> retryAfter(HttpHeaders h) {
        Optional<String> v = h.firstValue("Retry-After");
        if (v.isEmpty()) {
            return Optional.empty();
        }
        try {
            long s = Long.parseLong(v.get().strip());
            return s < 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(s));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private void pause(Duration d, Call call) throws HubException {
        try {
            sleeper.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HubException(Kind.NETWORK, 0, call.what() + ": interrupted", e);
        }
    }

    private static void drain(InputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            // the connection is discarded anyway
        }
    }

    /** The Hub's explanation: {@code X-Error-Message}, else a JSON body's {@code error}, else the body text. */
    private static String errorDetail(InputStream stream, HttpHeaders headers) {
        Optional<String> header = headers.firstValue("X-Error-Message");
        String body = "";
        try (InputStream in = stream) {
            body = new String(in.readNBytes(MAX_ERROR_BODY), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            // no body to show
        }
        if (header.isPresent() && !header.get().isBlank()) {
            return header.get().strip();
        }
        if (body.startsWith("{")) {
            int i = body.indexOf("\"error\"");
            if (i >= 0) {
                int q1 = body.indexOf('"', body.indexOf(':', i) + 1);
                int q2 = q1 < 0 ? -1 : body.indexOf('"', q1 + 1);
                if (q1 >= 0 && q2 > q1) {
                    return body.substring(q1 + 1, q2);
                }
            }
        }
        return oneLine(body);
    }

    private static String oneLine(String s) {
        String line = s.replaceAll("\\s+", " ").strip();
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }

    static HubException error(Call call, URI uri, int status, HttpHeaders h, String detail) {
        String code = h.firstValue("X-Error-Code").orElse("");
        Kind kind = switch (status) {
            case 401 -> code.equals("RepoNotFound") ? Kind.REPO_NOT_FOUND : Kind.UNAUTHORIZED;
            case 403 -> code.equals("GatedRepo") ? Kind.GATED : Kind.FORBIDDEN;
            case 404 -> switch (code) {
                case "RepoNotFound" -> Kind.REPO_NOT_FOUND;
                case "RevisionNotFound" -> Kind.REVISION_NOT_FOUND;
                case "EntryNotFound" -> Kind.ENTRY_NOT_FOUND;
                default -> call.notFound();
            };
            case 409 -> Kind.CONFLICT;
            case 429 -> Kind.RATE_LIMITED;
            default -> status >= 500 ? Kind.SERVER_ERROR : Kind.PROTOCOL;
        };
        if (code.equals("GatedRepo")) {
            kind = Kind.GATED;
        }
        StringBuilder msg = new StringBuilder(call.what()).append(": HTTP ").append(status);
        if (!detail.isBlank()) {
            msg.append(" (").append(detail).append(')');
        }
        if (status == 429) {
            retryAfter(h).ifPresent(d -> msg.append("; retry after ").append(d.toSeconds()).append(" s"));
        }
        return new HubException(kind, status, msg.toString(), null);
    }

    private static HubException network(Call call, URI uri, IOException e) {
        String why = e instanceof ConnectException ? "cannot connect to " + uri.getHost() + ":" + port(uri)
                : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return new HubException(Kind.NETWORK, 0, call.what() + ": " + why, e);
    }

    private synchronized StallWatchdog watchdog() {
        client();
        return watchdog;
    }

    @Override
    public synchronized void close() {
        if (client != null) {
            watchdog.close();
            client.close();
        }
    }
}
