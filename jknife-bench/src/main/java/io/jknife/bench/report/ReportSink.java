package io.jknife.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.jknife.bench.json.Jsonl;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Appends JSON lines to a report file: opened in append mode (several runs, and several processes,
 * add to one file), one {@code write} per line so lines from different processes never interleave,
 * written through at once. Errors are printed once and swallowed: a report never fails a test.
 */
public final class ReportSink {
    private static final Map<Path, ReportSink> SINKS = new ConcurrentHashMap<>();

    private final Path file;
    private FileChannel channel;
    private boolean failed;

    private ReportSink(Path file) {
        this.file = file;
    }

    /** The process-wide sink of {@code file}. */
    public static ReportSink of(Path file) {
        return SINKS.computeIfAbsent(file.toAbsolutePath().normalize(), ReportSink::new);
    }

    public Path file() {
        return file;
    }

    public synchronized void append(JsonNode line) {
        if (failed) {
            return;
        }
        try {
            if (channel == null) {
                Path parent = file.getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
                channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            }
            ByteBuffer buf = ByteBuffer.wrap((Jsonl.line(line) + "\n").getBytes(StandardCharsets.UTF_8));
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
        } catch (IOException | RuntimeException e) {
            failed = true;
            System.err.println("jknife bench: cannot write the report " + file + ": " + e.getMessage() + " (reporting stops; tests go on)");
        }
    }
}
