package io.jknife.server;

import io.javalin.http.Context;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Tells whether the client of a non-streaming request has gone away while its answer is computed.
 * Jetty only notices a closed connection when it reads or writes, and it does neither while a
 * handler runs after the body was read; so the connection's socket is probed with a non-blocking
 * one-byte read: end of stream or a reset means the client is gone. An HTTP/1.1 client sends
 * nothing more while it waits for its answer; should a (pipelining) client do so, the byte read
 * would be lost, so the response is then marked {@code Connection: close} and probing stops.
 * Requests that do not arrive over a plain socket (or that Jetty wraps differently) are never
 * reported gone.
 */
final class ClientWatch {
    private final SocketChannel channel;
    private final Context ctx;
    private final AtomicBoolean gone = new AtomicBoolean();
    private volatile boolean stopped;

    private ClientWatch(SocketChannel channel, Context ctx) {
        this.channel = channel;
        this.ctx = ctx;
    }

    /** A watch on the request's connection (one that never fires when the socket cannot be reached). */
    static ClientWatch of(Context ctx) {
        SocketChannel channel = null;
        try {
            ServletContextRequest r = ServletContextRequest.getServletContextRequest(ctx.req());
            if (r != null && r.getConnectionMetaData().getConnection().getEndPoint().getTransport() instanceof SocketChannel sc) {
                channel = sc;
            }
        } catch (RuntimeException e) {
            // not Jetty's servlet request: no watch
        }
        return new ClientWatch(channel, ctx);
    }

    /** Whether a probe has seen the client go away (no probe now). */
    boolean wentAway() {
        return gone.get();
    }

    /** Whether the client has closed or reset its connection (probes the socket once). */
    boolean gone() {
        if (gone.get()) {
            return true;
        }
        if (channel == null || stopped) {
            return false;
        }
        try {
            int n;
            synchronized (this) {
                if (channel.isBlocking()) {
                    return false; // a blocking read would wait: never probe a channel in blocking mode
                }
                n = channel.read(ByteBuffer.allocate(1));
            }
            if (n < 0) {
                gone.set(true);
            } else if (n > 0) {
                stopped = true;
                ctx.header("Connection", "close");
            }
        } catch (IOException e) {
            gone.set(true); // reset by the peer
        } catch (RuntimeException e) {
            stopped = true; // the channel is in a state we do not know: stop probing
        }
        return gone.get();
    }

    /**
     * Runs {@code onGone} (on a virtual thread) as soon as the client goes away, probing every
     * {@code periodMillis} until {@link AutoCloseable#close()}; once gone, {@code onGone} is repeated
     * at that pace, so that a generation that had not started yet when the client left is stopped too.
     */
    AutoCloseable watch(long periodMillis, Runnable onGone) {
        if (channel == null) {
            return () -> { };
        }
        // never interrupted: an interrupt during a read would close the channel (InterruptibleChannel)
        CountDownLatch done = new CountDownLatch(1);
        Thread t = Thread.ofVirtual().name("jknife-client-watch").start(() -> {
            try {
                while (!done.await(periodMillis, TimeUnit.MILLISECONDS)) {
                    if (gone()) {
                        onGone.run();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return () -> {
            stopped = true;
            done.countDown();
            try {
                // no probe may race Jetty's own reads, and no late onGone may reach the next request
                t.join(Duration.ofSeconds(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }
}
