package io.jknife.bench.junit;

import io.jknife.bench.events.BenchEvent;
import io.jknife.bench.events.BenchEvents;
import io.jknife.bench.report.ReportLines;
import io.jknife.bench.report.ReportSink;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.BeforeTestExecutionCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestWatcher;

import java.util.Optional;
import java.util.function.Consumer;

/**
 * Writes one JSONL record per test to the file named by {@code -Djknife.report.output=FILE} (schema
 * v0.3.0), and event records for model load/unload and memory-gate waits that happen meanwhile.
 * Does nothing when the property is unset. Stamps: start before per-test setup
 * ({@code BeforeEach}, registered first), body start/end around the body, end after teardown; the
 * record is written after teardown so {@code test_start_ts} and {@code test_end_ts} are always
 * present (reference defect D1). Register globally (autodetection) or with {@code @ExtendWith}.
 */
public final class BenchReportExtension implements BeforeEachCallback, BeforeTestExecutionCallback,
        AfterTestExecutionCallback, AfterEachCallback, TestWatcher, ParameterResolver {

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(BenchReportExtension.class);
    private static final Object EVENTS_LOCK = new Object();
    private static Consumer<BenchEvent> eventListener;
    private static volatile TestRun current;
    /** The report of the latest test that had reporting on: events between tests go there. */
    private static volatile ReportConfig active;

    @Override
    public void beforeEach(ExtensionContext ctx) {
        TestRun run = new TestRun(ctx, ReportConfig.of(ctx).orElse(null));
        ctx.getStore(NS).put(TestRun.class, run);
        if (run.config() != null) {
            active = run.config();
            current = run;
            listen();
        }
    }

    @Override
    public void beforeTestExecution(ExtensionContext ctx) {
        run(ctx).ifPresent(TestRun::bodyStarted);
    }

    @Override
    public void afterTestExecution(ExtensionContext ctx) {
        run(ctx).ifPresent(r -> r.bodyEnded(ctx.getExecutionException().orElse(null)));
    }

    @Override
    public void afterEach(ExtensionContext ctx) {
        Optional<TestRun> run = run(ctx);
        if (run.isEmpty() || run.get().config() == null) {
            return;
        }
        TestRun r = run.get();
        if (current == r) {
            current = null;
        }
        r.finished(ctx.getExecutionException().orElse(null)).ifPresent(record -> ReportSink.of(r.config().output()).append(record));
    }

    @Override
    public void testDisabled(ExtensionContext ctx, Optional<String> reason) {
        ReportConfig config = ReportConfig.of(ctx).orElse(null);
        if (config == null || !config.extended() || ctx.getTestMethod().isEmpty()) {
            return;
        }
        ReportSink.of(config.output()).append(TestRun.disabled(ctx, config, reason.orElse("disabled")));
    }

    @Override
    public boolean supportsParameter(ParameterContext pc, ExtensionContext ec) {
        return pc.getParameter().getType() == BenchReporter.class;
    }

    @Override
    public Object resolveParameter(ParameterContext pc, ExtensionContext ec) {
        return run(ec).map(TestRun::reporter).orElseGet(BenchReporter::new);
    }

    private static Optional<TestRun> run(ExtensionContext ctx) {
        return Optional.ofNullable(ctx.getStore(NS).get(TestRun.class, TestRun.class));
    }

    /** Events go to the report (with the running test's id) and into that test's record. */
    private static void listen() {
        synchronized (EVENTS_LOCK) {
            if (eventListener != null) {
                return;
            }
            eventListener = e -> {
                TestRun r = current;
                ReportConfig config = r != null ? r.config() : active;
                ReportSink.of(config.output()).append(ReportLines.event(e, r == null ? null : r.id()));
                if (r != null) {
                    r.event(e);
                }
            };
            BenchEvents.addListener(eventListener);
        }
    }
}
