package io.jknife.bench.events;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The public event API for engines, the server and tests: model load/unload and memory-gate waits
 * (and request milestones). Costs nothing when nobody listens. Listeners: the JUnit report extension
 * (events go into the report), and an events file named by {@code JKNIFE_EVENTS_FILE} or the system
 * property {@code jknife.events.file} (for processes a test starts).
 *
 * <pre>{@code
 * try (var load = BenchEvents.modelLoad("org/model")) { engine.load(...); }
 * try (var gate = BenchEvents.gateWait("vision", 8.0)) { waitForMemory(); }
 * BenchEvents.modelUnload("org/model");
 * }</pre>
 */
public final class BenchEvents {
    private static final List<Consumer<BenchEvent>> LISTENERS = new CopyOnWriteArrayList<>();

    static {
        EventFile.fromEnvironment().ifPresent(LISTENERS::add);
    }

    private BenchEvents() {
    }

    /** A begun phase whose end event is emitted on {@link #close()}. */
    public static final class Span implements AutoCloseable {
        private final BenchEventType end;
        private final String modelId;
        private final Map<String, ?> data;
        private boolean closed;

        private Span(BenchEventType end, String modelId, Map<String, ?> data) {
            this.end = end;
            this.modelId = modelId;
            this.data = data;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                emit(end, modelId, data);
            }
        }
    }

    public static void emit(BenchEventType type, String modelId, Map<String, ?> data) {
        if (LISTENERS.isEmpty()) {
            return;
        }
        BenchEvent e = BenchEvent.now(type, modelId, data);
        for (Consumer<BenchEvent> l : LISTENERS) {
            try {
                l.accept(e);
            } catch (RuntimeException ex) {
                // an event sink never breaks the caller
            }
        }
    }

    /** Emits model_load_start now and model_load_end when the span closes. */
    public static Span modelLoad(String modelId) {
        emit(BenchEventType.MODEL_LOAD_START, modelId, null);
        return new Span(BenchEventType.MODEL_LOAD_END, modelId, null);
    }

    public static void modelUnload(String modelId) {
        emit(BenchEventType.MODEL_UNLOAD, modelId, null);
    }

    /** Emits gate_wait_start now and gate_wait_end when the span closes. */
    public static Span gateWait(String reason, double thresholdGb) {
        Map<String, Object> data = Map.of("reason", reason, "threshold_gb", thresholdGb);
        emit(BenchEventType.GATE_WAIT_START, null, data);
        return new Span(BenchEventType.GATE_WAIT_END, null, data);
    }

    public static void addListener(Consumer<BenchEvent> listener) {
        LISTENERS.add(listener);
    }

    public static void removeListener(Consumer<BenchEvent> listener) {
        LISTENERS.remove(listener);
    }
}
