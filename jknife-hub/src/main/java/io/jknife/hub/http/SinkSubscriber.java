package io.jknife.hub.http;

import java.io.IOException;
import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Feeds a JDK client response body into a {@link BodySink}, one client buffer at a time with
 * demand for the next only after the sink took the last (back-pressure), and drops the
 * connection when no bytes arrive for the stall timeout.
 */
final class SinkSubscriber implements HttpResponse.BodySubscriber<Void> {
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final BodySink sink;
    private final boolean accepted;
    private final StallWatchdog watchdog;
    private volatile Flow.Subscription subscription;
    private volatile StallWatchdog.Watch watch;

    SinkSubscriber(BodySink sink, HttpResponse.ResponseInfo info, HttpHeaders hub, StallWatchdog watchdog) {
        this.sink = sink;
        this.watchdog = watchdog;
        this.accepted = sink.begin(info.statusCode(), info.headers(), hub);
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (!accepted) {
            s.cancel();
            done.complete(null); // the sink refused; it knows why
            return;
        }
        watch = watchdog.watch(() -> {
            s.cancel();
            done.completeExceptionally(new IOException("no data for too long"));
        });
        s.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
        if (done.isDone()) {
            return;
        }
        try {
            for (ByteBuffer b : items) {
                sink.accept(b);
            }
            watch.progress();
            subscription.request(1);
        } catch (IOException | RuntimeException e) {
            subscription.cancel();
            done.completeExceptionally(e);
            watch.close();
        }
    }

    @Override
    public void onError(Throwable t) {
        done.completeExceptionally(t);
        closeWatch();
    }

    @Override
    public void onComplete() {
        done.complete(null);
        closeWatch();
    }

    @Override
    public CompletionStage<Void> getBody() {
        return done;
    }

    private void closeWatch() {
        StallWatchdog.Watch w = watch;
        if (w != null) {
            w.close();
        }
    }
}
