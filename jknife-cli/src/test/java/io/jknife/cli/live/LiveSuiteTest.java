package io.jknife.cli.live;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jknife.bench.junit.BenchReportExtension;
import io.jknife.bench.junit.BenchReporter;
import io.jknife.cli.Cli;
import io.jknife.store.ModelCatalog;
import io.jknife.store.ModelEntry;
import io.jknife.store.ModelInfo;
import io.jknife.store.ModelStore;
import io.jknife.store.StoreConfig;
import io.jknife.store.policy.EngineRegistry;
import io.jknife.store.policy.RoutingPolicy;
import io.jknife.store.probe.Capability;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The live ("wet") suite: every runnable model in the user's own cache, one test per model and
 * capability, end to end through the CLI in-process, each writing a report record (model, modality,
 * performance) when {@code -Djknife.report.output=FILE} is set. Excluded from the default run; run it
 * with {@code scripts/live-suite.sh}, which wraps it in {@code bench memmon} and makes the report and
 * the timeline. The cache is {@code JKNIFE_LIVE_HF_HOME}, else {@code HF_HOME}, else
 * {@code ~/.cache/huggingface}; {@code JKNIFE_LIVE_MAX_GB} (default 8) skips larger models,
 * {@code JKNIFE_LIVE_MAX_MODELS} (default 5) caps each capability.
 */
@Tag("live")
@ExtendWith(BenchReportExtension.class)
class LiveSuiteTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path AUDIO = Path.of("..", "..", "shared", "fixtures", "audio", "librispeech-a-man-said.wav");

    static Path hfHome() {
        String live = System.getenv("JKNIFE_LIVE_HF_HOME");
        String hf = System.getenv("HF_HOME");
        return Path.of(live != null ? live : hf != null ? hf : System.getProperty("user.home") + "/.cache/huggingface");
    }

    private static List<String> models(Predicate<ModelInfo> wanted) {
        double maxGb = Double.parseDouble(System.getenv().getOrDefault("JKNIFE_LIVE_MAX_GB", "8"));
        int max = Integer.parseInt(System.getenv().getOrDefault("JKNIFE_LIVE_MAX_MODELS", "5"));
        Map<String, String> env = new LinkedHashMap<>(System.getenv());
        env.put("HF_HOME", hfHome().toString());
        ModelCatalog catalog = new ModelCatalog(new ModelStore(StoreConfig.fromEnvironment(env)),
                new RoutingPolicy(EngineRegistry.builtIn()));
        List<String> names = new ArrayList<>();
        for (ModelEntry e : catalog.store().allEntries()) {
            ModelInfo info = catalog.describe(e);
            if (info.healthy() && info.runtimeCompatible() && info.sizeBytes() <= maxGb * 1e9 && wanted.test(info)
                    && names.size() < max) {
                names.add(info.name());
            }
        }
        return names.isEmpty() ? List.of("<none>") : names;
    }

    static List<String> textModels() {
        return models(i -> i.capabilities().contains(Capability.TEXT_GENERATION));
    }

    static List<String> embeddingModels() {
        return models(i -> i.capabilities().contains(Capability.EMBEDDINGS));
    }

    static List<String> speechModels() {
        return models(i -> i.capabilities().contains(Capability.AUDIO));
    }

    private static Cli cli() {
        return new Cli(hfHome()).env("HOME", System.getProperty("user.home"));
    }

    private static JsonNode data(Cli.Result r) throws Exception {
        assertEquals(0, r.exitCode(), r.toString());
        return JSON.readTree(r.out()).get("data");
    }

    private static void describe(BenchReporter reporter, String model, String modality) throws Exception {
        JsonNode m = data(cli().run("show", model, "--json")).get("model");
        String framework = m.get("framework").asText();
        reporter.model(Map.of("id", m.get("name").asText(), "size_gb", m.get("size_bytes").asLong() / 1e9,
                "family", framework.toLowerCase(Locale.ROOT), "variant", String.valueOf(m.path("quantization").asText(""))));
        reporter.modality(modality);
    }

    @ParameterizedTest(name = "text {0}")
    @MethodSource("textModels")
    void textModelAnswersAPrompt(String model, BenchReporter reporter) throws Exception {
        assumeTrue(!model.equals("<none>"), "no runnable text model in " + hfHome());
        describe(reporter, model, "text");
        JsonNode d = data(cli().run("run", model, "What is the capital of France? Answer in one word.",
                "--max-tokens", "48", "--temperature", "0", "--json"));
        assertFalse(d.get("response").asText().isBlank() && d.get("reasoning").asText("").isBlank(), d.toString());
        assertTrue(List.of("stop", "length").contains(d.get("finish_reason").asText()), d.toString());
        reporter.performance(Map.of("tokens_per_sec", d.get("tokens_per_second").asDouble(),
                "prompt_tokens", d.at("/usage/prompt_tokens").asInt(), "completion_tokens", d.at("/usage/completion_tokens").asInt()));
    }

    @ParameterizedTest(name = "bench {0}")
    @MethodSource("textModels")
    void engineBenchmarkMeasuresTheModel(String model, BenchReporter reporter) throws Exception {
        assumeTrue(!model.equals("<none>"), "no runnable text model in " + hfHome());
        describe(reporter, model, "text");
        JsonNode d = data(cli().run("bench", "run", model, "--prompt-tokens", "64", "--gen-tokens", "32", "--repeat", "2",
                "--no-bandwidth", "--json"));
        JsonNode row = d.get("results").get(0);
        assertTrue(row.at("/decode_tps/median").asDouble() > 0, d.toString());
        reporter.performance(Map.of("tokens_per_sec", row.at("/decode_tps/median").asDouble(),
                "prefill_tokens_per_sec", row.at("/prefill_tps/median").asDouble(),
                "ttft_ms", row.at("/ttft_ms/median").asDouble(), "engine", row.get("engine").asText()));
    }

    @ParameterizedTest(name = "embed {0}")
    @MethodSource("embeddingModels")
    void embeddingModelEmbedsText(String model, BenchReporter reporter) throws Exception {
        assumeTrue(!model.equals("<none>"), "no runnable embedding model in " + hfHome());
        describe(reporter, model, "embedding");
        Cli.Result r = cli().run("embed", model, "The quick brown fox");
        assertEquals(0, r.exitCode(), r.toString());
        JsonNode line = JSON.readTree(r.out().lines().findFirst().orElseThrow());
        assertTrue(line.get("embedding").size() > 0, r.out());
    }

    @ParameterizedTest(name = "audio {0}")
    @MethodSource("speechModels")
    void speechModelTranscribesTheFixture(String model, BenchReporter reporter) throws Exception {
        assumeTrue(!model.equals("<none>"), "no runnable speech model in " + hfHome());
        assumeTrue(Files.isRegularFile(AUDIO), "fixture missing: " + AUDIO.toAbsolutePath());
        describe(reporter, model, "audio");
        Cli.Result r = cli().run("run", model, "--audio", AUDIO.toString(), "--format", "text");
        assertEquals(0, r.exitCode(), r.toString());
        assertFalse(r.out().isBlank(), r.toString());
    }
}
