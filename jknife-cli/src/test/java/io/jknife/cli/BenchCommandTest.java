package io.jknife.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.jknife.bench.junit.BenchReportExtension;
import io.jknife.formats.GgmlType;
import io.jknife.testkit.CacheTree;
import io.jknife.testkit.TinyGguf;
import io.jknife.testkit.TinySafetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jknife bench ...} end to end in-process; every --json output is checked against docs/json-api.schema.json. */
@ExtendWith(BenchReportExtension.class)
class BenchCommandTest {
    private static final String RECORD = "{\"schema_version\": \"0.3.0\", \"timestamp\": \"2027-01-15T08:00:05.000001+00:00\", "
            + "\"test_start_ts\": 1800000001.0, \"test_end_ts\": 1800000005.0, \"mlx_knife_version\": \"0.1.0\", "
            + "\"test\": \"a/T.java::T::%s\", \"outcome\": \"passed\", \"duration\": 3.5, "
            + "\"model\": {\"id\": \"org/Model-Q4_K_M\", \"size_gb\": 4.1}, "
            + "\"system_health\": {\"ram_free_gb\": 30.0, \"swap_used_mb\": 0, \"zombie_processes\": 0, \"quality_flags\": [\"clean\"]}, "
            + "\"metadata\": {\"inference_modality\": \"text\"}}";

    @TempDir
    Path dir;

    private Cli cli() {
        return new Cli(dir);
    }

    private Path report(String name, String... tests) throws Exception {
        Path f = dir.resolve(name);
        Files.write(f, List.of(tests).stream().map(t -> String.format(RECORD, t)).toList());
        return f;
    }

    private Path memory() throws Exception {
        Path f = dir.resolve("memory.jsonl");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            sb.append(String.format("{\"ram_free_gb\": 30.0, \"ram_total_gb\": 62.0, \"swap_used_mb\": 0.0, \"memory_pressure\": 1, "
                    + "\"load_1\": 1.0, \"cpu_user\": 20.0, \"cpu_sys\": 2.0, \"ts\": %.3f, \"elapsed_s\": %.2f}%n", 1800000000.0 + i * 0.2, i * 0.2));
        }
        sb.append("{\"summary\": {\"duration_s\": 8.0, \"samples\": 40, \"interval_ms\": 200, \"timestamp\": \"2027-01-15T08:00:08+00:00\"}}\n");
        Files.writeString(f, sb);
        return f;
    }

    @Test
    void validateReportsEveryLineAndFailsOnAnyInvalidOne() throws Exception {
        Path good = report("good.jsonl", "a", "b");
        Cli.Result ok = cli().run("bench", "validate", good.toString(), "--json");
        assertEquals(0, ok.exitCode(), ok.toString());
        SchemaValidator.assertValid(ok.json());
        assertEquals("bench validate", ok.json().get("command").asText());
        assertEquals(2, ok.data().get("valid").asInt());

        Path bad = dir.resolve("bad.jsonl");
        Files.writeString(bad, String.format(RECORD, "a") + "\n{\"schema_version\": \"0.3.0\", \"outcome\": \"maybe\"}\n");
        Cli.Result fail = cli().run("bench", "validate", bad.toString(), "--json");
        assertEquals(1, fail.exitCode());
        SchemaValidator.assertValid(fail.json());
        assertEquals("invalid_reports", fail.json().at("/error/type").asText());
        assertEquals(2, fail.data().at("/files/0/errors/0/line").asInt());

        Cli.Result human = cli().run("bench", "validate", good.toString(), bad.toString(), dir.resolve("missing.jsonl").toString());
        assertEquals(1, human.exitCode());
        assertTrue(human.out().contains("✅ 2/2 reports valid"), human.out());
        assertTrue(human.out().contains("❌ 1/2 reports valid"), human.out());
        assertTrue(human.out().contains("    Line 2: "), human.out());
        assertTrue(human.out().contains("Total: 3/4 reports valid across 3 file(s)"), human.out());
    }

    @Test
    void reportWritesMarkdown() throws Exception {
        Path in = report("2027-01-15-v0.1.0.jsonl", "runs[a]", "runs[b]");
        Cli.Result r = cli().run("bench", "report", in.toString(), memory().toString(), "-o", dir.resolve("r.md").toString(), "--json");
        assertEquals(0, r.exitCode(), r.toString());
        SchemaValidator.assertValid(r.json());
        assertEquals(2, r.data().get("passed").asInt());
        assertEquals(100.0, r.data().get("clean_percent").asDouble());
        assertTrue(r.data().get("memory").asText().endsWith("memory.jsonl"));
        assertTrue(Files.readString(dir.resolve("r.md")).contains("## Per-Model Statistics"));

        Cli.Result stdout = cli().run("bench", "report", in.toString(), "-o", "-");
        assertEquals(0, stdout.exitCode(), stdout.toString());
        assertTrue(stdout.out().startsWith("# Benchmark Report v1.2: 0.1.0"), stdout.out());

        Path bad = dir.resolve("bad.jsonl");
        Files.writeString(bad, "{\"schema_version\": \"0.3.0\"}\n");
        Cli.Result invalid = cli().run("bench", "report", bad.toString(), "--json");
        assertEquals(1, invalid.exitCode());
        SchemaValidator.assertValid(invalid.json());
        assertTrue(invalid.json().at("/error/detail/problems").size() >= 1);
    }

    @Test
    void plotWritesOnePage() throws Exception {
        Path plotly = dir.resolve("plotly.min.js");
        Files.writeString(plotly, "/* stand-in */");
        Path out = dir.resolve("t.html");
        Cli.Result r = cli().run("bench", "plot", memory().toString(), report("bench.jsonl", "x").toString(), "-o", out.toString(),
                "--plotly-js", plotly.toString(), "--json");
        assertEquals(0, r.exitCode(), r.toString());
        SchemaValidator.assertValid(r.json());
        JsonNode d = r.data();
        assertEquals(40, d.get("samples").asInt());
        assertEquals(1, d.get("tests").asInt());
        assertEquals("Memory", d.at("/rows/0").asText());
        assertTrue(Files.readString(out).contains("jknife-figure"));

        Cli.Result noMemory = cli().run("bench", "plot", report("only.jsonl", "x").toString(), "--plotly-js", plotly.toString());
        assertEquals(1, noMemory.exitCode());
        assertTrue(noMemory.err().contains("no memmon file"), noMemory.err());
    }

    @Test
    void bandwidthMeasures() {
        Cli.Result r = cli().run("bench", "bandwidth", "--size-mb", "16", "--threads", "1", "--passes", "1", "--json");
        assertEquals(0, r.exitCode(), r.toString());
        SchemaValidator.assertValid(r.json());
        assertTrue(r.data().get("best_gbps").asDouble() > 0);
    }

    @Test
    void engineBenchMeasuresEachNamedEngineSideBySide() throws Exception {
        CacheTree.at(dir).repo("org/tiny-GGUF").file("tiny-Q8_0.gguf",
                TinyGguf.llama(dir.resolve("m.gguf"), TinyGguf.Options.defaults().withWeightType(GgmlType.Q8_0)));
        Cli.Result r = cli().run("bench", "run", "tiny", "--prompt-tokens", "16", "--gen-tokens", "8", "--repeat", "2",
                "--engine", "llamacpp", "--engine", "nope", "--no-bandwidth", "--threads", "1", "--json");
        assertEquals(0, r.exitCode(), r.toString());
        SchemaValidator.assertValid(r.json());
        JsonNode rows = r.data().get("results");
        assertEquals("llama.cpp", rows.get(0).get("engine").asText());
        assertEquals(16, rows.get(0).get("prompt_tokens").asInt());
        assertTrue(rows.get(0).at("/prefill_tps/median").asDouble() > 0, rows.toString());
        assertTrue(rows.get(0).at("/decode_tps/median").asDouble() > 0, rows.toString());
        assertEquals(8, rows.get(0).get("generated_tokens").asInt(), "end-of-generation tokens do not cut a benchmark short");
        assertTrue(rows.get(0).get("peak_rss_bytes").asLong() > 0);
        assertTrue(rows.get(0).get("first_ttft_ms").asDouble() > 0, "the warm-up's time to the first token");
        assertTrue(rows.get(1).get("error").asText().startsWith("Unknown engine 'nope'"), rows.toString());

        Cli.Result human = cli().run("bench", "run", "tiny", "--prompt-tokens", "8", "--gen-tokens", "4", "--repeat", "1",
                "--no-bandwidth");
        assertEquals(0, human.exitCode(), human.toString());
        assertTrue(human.out().contains("Decode tok/s") && human.out().contains("First TTFT"), human.out());
        Cli.Result tooLong = cli().run("bench", "run", "tiny", "--prompt-tokens", "100000", "--ctx-size", "64", "--no-bandwidth", "--json");
        assertEquals(1, tooLong.exitCode(), "no engine measured anything");
        SchemaValidator.assertValid(tooLong.json());
        assertTrue(tooLong.json().at("/error/message").asText().contains("do not fit the context"), tooLong.out());
        assertEquals(2, cli().run("bench", "run", "tiny", "--repeat", "zero").exitCode());
    }

    @Test
    void engineBenchRunsMlxCheckpointsOnTheJavaEngine() throws Exception {
        CacheTree.at(dir).repo("mlx-community/Tiny-4bit").files(TinySafetensors.llama(dir.resolve("q4"),
                TinySafetensors.Options.defaults().withMlx(4, 64)));
        Cli.Result r = cli().run("bench", "run", "mlx-community/Tiny-4bit", "--prompt-tokens", "16", "--gen-tokens", "8",
                "--repeat", "2", "--no-bandwidth", "--threads", "1", "--json");
        assertEquals(0, r.exitCode(), r.toString());
        SchemaValidator.assertValid(r.json());
        JsonNode row = r.data().get("results").get(0);
        assertEquals("java", row.get("engine").asText(), row.toString());
        assertEquals(8, row.get("generated_tokens").asInt());
        assertTrue(row.at("/decode_tps/median").asDouble() > 0, row.toString());
    }

    @Test
    void memmonPropagatesExitCodesAndChecksItsArguments() throws Exception {
        Path out = dir.resolve("m.jsonl");
        assertEquals(5, cli().run("bench", "memmon", "-o", out.toString(), "--", "sh", "-c", "exit 5").exitCode());
        assertTrue(Files.readAllLines(out).getLast().startsWith("{\"summary\""));
        assertEquals(0, cli().run("bench", "memmon", "-d", "0.4").exitCode());
        Cli.Result none = cli().run("bench", "memmon");
        assertEquals(2, none.exitCode());
        assertTrue(none.err().contains("give a command"), none.err());
        assertEquals(2, cli().run("bench", "memmon", "-d", "1", "--", "true").exitCode());
        assertEquals(2, cli().run("bench").exitCode());
    }
}
