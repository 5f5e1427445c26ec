package io.jknife.hub.http;

import io.jknife.hub.HubConfig;
import io.jknife.hub.HubException;
import io.jknife.hub.HubException.Kind;
import io.jknife.hub.http.HubHttp.Call;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * File downloads over a plain HTTP/1.1 connection (TLS for https, with SNI and host-name checks),
 * read straight into the caller's buffers: the JDK client's per-buffer hand-offs, copies and
 * allocations cost about as much CPU as the transfer itself, which shows on small machines. Same
 * rules as {@link HubHttp}: the token only for the endpoint's own host, redirects followed with
 * the Hub's metadata headers kept, 429 and 5xx and failed connections retried, errors mapped to
 * {@link HubException} kinds. A read that stalls for a minute fails like a dropped connection.
 * Not used behind a proxy (then {@link HubHttp#stream} is).
 */
public final class RawGet {
    private static final int MAX_REDIRECTS = 10;
    private static final int MAX_HEADER_BYTES = 64 * 1024;
    private static final int CONNECT_TIMEOUT_MS = 20_000;
    private static final int READ_TIMEOUT_MS = 60_000;

    private final HubConfig config;
    private final String userAgent;
    private final HubHttp.Sleeper sleeper;
    private final int readTimeoutMs;

    public RawGet(HubConfig config, String userAgent, HubHttp.Sleeper sleeper) {
        this(config, userAgent, sleeper, READ_TIMEOUT_MS);
    }

    public RawGet(HubConfig config, String userAgent, HubHttp.Sleeper sleeper, int readTimeoutMs) {
        this.config = config;
        this.userAgent = userAgent;
        this.sleeper = sleeper;
        this.readTimeoutMs = readTimeoutMs;
    }

    /** Whether {@code uri} can be fetched directly (no proxy configured for it). */
    public static boolean direct(URI uri) {
        try {
            ProxySelector ps = ProxySelector.getDefault();
            if (ps == null) {
                return true;
            }
            for (Proxy p : ps.select(uri)) {
                if (p.type() != Proxy.Type.DIRECT) {
                    return false;
                }
            }
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** GET {@code uri} into {@code sink}; a body that breaks off is reported, not thrown. */
    public HubHttp.Streamed get(URI uri, Map<String, String> headers, Call call, BodySink sink) throws HubException {
        return exchange("GET", uri, headers, call, sink);
    }

    /** HEAD {@code uri}: the final response's status and headers, and the Hub's metadata headers. */
    public HubHttp.Streamed head(URI uri, Map<String, String> headers, Call call) throws HubException {
        return exchange("HEAD", uri, headers, call, null);
    }

    /** GET a small document (JSON, at most 64 MB) completely; a body that breaks off is retried. */
    public byte[] getBytes(URI uri, Map<String, String> headers, Call call) throws HubException {
        int tries = call.retry() ? config.retry().attempts() : 1;
        for (int i = 1; ; i++) {
            Collector c = new Collector();
            HubHttp.Streamed s = get(uri, headers, call, c);
            if (s.bodyError() == null) {
                return c.bytes();
            }
            if (i >= tries) {
                throw new HubException(Kind.NETWORK, 0, call.what() + ": " + s.bodyError().getMessage(), s.bodyError());
            }
            pause(config.retry().backoff(i), call);
        }
    }

    /** Collects a small body in memory. */
    private static final class Collector implements BodySink {
        private static final int LIMIT = 64 << 20;
        private final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();

        @Override
        public boolean begin(int status, HttpHeaders headers, HttpHeaders hubHeaders) {
            return true;
        }

        @Override
        public ByteBuffer buffer() {
            return ByteBuffer.allocate(64 * 1024);
        }

        @Override
        public void accept(ByteBuffer data) throws IOException {
            if (out.size() + data.remaining() > LIMIT) {
                throw new IOException("response larger than " + LIMIT + " bytes");
            }
            out.write(data.array(), data.arrayOffset() + data.position(), data.remaining());
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    private HubHttp.Streamed exchange(String method, URI uri, Map<String, String> headers, Call call, BodySink sink)
            throws HubException {
        int attempts = call.retry() ? config.retry().attempts() : 1;
        URI current = uri;
        HttpHeaders hub = null;
        int hops = 0;
        int attempt = 0;
        while (true) {
            attempt++;
            Socket socket;
            InputStream in;
            int status;
            HttpHeaders h;
            try {
                socket = connect(current);
            } catch (IOException e) {
                if (attempt < attempts) {
                    pause(config.retry().backoff(attempt), call);
                    continue;
                }
                throw new HubException(Kind.NETWORK, 0, call.what() + ": cannot connect to " + current.getHost() + ": "
                        + e.getMessage(), e);
            }
            try (socket) {
                try {
                    OutputStream out = socket.getOutputStream();
                    out.write(request(method, current, headers).getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
                    String statusLine = readLine(in);
                    status = parseStatus(statusLine);
                    h = readHeaders(in);
                } catch (IOException e) {
                    if (attempt < attempts) {
                        pause(config.retry().backoff(attempt), call);
                        continue;
                    }
                    throw new HubException(Kind.NETWORK, 0, call.what() + ": " + e.getMessage(), e);
                }
                if (hub == null && (h.firstValue("X-Repo-Commit").isPresent() || h.firstValue("X-Linked-Etag").isPresent())) {
                    hub = h;
                }
                if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
                    String location = h.firstValue("Location").orElseThrow(() ->
                            new HubException(Kind.PROTOCOL, call.what() + ": redirect without a Location"));
                    if (++hops > MAX_REDIRECTS) {
                        throw new HubException(Kind.PROTOCOL, call.what() + ": too many redirects");
                    }
                    current = current.resolve(location);
                    attempt--;
                    continue;
                }
                if (status < 200 || status >= 300) {
                    String detail = method.equals("HEAD") ? h.firstValue("X-Error-Message").orElse("") : errorDetail(in, h);
                    if ((status == 429 || status >= 500) && attempt < attempts) {
                        Duration wait = status == 429 ? HubHttp.retryAfter(h).orElse(config.retry().backoff(attempt))
                                : config.retry().backoff(attempt);
                        if (wait.compareTo(config.retry().maxWait()) <= 0) {
                            pause(wait, call);
                            continue;
                        }
                    }
                    throw HubHttp.error(call, current, status, h, detail);
                }
                HttpHeaders hubHeaders = hub == null ? h : hub;
                if (sink == null) {
                    return new HubHttp.Streamed(status, current, h, hubHeaders, null);
                }
                if (!sink.begin(status, h, hubHeaders)) {
                    return new HubHttp.Streamed(status, current, h, hubHeaders, null);
                }
                IOException broke = body(in, h, sink);
                return new HubHttp.Streamed(status, current, h, hubHeaders, broke);
            } catch (IOException e) {
                if (e instanceof HubException he) {
                    throw he;
                }
                throw new HubException(Kind.NETWORK, 0, call.what() + ": " + e.getMessage(), e);
            }
        }
    }

    /** Streams the body into the sink; returns the read failure, if any (sink failures are thrown). */
    private static IOException body(InputStream raw, HttpHeaders h, BodySink sink) throws IOException {
        long length = h.firstValue("Content-Length").map(v -> {
            try {
                return Long.parseLong(v.strip());
            } catch (NumberFormatException e) {
                return -1L;
            }
        }).orElse(-1L);
        boolean chunked = h.firstValue("Transfer-Encoding").map(v -> v.toLowerCase(Locale.ROOT).contains("chunked")).orElse(false);
        InputStream in = chunked ? new ChunkedInputStream(raw) : raw;
        long got = 0;
        while (chunked || length < 0 || got < length) {
            ByteBuffer buf = sink.buffer();
            int want = buf.remaining();
            if (!chunked && length >= 0) {
                want = (int) Math.min(want, length - got);
            }
            int filled = 0;
            IOException broke = null;
            boolean eof = false;
            while (filled < want) {
                int n;
                try {
                    n = in.read(buf.array(), buf.arrayOffset() + buf.position() + filled, want - filled);
                } catch (IOException e) {
                    broke = e;
                    break;
                }
                if (n < 0) {
                    eof = true;
                    break;
                }
                filled += n;
                if (in.available() == 0 && filled >= 64 * 1024) {
                    break; // hand over what arrived: slow links still show progress and resume from it
                }
            }
            buf.limit(buf.position() + filled);
            sink.accept(buf);
            got += filled;
            if (broke != null) {
                return broke;
            }
            if (eof) {
                return length >= 0 && got < length
                        ? new EOFException("connection closed after " + got + " of " + length + " bytes") : null;
            }
        }
        return null;
    }

    private Socket connect(URI uri) throws IOException {
        String host = uri.getHost();
        boolean tls = "https".equalsIgnoreCase(uri.getScheme());
        int port = uri.getPort() >= 0 ? uri.getPort() : tls ? 443 : 80;
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.setReceiveBufferSize(4 << 20);
            s.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MS);
            s.setSoTimeout(readTimeoutMs);
            if (!tls) {
                return s;
            }
            SSLSocket ssl = (SSLSocket) ((SSLSocketFactory) SSLSocketFactory.getDefault()).createSocket(s, host, port, true);
            SSLParameters p = ssl.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            p.setServerNames(List.of(new SNIHostName(host)));
            ssl.setSSLParameters(p);
            ssl.startHandshake();
            return ssl;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
        }
    }

    private String request(String method, URI uri, Map<String, String> headers) {
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (uri.getRawQuery() != null) {
            path += "?" + uri.getRawQuery();
        }
        StringBuilder sb = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\n");
        sb.append("Host: ").append(uri.getHost());
        if (uri.getPort() >= 0) {
            sb.append(':').append(uri.getPort());
        }
        sb.append("\r\n");
        sb.append("User-Agent: ").append(userAgent).append("\r\n");
        if (config.token().isPresent() && HubHttp.sameOrigin(uri, config.endpoint())) {
            sb.append("Authorization: Bearer ").append(config.token().get()).append("\r\n");
        }
        headers.forEach((k, v) -> sb.append(k).append(": ").append(v).append("\r\n"));
        sb.append("Connection: close\r\n\r\n");
        return sb.toString();
    }

    private static int parseStatus(String line) throws IOException {
        String[] parts = line.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
            throw new IOException("not an HTTP response: " + line);
        }
        try {
            return Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IOException("not an HTTP status: " + line);
        }
    }

    private static HttpHeaders readHeaders(InputStream in) throws IOException {
        Map<String, List<String>> map = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        int total = 0;
        while (true) {
            String line = readLine(in);
            if (line.isEmpty()) {
                break;
            }
            total += line.length();
            if (total > MAX_HEADER_BYTES) {
                throw new IOException("response headers too large");
            }
            int colon = line.indexOf(':');
            if (colon > 0) {
                map.computeIfAbsent(line.substring(0, colon).strip(), k -> new ArrayList<>()).add(line.substring(colon + 1).strip());
            }
        }
        return HttpHeaders.of(new LinkedHashMap<>(map), (a, b) -> true);
    }

    /** One CRLF-terminated line (ISO-8859-1), without the terminator. */
    static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int c = in.read();
            if (c < 0) {
                if (sb.isEmpty()) {
                    throw new EOFException("connection closed");
                }
                return sb.toString();
            }
            if (c == '\n') {
                int len = sb.length();
                return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
            }
            if (sb.length() > MAX_HEADER_BYTES) {
                throw new IOException("header line too long");
            }
            sb.append((char) c);
        }
    }

    private static String errorDetail(InputStream in, HttpHeaders h) {
        java.util.Optional<String> msg = h.firstValue("X-Error-Message");
        if (msg.isPresent() && !msg.get().isBlank()) {
            return msg.get().strip();
        }
        try {
            byte[] b = in.readNBytes(4096);
            String body = new String(b, StandardCharsets.UTF_8).replaceAll("\\s+", " ").strip();
            return body.length() > 200 ? body.substring(0, 200) + "..." : body;
        } catch (IOException e) {
            return "";
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
}
