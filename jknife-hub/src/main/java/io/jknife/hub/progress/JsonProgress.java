package io.jknife.hub.progress;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.PrintStream;

/**
 * Progress as JSON lines on stderr (stdout keeps its one JSON document): {@code start},
 * {@code file_start}, {@code progress} (at most twice a second), {@code file_done}, {@code done}.
 * Each line is one object with an {@code event} key; sizes in bytes, rate in bytes per second.
 */
public final class JsonProgress extends Transfer {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long INTERVAL_NANOS = 500_000_000L;

    private final PrintStream err;
    private volatile long lastEmit;

    public JsonProgress(PrintStream err) {
        this.err = err;
    }

    @Override
    public void started(String repoId, int files, long totalBytes, long presentBytes) {
        super.started(repoId, files, totalBytes, presentBytes);
        emit(event("start").put("repo", repoId).put("files", files).put("total_bytes", totalBytes)
                .put("present_bytes", presentBytes));
    }

    @Override
    public void fileStarted(String path, long size) {
        super.fileStarted(path, size);
        emit(event("file_start").put("path", path).put("size_bytes", size));
    }

    @Override
    public void bytes(String path, long n) {
        super.bytes(path, n);
        long now = System.nanoTime();
        if (now - lastEmit >= INTERVAL_NANOS) {
            lastEmit = now;
            emit(event("progress").put("downloaded_bytes", done()).put("total_bytes", total)
                    .put("rate_bytes_per_s", (long) rate()).put("eta_s", eta()));
        }
    }

    @Override
    public void fileFinished(String path, long size, boolean cached) {
        super.fileFinished(path, size, cached);
        emit(event("file_done").put("path", path).put("size_bytes", size).put("cached", cached));
    }

    @Override
    public void finished(boolean success) {
        super.finished(success);
        emit(event("done").put("success", success).put("downloaded_bytes", done()).put("received_bytes", received.get())
                .put("seconds", Math.round(seconds() * 1000) / 1000.0));
    }

    private static ObjectNode event(String name) {
        ObjectNode o = JSON.createObjectNode();
        o.put("event", name);
        return o;
    }

    private void emit(ObjectNode o) {
        synchronized (err) {
            err.println(o);
        }
    }
}
