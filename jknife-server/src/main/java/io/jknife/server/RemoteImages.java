package io.jknife.server;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Fetches the {@code http(s)://} images of {@code image_url} parts, only when the server was
 * started with {@code --allow-remote-images} (it makes the server a client of any URL a caller
 * names). Redirects are followed by hand, to http(s) only; the content type must be one of the
 * data-URL types; the body is counted while it arrives and dropped past the limit; the whole
 * fetch has one deadline, so a slow sender cannot hold a request.
 */
final class RemoteImages {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    static final Duration FETCH_TIMEOUT = Duration.ofSeconds(30);
    private static final int MAX_REDIRECTS = 5;
    private static final Set<String> TYPES = Set.of("jpeg", "jpg", "png", "gif", "webp");

    /** A fetched image: its bytes and its normalised subtype ({@code jpeg}, {@code png}, ...). */
    record Fetched(byte[] bytes, String type) {
    }

    private final HttpClient http;
    private final Duration timeout;

    RemoteImages(Duration timeout) {
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(CONNECT_TIMEOUT).build();
    }

    /** Whether {@code url} names a remote image (rather than a {@code data:} URL). */
    static boolean isRemote(String url) {
        String u = url.toLowerCase(Locale.ROOT);
        return u.startsWith("http://") || u.startsWith("https://");
    }

    /**
     * Fetches {@code url}: 400 when it cannot be fetched or is no supported image.
     *
     * @throws OverLimit when the image is larger than {@code maxBytes} (nothing more is read)
     */
    Fetched fetch(String url, long maxBytes) {
        URI uri = parse(url, url);
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int hop = 0; ; hop++) {
            HttpResponse<byte[]> r = send(url, uri, maxBytes, deadline);
            int status = r.statusCode();
            if (status >= 300 && status < 400 && r.headers().firstValue("Location").isPresent()) {
                if (hop >= MAX_REDIRECTS) {
                    throw bad("Could not fetch image " + url + ": more than " + MAX_REDIRECTS + " redirects");
                }
                String location = r.headers().firstValue("Location").get().trim();
                try {
                    uri = parse(url, uri.resolve(location).toString());
                } catch (IllegalArgumentException e) {
                    throw bad("Could not fetch image " + url + ": bad redirect location '" + location + "'");
                }
                continue;
            }
            if (status != 200) {
                throw bad("Could not fetch image " + url + ": HTTP " + status);
            }
            String type = imageType(r);
            if (type == null) {
                throw bad("Unsupported image content type '" + r.headers().firstValue("Content-Type").orElse("")
                        + "' at " + url + ". Supported types: gif, jpeg, jpg, png, webp");
            }
            byte[] body = r.body();
            if (body == null) { // refused by its Content-Length before reading
                throw new OverLimit(r.headers().firstValueAsLong("Content-Length").orElse(maxBytes + 1));
            }
            if (body.length == 0) {
                throw bad("The image at " + url + " is empty");
            }
            return new Fetched(body, type.equals("jpg") ? "jpeg" : type);
        }
    }

    private HttpResponse<byte[]> send(String original, URI uri, long maxBytes, long deadline) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw timedOut(original);
        }
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofNanos(left)).GET()
                .header("Accept", "image/jpeg, image/png, image/gif, image/webp").build();
        CompletableFuture<HttpResponse<byte[]>> f = http.sendAsync(request, info -> body(info, maxBytes));
        try {
            return f.get(left, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw timedOut(original);
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw bad("Could not fetch image " + original + ": interrupted");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof OverLimit o) {
                throw o;
            }
            if (c instanceof java.net.http.HttpTimeoutException) {
                throw timedOut(original);
            }
            throw bad("Could not fetch image " + original + ": " + (c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage()));
        }
    }

    /** Reads the body only of an answer that will be used: 200, an image type, a Content-Length within the limit. */
    private static HttpResponse.BodySubscriber<byte[]> body(HttpResponse.ResponseInfo info, long maxBytes) {
        boolean usable = info.statusCode() == 200 && imageType(info.headers().firstValue("Content-Type").orElse(null)) != null
                && info.headers().firstValueAsLong("Content-Length").orElse(0) <= maxBytes;
        return usable ? new LimitedBody(maxBytes) : HttpResponse.BodySubscribers.replacing(null);
    }

    private static String imageType(HttpResponse<?> r) {
        return imageType(r.headers().firstValue("Content-Type").orElse(null));
    }

    static String imageType(String contentType) {
        if (contentType == null) {
            return null;
        }
        String media = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (!media.startsWith("image/")) {
            return null;
        }
        String sub = media.substring("image/".length());
        return TYPES.contains(sub) ? sub : null;
    }

    private static URI parse(String original, String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw bad("Invalid image URL " + original + ": " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw bad("Could not fetch image " + original + ": only http and https URLs are fetched (got '"
                    + (uri.getScheme() == null ? url : uri.getScheme() + ":") + "')");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw bad("Invalid image URL " + original + ": no host");
        }
        return uri;
    }

    private ApiException timedOut(String url) {
        return bad("Could not fetch image " + url + ": no complete answer within "
                + (timeout.toMillis() % 1000 == 0 ? timeout.toSeconds() + " s" : timeout.toMillis() + " ms"));
    }

    private static ApiException bad(String message) {
        return new ApiException(400, "invalid_request_error", "invalid_image", "messages", message, null);
    }

    /** An image over the caller's limit; {@code bytes} is its declared size or what arrived before reading stopped. */
    static final class OverLimit extends RuntimeException {
        final long bytes;

        OverLimit(long bytes) {
            super("image of at least " + bytes + " bytes", null, false, false);
            this.bytes = bytes;
        }
    }

    /** Collects a body up to a limit. */
    private static final class LimitedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final long limit;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private Flow.Subscription subscription;
        private long seen;

        LimitedBody(long limit) {
            this.limit = limit;
        }

        @Override
        public CompletableFuture<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (result.isDone()) {
                return;
            }
            for (ByteBuffer b : items) {
                seen += b.remaining();
                if (seen > limit) {
                    subscription.cancel();
                    result.completeExceptionally(new OverLimit(seen));
                    return;
                }
                byte[] chunk = new byte[b.remaining()];
                b.get(chunk);
                bytes.writeBytes(chunk);
            }
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            result.complete(bytes.toByteArray());
        }
    }
}
