package io.jknife.server;

import io.jknife.testkit.CacheTree;
import io.jknife.testkit.TinyGguf;
import io.jknife.testkit.TinySafetensors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalDouble;
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
        CacheTree cache = CacheTree.at(hf);
        cache.repo("org/tiny-GGUF").file("tiny-F32.gguf", TinyGguf.llama(tmp.resolve("m.gguf"), TinyGguf.Options.defaults()));
        cache.repo("org/small-llava").files(TinySafetensors.visionLlava(tmp.resolve("llava")));
    }

    /** A reading the test changes while the server waits. */
    static final class Fake implements MemoryReading {
        final AtomicLong available = new AtomicLong();
        final long total;
        volatile OptionalDouble pressure = OptionalDouble.empty();

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

        @Override
        public OptionalDouble pressure() {
            return pressure;
        }
    }

    static ServerConfig gate(Duration timeout) {
        return ServerConfig.defaults().withMemoryGate(1 << 20, Duration.ofMillis(50), timeout);
    }

    /** Runs {@code change} 300 ms from now, while the server waits. */
    static void later(Runnable change) {
        Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                return;
            }
            change.run();
        });
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
            later(() -> mem.available.set(32L << 30));
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
    void highPressureKeepsTheGateClosedUntilItEases() throws Exception {
        Fake mem = new Fake(32L << 30, 64L << 30);
        mem.pressure = OptionalDouble.of(55.0);
        try (TestServers.Running s = TestServers.start(hf, gate(Duration.ofMillis(300)), mem)) {
            TestServers.Reply r = TestServers.post(s.base() + "/v1/chat/completions", CHAT);
            assertEquals(503, r.status(), r.toString());
            assertTrue(r.json().at("/error/message").asText().contains("PSI some avg10 55.0 %"), r.body());
            assertEquals(55.0, TestServers.get(s.base() + "/health").json().at("/memory/pressure_some_avg10").asDouble());
        }
        try (TestServers.Running s = TestServers.start(hf, gate(Duration.ofSeconds(10)), mem)) {
            later(() -> mem.pressure = OptionalDouble.of(2.5));
            assertEquals(200, TestServers.post(s.base() + "/v1/chat/completions", CHAT).status());
        }
        mem.pressure = OptionalDouble.empty(); // unknown counts as normal: no wait at all
        try (TestServers.Running s = TestServers.start(hf, gate(Duration.ofSeconds(10)), mem)) {
            long t0 = System.nanoTime();
            assertEquals(200, TestServers.post(s.base() + "/v1/chat/completions", CHAT).status());
            assertTrue(System.nanoTime() - t0 < 5_000_000_000L);
            assertTrue(TestServers.get(s.base() + "/health").json().at("/memory/pressure_some_avg10").isNull());
        }
    }

    @Test
    void switchingToAVisionModelWaitsForItsFloorTheFirstLoadDoesNot() throws Exception {
        String llava = "{\"model\":\"org/small-llava\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":2}";
        Fake mem = new Fake(6L << 30, 64L << 30);
        try (TestServers.Running s = TestServers.start(hf, gate(Duration.ofMillis(300)), mem)) {
            assertEquals(200, TestServers.post(s.base() + "/v1/chat/completions", llava).status(), "a first load is no switch");
            assertEquals(200, TestServers.post(s.base() + "/v1/chat/completions", CHAT).status(), "text models have no floor");
            TestServers.Reply r = TestServers.post(s.base() + "/v1/chat/completions", llava);
            assertEquals(503, r.status(), r.toString());
            assertTrue(r.json().at("/error/message").asText().contains("needs 8.00 GiB"), r.body());
        }
        try (TestServers.Running s = TestServers.start(hf, gate(Duration.ofMillis(300)).withSwitchFloors(5L << 30, 4L << 30), mem)) {
            assertEquals(200, TestServers.post(s.base() + "/v1/chat/completions", CHAT).status());
            assertEquals(200, TestServers.post(s.base() + "/v1/chat/completions", llava).status(), "a 5 GiB floor is met");
        }
    }

    @Test
    void linuxPressureIsTheCgroupsPsiWhenItHasOne() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("psi"));
        Path meminfo = Files.writeString(dir.resolve("meminfo"), "MemTotal: 1000 kB\nMemAvailable: 500 kB\n");
        Path cg = Files.createDirectories(dir.resolve("cgroup"));
        Files.writeString(cg.resolve("memory.pressure"),
                "some avg10=12.50 avg60=3.00 avg300=1.00 total=123\nfull avg10=4.00 avg60=1.00 avg300=0.50 total=45\n");
        assertEquals(12.5, new MemoryReading.Linux(meminfo, cg).pressure().orElseThrow());
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
