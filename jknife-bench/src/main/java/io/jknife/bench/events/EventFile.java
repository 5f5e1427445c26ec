package io.jknife.bench.events;

import io.jknife.bench.report.ReportLines;
import io.jknife.bench.report.ReportSink;

import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;

/** Appends event records to the file named by {@code JKNIFE_EVENTS_FILE} / {@code jknife.events.file}. */
final class EventFile implements Consumer<BenchEvent> {
    private final ReportSink sink;

    private EventFile(ReportSink sink) {
        this.sink = sink;
    }

    static Optional<Consumer<BenchEvent>> fromEnvironment() {
        String file = System.getProperty("jknife.events.file");
        if (file == null || file.isBlank()) {
            file = System.getenv("JKNIFE_EVENTS_FILE");
        }
        if (file == null || file.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(new EventFile(ReportSink.of(Path.of(file).toAbsolutePath())));
    }

    @Override
    public void accept(BenchEvent e) {
        sink.append(ReportLines.event(e, null));
    }
}
