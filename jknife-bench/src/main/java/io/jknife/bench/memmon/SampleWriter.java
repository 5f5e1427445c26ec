package io.jknife.bench.memmon;

import com.fasterxml.jackson.databind.JsonNode;
import io.jknife.bench.json.Jsonl;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes one JSON line per call and flushes it at once (the file is complete at every moment). */
final class SampleWriter {
    private final BufferedWriter out;
    private final PrintStream console;
    private boolean failed;

    SampleWriter(Path file, PrintStream console) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        this.console = console;
    }

    synchronized void write(JsonNode line) {
        write(Jsonl.line(line));
    }

    synchronized void write(String line) {
        if (failed) {
            return;
        }
        try {
            out.write(line);
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            failed = true;
            console.println("memmon: cannot write samples: " + e.getMessage());
        }
    }

    synchronized void close() {
        try {
            out.close();
        } catch (IOException e) {
            console.println("memmon: cannot close the output: " + e.getMessage());
        }
    }
}
