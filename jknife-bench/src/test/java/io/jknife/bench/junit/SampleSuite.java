package io.jknife.bench.junit;

import io.jknife.bench.events.BenchEvents;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Tests that {@link BenchReportExtensionTest} runs through the JUnit launcher to check their
 * records. Never part of the normal run (surefire skips nested classes; the property guards the rest).
 */
@EnabledIfSystemProperty(named = "jknife.bench.sample", matches = "true")
@ExtendWith(BenchReportExtension.class)
class SampleSuite {
    static class Plain {
        @Test
        void passes(BenchReporter r) {
            r.model("org/Model-7B-Q4_K_M", 4.1, "qwen", "7b").performance(Map.of("tokens_per_sec", 41.3));
            r.model("org/Model-7B-Q4_K_M", Double.POSITIVE_INFINITY, "qwen", "7b"); // the second call wins; Infinity → null
            r.stopTokens(List.of("<|im_end|>"), List.of(), null);
            r.extra("custom_key", 7);
        }

        @Test
        void fails() {
            fail("boom");
        }

        @Test
        void abortsInBody() {
            Assumptions.assumeTrue(false, "not enough RAM");
        }

        @Test
        @Disabled("not today")
        void disabled() {
        }

        @Test
        @Tag("audio")
        @SuppressWarnings("try")
        void emitsEvents() throws InterruptedException {
            try (var load = BenchEvents.modelLoad("org/whisper")) {
                Thread.sleep(20);
            }
            try (var gate = BenchEvents.gateWait("audio", 4.0)) {
                Thread.sleep(10);
            }
            BenchEvents.modelUnload("org/whisper");
        }

        @ParameterizedTest
        @ValueSource(strings = {"text_00", "text_01"})
        void parameterized(String model) {
        }
    }

    static class Timed {
        @BeforeEach
        void setUp() throws InterruptedException {
            Thread.sleep(300);
        }

        @Test
        void sleeps() throws InterruptedException {
            Thread.sleep(500);
        }

        @Nested
        class Inner {
            @Test
            void nested() {
            }
        }
    }

    static class SetupAbort {
        @BeforeEach
        void setUp() {
            Assumptions.assumeTrue(false, "no model in the cache");
        }

        @Test
        void neverRuns() {
        }
    }
}
