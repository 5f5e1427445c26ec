package io.jknife.hub.pull;

import io.jknife.hub.HubException;
import io.jknife.hub.HubException.Kind;
import io.jknife.hub.api.HubApi;
import io.jknife.hub.cache.ContentCheck;
import io.jknife.hub.cache.Hasher;
import io.jknife.hub.cache.LocalErrors;
import io.jknife.hub.http.BodySink;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.http.HttpHeaders;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.LongConsumer;

/**
 * Takes one response body into the partial blob: each buffer is written at its position, then
 * hashed on the {@link Hasher}'s thread while the next arrives. Buffers come from a small pool,
 * so memory is bounded and a slow disk or hash slows the transfer down. Before the first byte it
 * checks what the response claims: the etag, and for a resume the {@code Content-Range} start (a
 * 200 to a range request means "from the start": the partial file is truncated first).
 */
final class BlobWriter implements BodySink, AutoCloseable {
    private static final int BUFFER = 1 << 20;
    private static final int POOL = 8;

    private final FileChannel ch;
    private final ContentCheck check;
    private final Hasher hasher;
    private final String expectedEtag;
    private final String path;
    private final Path file;
    private final LongConsumer progress;
    private final Flusher flusher;
    private final BlockingQueue<ByteBuffer> pool = new ArrayBlockingQueue<>(POOL);
    private final Set<ByteBuffer> own = Collections.newSetFromMap(new IdentityHashMap<>());
    private volatile long pos;
    private volatile HubException failure;

    BlobWriter(FileChannel ch, ContentCheck check, long pos, String expectedEtag, String path, Path file,
               LongConsumer progress) {
        this.ch = ch;
        this.check = check;
        this.pos = pos;
        this.expectedEtag = expectedEtag;
        this.path = path;
        this.file = file;
        this.progress = progress;
        this.flusher = new Flusher(ch, pos);
        for (int i = 0; i < POOL; i++) {
            ByteBuffer b = ByteBuffer.allocate(BUFFER);
            own.add(b);
            pool.add(b);
        }
        this.hasher = new Hasher(check, b -> {
            if (own.contains(b)) {
                pool.add(b); // only the pool's own buffers go back; the JDK client's are garbage now
            }
        });
    }

    @Override
    public boolean begin(int status, HttpHeaders headers, HttpHeaders hubHeaders) {
        String etag = HubApi.etag(hubHeaders);
        if (etag == null || !etag.equalsIgnoreCase(expectedEtag)) {
            failure = new HubException(Kind.CHECKSUM, "The Hub's etag for " + path + " is " + etag
                    + ", but its file list says " + expectedEtag);
        } else if (pos > 0 && status == 200) {
            try {
                hasher.drain();
                ch.truncate(0); // the server ignored the Range request: start over rather than append the start again
                pos = 0;
                check.reset();
            } catch (IOException e) {
                failure = LocalErrors.of(e, file);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = new HubException(Kind.NETWORK, "Download interrupted");
            }
        } else if (pos > 0 && rangeStart(headers) != pos) {
            failure = new HubException(Kind.PROTOCOL, "The Hub answered a resume of " + path + " at byte " + pos + " with "
                    + headers.firstValue("Content-Range").orElse("no Content-Range"));
        }
        return failure == null;
    }

    @Override
    public ByteBuffer buffer() throws IOException {
        try {
            return pool.take().clear();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        }
    }

    @Override
    public void accept(ByteBuffer data) throws IOException {
        int n = data.remaining();
        if (n == 0) {
            recycle(data);
            return;
        }
        try {
            int start = data.position();
            long p = pos;
            while (data.hasRemaining()) {
                p += ch.write(data, p);
            }
            pos = p;
            progress.accept(n);
            flusher.written(p);
            hasher.add(data.position(start)); // the same buffer object: the hasher recycles it into the pool
        } catch (IOException e) {
            failure = LocalErrors.of(e, file);
            throw failure;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        }
    }

    private void recycle(ByteBuffer b) {
        if (own.contains(b)) {
            pool.add(b);
        }
    }

    /** Bytes of the file on disk so far. */
    long pos() {
        return pos;
    }

    /** A failure that must not be retried (local I/O, a lying etag), or null. */
    HubException failure() {
        return failure;
    }

    /** Waits until every byte is hashed, then makes the file durable. */
    void finish() throws IOException {
        try {
            hasher.drain();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        }
        flusher.finish();
    }

    @Override
    public void close() {
        hasher.close();
    }

    private static long rangeStart(HttpHeaders h) {
        String v = h.firstValue("Content-Range").orElse(""); // "bytes 100-999/1000"
        int sp = v.indexOf(' ');
        int dash = v.indexOf('-');
        if (sp < 0 || dash < sp) {
            return -1;
        }
        try {
            return Long.parseLong(v.substring(sp + 1, dash).strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
