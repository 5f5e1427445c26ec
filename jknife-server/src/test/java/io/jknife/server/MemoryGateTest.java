package io.jknife.server;

import io.jknife.testkit.CacheTree;
import io.jknife.testkit.TinyGguf;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The memory gate with a fake memory reading. */
class MemoryGateTest {
    @TempDir
    static Path tmp;
    static Path hf;

    @BeforeAll
    static void cache() throws Exception {
        hf = tmp.resolve("hf");
        CacheTree.at(hf).repo("org/tiny-GGUF").file("tiny-F32.gguf", TinyGguf.llama(tmp.resolve("m.gguf"), TinyGguf.Options.defaults()));
    }

    /** A reading the test changes while the server waits. */
    static final class Fake implements MemoryReading {
        final AtomicLong available = new AtomicLong();
        final long total;

        Fake(long available, long total) {
            this.available.set(available);
            this.total = total;
        }

        @Override
        public long availableBytes() {
            return available.get();
        }

        @Override
        public long totalBytes() {
            return total;
        }
    }

    static ServerConfig gate(Duration timeout) {
        return ServerConfig.defaults().withMemoryGate(1 << 20, Duration.ofMillis(50), timeout);
    }

    static final String CHAT = "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":2}";

    @Test
    void timeoutAnswers503MemoryPressureWithRetryAfter() throws Exception {
        Fake mem = new Fake(0, 64L << 30);
        List<io.jknife.bench.events.BenchEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.function.Consumer<io.jknife.bench.events.BenchEvent> listener = events::add;
        io.jknife.bench.events.BenchEvents.addListener(listener);
        try (TestServers.Running s = TestServers.start(hf, gate(Duration.ofMillis(600)), mem)) {
            long t0 = System.nanoTime();
            TestServers.Reply r = TestServers.post(s.base() + "/v1/chat/completions", CHAT);
            // the wait is marked on benchmark timelines, start and end
            assertEquals(List.of("gate_wait_start", "gate_wait_end"), events.stream().map(e -> e.type().wireName())
                    .filter(t -> t.startsWith("gate_")).toList());
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(503, r.status(), r.toString());
            assertEquals("memory_pressure", r.json().at("/error/type").asText());
            assertNotNull(r.header("Retry-After"));
            assertTrue(ms >= 550, "waited " + ms + " ms");
            assertEquals(List.of(), s.server().models().loadedIds());
            String metrics = TestServers.get(s.base() + "/metrics").body();
            assertTrue(metrics.contains("\njknife_memory_gate_waits_total 1\n"), metrics);
        } finally {
            io.jknife.bench.events.BenchEvents.removeListener(listener);
        }
    }

    @Test
    void memoryFreedWhileWaitingLetsTheLoadGoOn() throws Exception {
        Fake mem = new Fake(0, 64L << 30);
        try (TestServers.Running s = TestServers.start(hf, gate(Duration.ofSeconds(10)), mem)) {
            Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    return;
                }
                mem.available.set(32L << 30);
            });
            TestServers.Reply r = TestServers.post(s.base() + "/v1/chat/completions", CHAT);
            assertEquals(200, r.status(), r.toString());
        }
    }

    @Test
    void aModelThatCanNeverFitIsRefusedAtOnceWithSizes() throws Exception {
        long size = Files.size(tmp.resolve("m.gguf"));
        Fake mem = new Fake(size / 2, size / 2);
        try (TestServers.Running s = TestServers.start(hf, gate(Duration.ofSeconds(10)), mem)) {
            long t0 = System.nanoTime();
            TestServers.Reply r = TestServers.post(s.base() + "/v1/chat/completions", CHAT);
            assertTrue(System.nanoTime() - t0 < 2_000_000_000L);
            assertEquals(507, r.status(), r.toString());
            assertEquals("insufficient_memory", r.json().at("/error/type").asText());
            assertTrue(r.json().at("/error/message").asText().contains("GiB"), r.body());
        }
    }

    @Test
    void linuxReadingTakesTheSmallerOfMemAvailableAndCgroupHeadroom() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("fake-proc"));
        Path meminfo = Files.writeString(dir.resolve("meminfo"), "MemTotal:       16000000 kB\nMemFree: 1 kB\nMemAvailable:    8000000 kB\n");
        Path cg = Files.createDirectories(dir.resolve("cgroup"));
        MemoryReading noCgroup = new MemoryReading.Linux(meminfo, dir.resolve("none"));
        assertEquals(8000000L * 1024, noCgroup.availableBytes());
        assertEquals(16000000L * 1024, noCgroup.totalBytes());
        Files.writeString(cg.resolve("memory.max"), "4294967296\n");
        Files.writeString(cg.resolve("memory.current"), "1073741824\n");
        MemoryReading limited = new MemoryReading.Linux(meminfo, cg);
        assertEquals(3L << 30, limited.availableBytes());
        assertEquals(4L << 30, limited.totalBytes());
        Files.writeString(cg.resolve("memory.max"), "max\n");
        assertEquals(8000000L * 1024, limited.availableBytes());
        assertTrue(MemoryReading.linux().totalBytes() > 0);
    }

    @Test
    void durations() {
        assertEquals(Duration.ofSeconds(30), ServerConfig.parseDuration("30s"));
        assertEquals(Duration.ofMinutes(5), ServerConfig.parseDuration("5m"));
        assertEquals(Duration.ofHours(1), ServerConfig.parseDuration("1h"));
        assertEquals(Duration.ofMillis(500), ServerConfig.parseDuration("500ms"));
        assertEquals(Duration.ofSeconds(10), ServerConfig.parseDuration("10"));
        assertEquals(null, ServerConfig.parseDuration("-1"));
    }
}
