package io.jknife.bench.markdown;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jknife.bench.Fixtures;
import io.jknife.bench.Synthetic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportGeneratorTest {
    private static final Instant NOW = Instant.parse("2027-01-15T10:00:00Z");

    @Test
    void reportHasEverySectionAndCountsHonestly(@TempDir Path dir) throws Exception {
        List<ObjectNode> r = new ArrayList<>();
        r.add(Synthetic.test("runs[a]", 1, 5, 3.5, "passed", "org/Big-24B", 23.3, "text"));
        r.add(Synthetic.test("runs[b]", 6, 8, 1.5, "passed", "org/Small-1B", 0.9, "text"));
        r.add(Synthetic.test("sees[a]", 9, 12, 2.5, "passed", "org/Big-24B", 23.3, "vision"));
        r.add(Synthetic.test("films[a]", 12, 13, 0.9, "passed", "org/Big-24B", 23.3, "video"));
        r.add(Synthetic.test("plain[a]", 13, 14, 0.8, "passed", "org/Big-24B", 23.3, null));
        r.add(Synthetic.test("fixture_only", 14, 14.2, 0.1, "passed", "org/Small-1B", 0.9, "text"));
        r.add(Synthetic.test("lists", 15, 16, 1.0, "passed", null, null, null));
        r.add(Synthetic.test("breaks", 16, 17, 1.0, "failed", null, null, null));
        r.add(Synthetic.test("skips", 17, 17, 0.0, "skipped", null, null, null));
        ObjectNode lowRam = Synthetic.test("squeezed", 18, 19, 1.0, "passed", "org/Small-1B", 0.9, "text");
        ((ObjectNode) lowRam.get("system_health")).put("ram_free_gb", 3.0).put("orphan_processes", 1);
        r.add(lowRam);
        ObjectNode noHealth = Synthetic.test("sub_phase", 19, 20, 1.0, "passed", "org/Small-1B", 0.9, "text");
        noHealth.remove("system_health");
        r.add(noHealth);
        r.add(Synthetic.event("model_load_start", 1, "org/Big-24B"));
        Path in = Synthetic.write(dir.resolve("2027-01-15-v0.1.0-live.jsonl"), r);

        ReportGenerator.Result res = ReportGenerator.generate(new ReportGenerator.Request(List.of(in), null, null, null), NOW, true);
        assertEquals(dir.resolve("BENCHMARK-v1.2-0.1.0-2027-01-15.md"), res.output());
        String md = Files.readString(res.output());
        for (String h : List.of("# Benchmark Report v1.2: 0.1.0", "## Input Files", "## Executive Summary", "## Test Summary",
                "## System Health", "## Per-Model Statistics", "### Model Categories", "## Per-Test Statistics", "## Files")) {
            assertTrue(md.contains(h), h + "\n" + md);
        }
        assertEquals(11, res.tests(), "event records are not tests");
        assertEquals(1, res.failed());
        assertTrue(md.contains("- **Tests:** 11 total (9 passed, 1 failed, 1 skipped)"), md);
        assertTrue(md.contains("**Hardware:** Test Machine (Test CPU), 8 cores"), md);
        // 10 records carry health data, 1 of them degraded (RAM and a leftover process): 90 % clean, not 9/11
        assertTrue(md.contains("- **Quality:** 90.0% clean (9/10 tests with health data; 1 without are not counted)"), md);
        assertTrue(md.contains("⚠️ 1 tests degraded: RAM 1, leftover processes 1"), md);
        assertTrue(md.contains("  Degraded (RAM):     1"), md);
        assertTrue(md.contains("| Big-24B | 23.3 GB | Vision | 1 | 2.5s |"), md);
        assertTrue(md.contains("| Big-24B | 23.3 GB | Video | 1 | 0.9s |"), "video is its own row");
        assertTrue(md.contains("| Big-24B | 23.3 GB | Unknown | 1 | 0.8s |"), "unknown-modality tests are not dropped");
        assertFalse(md.contains("fixture_only"), "passed model tests under 0.5 s are not inference");
        assertTrue(md.contains("LARGE (≥20 GB): 1 models"), md);
        assertTrue(md.contains("SMALL (<10 GB): 1 models"), md);
        assertTrue(md.contains("| runs | Text | 2 | Small-1B (1.5s) | Big-24B (3.5s) | 2.5s |"), md);
    }

    @Test
    void gpuCorrelationUsesTheTestWindow(@TempDir Path dir) throws Exception {
        // GPU busy exactly during the test (10–20 s), idle after: the old window [timestamp, timestamp + duration] saw 0 %
        Path mem = Synthetic.memory(dir.resolve("run-memory.jsonl"), 200, true, true, 10, 20);
        Path in = Synthetic.write(dir.resolve("run-benchmark.jsonl"), List.of(
                Synthetic.test("infers", 10, 20, 10, "passed", "org/Model", 4.0, "text")));
        ReportGenerator.Result res = ReportGenerator.generate(new ReportGenerator.Request(List.of(in, mem), null, null, dir.resolve("r.md")), NOW, true);
        String md = Files.readString(res.output());
        assertEquals(mem, res.memory());
        assertTrue(md.contains("## GPU Analysis"), md);
        assertTrue(md.contains("| infers | Model | 100.0% | 100.0% | 51 |"), md);
        assertTrue(md.contains("| infers | Model | 100.0% | 100.0% | OK |"), "the pressure spikes lie outside the window\n" + md);
        assertTrue(md.contains("GPU max (raw peak):                100.0%"), md);
    }

    @Test
    void comparisonShowsChangesAndNewRows(@TempDir Path dir) throws Exception {
        Path old = Synthetic.write(dir.resolve("old-benchmark.jsonl"), List.of(
                Synthetic.test("runs[a]", 1, 5, 4.0, "passed", "org/A", 1.0, "text"),
                Synthetic.test("runs[b]", 6, 8, 2.0, "passed", "org/B", 1.0, "text")));
        Path cur = Synthetic.write(dir.resolve("new.jsonl"), List.of(
                Synthetic.test("runs[a]", 1, 5, 3.0, "passed", "org/A", 1.0, "text"),
                Synthetic.test("runs[b]", 6, 8, 2.2, "passed", "org/B", 1.0, "text"),
                Synthetic.test("runs[c]", 9, 10, 1.0, "passed", "org/C", 1.0, "text")));
        String md = ReportGenerator.generate(new ReportGenerator.Request(List.of(cur), null, old, null), NOW, false).markdown();
        assertTrue(md.contains("| A | 1.0 GB | Text | 1 | 3.0s | 4.0s | -1.0s | -25.0% ✅ | 30.0 |"), md);
        assertTrue(md.contains("| B | 1.0 GB | Text | 1 | 2.2s | 2.0s | +0.2s | +10.0% ⚠️ | 30.0 |"), md);
        assertTrue(md.contains("| C | 1.0 GB | Text | 1 | 1.0s | N/A | N/A | NEW | 30.0 |"), md);
        assertTrue(md.contains("- **Models:** 1/2 slower (50%), 1/2 faster (50%)"), md);
        assertTrue(md.contains("0.1 min → 0.1 min (+3.3%) ⚠️"), "6.0 s → 6.2 s is above the +3 % line\n" + md);
    }

    @Test
    void mlxKnifeHistoryIsReadable(@TempDir Path dir) throws Exception {
        Path v02 = Fixtures.copy(Fixtures.MLX_V02, dir);
        ReportGenerator.Result res = ReportGenerator.generate(new ReportGenerator.Request(List.of(v02), null, null, null), NOW, false);
        assertEquals(6, res.tests());
        assertTrue(res.markdown().contains("| pixtral-12b-4bit | 7.0 GB | Vision | 2 |"), "both pixtral records, keyed by display id\n" + res.markdown());
        assertTrue(res.markdown().contains("**Hardware:** Mac14,13, 12 cores"), res.markdown());
        Path v01 = Fixtures.copy(Fixtures.MLX_V01, dir);
        ReportGenerator.Result r1 = ReportGenerator.generate(new ReportGenerator.Request(List.of(v01), null, null, null), NOW, false);
        assertEquals("BENCHMARK-v1.2-2.0.2-2025-11-16.md", r1.output().getFileName().toString());
        assertTrue(r1.markdown().contains("No record carries system_health."), r1.markdown());
    }

    @Test
    void invalidInputIsRefusedWithLineNumbers(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.jsonl");
        Files.writeString(bad, "{\"schema_version\": \"0.3.0\"}\n{oops\n");
        ReportGenerator.InvalidInput e = assertThrows(ReportGenerator.InvalidInput.class,
                () -> ReportGenerator.generate(new ReportGenerator.Request(List.of(bad), null, null, null), NOW, false));
        assertTrue(e.problems().stream().anyMatch(p -> p.startsWith(bad + ":1:")), e.problems().toString());
        assertTrue(e.problems().stream().anyMatch(p -> p.startsWith(bad + ":2: Invalid JSON")), e.problems().toString());
    }

    @Test
    void defaultNamesFollowTheOriginal() {
        Path a = Path.of("2025-12-20-v2.0.4b3-2nd_0.2.0_schema.jsonl");
        assertEquals("BENCHMARK-v1.2-2.0.4b3-2025-12-20.md", ReportGenerator.defaultName(a, "2.0.4", ReportGenerator.dateOf(a, null)));
        Path b = Path.of("2026-02-11-wet-benchmark-2.0.4-stable.jsonl");
        assertEquals("BENCHMARK-v1.2-2.0.4-2026-02-11-wet-benchmark-2.0.4-stable.md",
                ReportGenerator.defaultName(b, "2.0.4", ReportGenerator.dateOf(b, 1.0)));
        assertEquals("2027-01-15", ReportGenerator.dateOf(Path.of("bench.jsonl"), 1_800_000_000.0 + 86400 * 0), "no date in the name: the first record's");
        assertEquals(Path.of("x/2026-02-06-wet-memory-1.jsonl").getFileName(),
                Path.of("x/2026-02-06-wet-benchmark-1.jsonl".replace("benchmark", "memory")).getFileName());
    }

    @Test
    void sizeCategoriesHaveExactBoundaries() {
        assertEquals("LARGE", MarkdownReport.category(20.0));
        assertEquals("MEDIUM", MarkdownReport.category(19.99));
        assertEquals("MEDIUM", MarkdownReport.category(10.0));
        assertEquals("SMALL", MarkdownReport.category(9.99));
    }
}
