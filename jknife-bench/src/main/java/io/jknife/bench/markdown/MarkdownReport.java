package io.jknife.bench.markdown;

import io.jknife.bench.json.Num;
import io.jknife.bench.report.BenchRecord;
import io.jknife.bench.report.QualityFlags;
import io.jknife.bench.report.ReportFields.Flags;
import io.jknife.bench.report.SchemaVersion;

import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** Renders the Markdown report, template 1.2 (the original's 1.1 layout with its defects fixed). */
final class MarkdownReport {
    static final String TEMPLATE = "1.2";
    private static final int COLD_START_ROWS = 15;
    private static final int HIGH_GPU_ROWS = 10;

    private final StringBuilder md = new StringBuilder();
    private final ReportGenerator.Request req;
    private final ReportStats cur;
    private final ReportStats old;
    private final Correlation mem;
    private final Correlation oldMem;
    private final DisplayIds ids;

    MarkdownReport(ReportGenerator.Request req, ReportStats cur, ReportStats old, Correlation mem, Correlation oldMem, DisplayIds ids) {
        this.req = req;
        this.cur = cur;
        this.old = old;
        this.mem = mem;
        this.oldMem = oldMem;
        this.ids = ids;
    }

    String render(String date, Instant now) {
        header(date, now);
        inputs();
        executive();
        testSummary();
        health();
        perModel();
        categories();
        perTest();
        if (mem != null && mem.hasGpu()) {
            gpu();
        }
        files();
        return md.toString();
    }

    private void header(String date, Instant now) {
        line("# Benchmark Report v" + TEMPLATE + ": " + orUnknown(cur.toolVersion));
        line("");
        line("**Date:** " + date + "  ");
        line("**Generated:** " + DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").format(now.truncatedTo(ChronoUnit.SECONDS).atOffset(ZoneOffset.UTC)) + " UTC  ");
        line("**Generator:** jknife bench report (template " + TEMPLATE + ")  ");
        line("**Hardware:** " + (cur.hardware == null ? "unknown" : cur.hardware));
        rule();
    }

    private void inputs() {
        line("## Input Files");
        line("");
        for (Path p : req.inputs()) {
            line("- **Primary:** `" + p + "`");
        }
        line("- **Schema:** v" + orUnknown(cur.schemaVersion) + " (each record validated against the schema of its version)");
        if (mem != null) {
            line("- **Memory:** `" + mem.log.file() + "` (" + mem.log.samples().size() + " samples, " + mem.correlated() + " tests correlated)");
        }
        if (req.compare() != null) {
            line("- **Comparison:** `" + req.compare() + "`");
        }
        rule();
    }

    private void executive() {
        line("## Executive Summary");
        line("");
        line("- **Tests:** " + cur.total + " total (" + cur.passed + " passed, " + cur.failed + " failed, " + cur.skipped + " skipped)");
        line("- **Duration:** " + duration(cur.duration) + (cur.wall == null ? "" : "; wall time incl. setup/teardown " + duration(cur.wall)));
        line("- **Quality:** " + Num.fmt(cur.cleanPercent(), 1) + "% clean (" + cur.clean + "/" + cur.withHealth + " tests with health data"
                + (cur.total > cur.withHealth ? "; " + (cur.total - cur.withHealth) + " without are not counted" : "") + ")");
        line("- **Models:** " + cur.models.size() + " tested");
        if (old != null) {
            line("");
            line("### Comparison");
            line("");
            line("- **vs:** `" + req.compare().getFileName() + "`");
            double change = pct(cur.duration, old.duration);
            line("- **Duration:** " + Num.fmt(old.duration / 60, 1) + " min → " + Num.fmt(cur.duration / 60, 1) + " min ("
                    + signed(change, 1) + "%) " + (change > 3 ? "⚠️" : change < -1 ? "✅" : "➡️"));
            int slower = 0;
            int faster = 0;
            int both = 0;
            for (var e : cur.models.entrySet()) {
                ReportStats.ModelStat o = old.models.get(e.getKey());
                if (o == null) {
                    continue;
                }
                both++;
                double d = e.getValue().totalTime() - o.totalTime();
                slower += d > 0 ? 1 : 0;
                faster += d < 0 ? 1 : 0;
            }
            line("- **Models:** " + slower + "/" + both + " slower (" + Num.fmt(both == 0 ? 0.0 : 100.0 * slower / both, 0) + "%), "
                    + faster + "/" + both + " faster (" + Num.fmt(both == 0 ? 0.0 : 100.0 * faster / both, 0) + "%)");
        }
        line("");
        int degraded = cur.withHealth - cur.clean;
        if (cur.withHealth > 0 && degraded == 0) {
            line("✅ All tests clean (RAM ≥" + Num.fmt(QualityFlags.RAM_MIN_GB, 0) + " GB free, no swapping out, no critical memory pressure, "
                    + "no zombies or leftover processes, no OOM kills)");
        } else if (cur.withHealth == 0) {
            line("⚠️ No health data in these records: quality unknown");
        } else {
            List<String> parts = new ArrayList<>();
            cur.degraded.forEach((k, v) -> {
                if (v > 0) {
                    parts.add(flagLabel(k) + " " + v);
                }
            });
            line("⚠️ " + degraded + " tests degraded: " + String.join(", ", parts));
        }
        rule();
    }

    private void testSummary() {
        line("## Test Summary");
        line("");
        line("```");
        line("Total tests:      " + cur.total);
        line("Passed:           " + cur.passed);
        line("  With model:     " + cur.passedWithModel);
        line("  Infrastructure: " + cur.passedInfra);
        line("Failed:           " + cur.failed);
        line("Skipped:          " + cur.skipped);
        line("Duration:         " + duration(cur.duration));
        line("```");
        rule();
    }

    private void health() {
        line("## System Health");
        line("");
        line("```");
        if (cur.withHealth == 0) {
            line("No record carries system_health.");
        } else {
            line("Swap in use (MB):    min=" + Num.fmt(Num.min(cur.swap), 0) + ", max=" + Num.fmt(Num.max(cur.swap), 0) + ", avg=" + Num.fmt(Num.avg(cur.swap), 1)
                    + "  (occupancy only; swapping out is what degrades)");
            line("Swapped out (pages): " + cur.swapOutPages + " during tests, in " + cur.testsWithSwapOut + " tests");
            line("RAM free (GB):       min=" + Num.fmt(Num.min(cur.ram), 1) + ", max=" + Num.fmt(Num.max(cur.ram), 1) + ", avg=" + Num.fmt(Num.avg(cur.ram), 1));
            line("Zombies:             min=" + Num.fmt(Num.min(cur.zombies), 0) + ", max=" + Num.fmt(Num.max(cur.zombies), 0));
            line("Leftover processes:  " + cur.orphans);
            line("OOM kills:           " + cur.oomKills);
            line("");
            line("Quality Flags (thresholds: RAM <" + Num.fmt(QualityFlags.RAM_MIN_GB, 0) + " GB free, swap-out >0 pages"
                    + (mem == null ? "" : " (or in 2+ consecutive samples)") + ", critical pressure" + (mem == null ? "" : " (>=1 s in samples)")
                    + ", zombies or leftover processes >0, OOM kills >0)");
            line("  Clean:              " + cur.clean + "/" + cur.withHealth + " (" + Num.fmt(cur.cleanPercent(), 1) + "%)");
            cur.degraded.forEach((k, v) -> line(String.format("  %-19s %d", "Degraded (" + flagLabel(k) + "):", v)));
        }
        line("```");
        rule();
    }

    private void perModel() {
        line("## Per-Model Statistics");
        line("");
        if (cur.models.isEmpty()) {
            line("No passed model tests of at least " + ReportStats.INFERENCE_MIN_S + " s.");
            line("");
        } else if (old == null) {
            line("| Model | Size | Mode | Tests | Time | RAM (GB) |");
            line("|:------|-----:|:----:|------:|-----:|---------:|");
        } else {
            line("| Model | Size | Mode | Tests | Time | Old | Δ | Change | RAM (GB) |");
            line("|:------|-----:|:----:|------:|-----:|----:|--:|-------:|---------:|");
        }
        for (ReportStats.ModelStat m : cur.models.values()) {
            for (var e : m.byModality().entrySet()) {
                ReportStats.Bucket b = e.getValue();
                StringBuilder row = new StringBuilder("| " + shortName(m.displayId()) + " | " + size(m.sizeGb()) + " | " + e.getKey().label
                        + " | " + b.count + " | " + Num.fmt(b.time, 1) + "s |");
                if (old != null) {
                    ReportStats.ModelStat om = old.models.get(m.displayId());
                    ReportStats.Bucket ob = om == null ? null : om.byModality().get(e.getKey());
                    if (ob == null) {
                        row.append(" N/A | N/A | NEW |");
                    } else {
                        double change = pct(b.time, ob.time);
                        row.append(' ').append(Num.fmt(ob.time, 1)).append("s | ").append(signed(b.time - ob.time, 1)).append("s | ")
                                .append(signed(change, 1)).append('%').append(change > 5 ? " ⚠️" : change < -1 ? " ✅" : "").append(" |");
                    }
                }
                row.append(' ').append(ramRange(b.ramMin, b.ramMax)).append(" |");
                line(row.toString());
            }
        }
        line("");
    }

    private void categories() {
        line("### Model Categories");
        line("");
        if (cur.models.isEmpty()) {
            rule();
            return;
        }
        line("```");
        for (String[] cat : new String[][] {{"LARGE", "≥20 GB"}, {"MEDIUM", "10-20 GB"}, {"SMALL", "<10 GB"}}) {
            List<ReportStats.ModelStat> in = cur.models.values().stream().filter(m -> category(m.sizeGb()).equals(cat[0])).toList();
            if (in.isEmpty()) {
                continue;
            }
            line(cat[0] + " (" + cat[1] + "): " + in.size() + " models, avg size " + Num.fmt(Num.avg(in.stream().map(m -> m.sizeGb() == null ? 0.0 : m.sizeGb()).toList()), 1) + " GB");
            for (Modality mod : Modality.values()) {
                List<ReportStats.Bucket> bs = in.stream().map(m -> m.byModality().get(mod)).filter(java.util.Objects::nonNull).toList();
                if (bs.isEmpty()) {
                    continue;
                }
                double avgTime = bs.stream().mapToDouble(b -> b.time / b.count).average().orElse(0);
                line("  " + mod.label + ": " + bs.size() + " models, avg test time " + Num.fmt(avgTime, 1) + "s, RAM "
                        + ramRange(Num.min(bs.stream().map(b -> b.ramMin).toList()), Num.max(bs.stream().map(b -> b.ramMax).toList())) + " GB");
            }
        }
        line("```");
        rule();
    }

    private void perTest() {
        line("## Per-Test Statistics");
        line("");
        line("Passed model tests of at least " + ReportStats.INFERENCE_MIN_S + " s, by test and modality; durations are test bodies.");
        line("");
        if (cur.perTest.isEmpty()) {
            rule();
            return;
        }
        if (old == null) {
            line("| Test Name | Mode | Models | Fastest | Slowest | Med Time |");
            line("|:----------|:----:|-------:|:--------|:--------|---------:|");
        } else {
            line("| Test Name | Mode | Models | Fastest | Slowest | Med | Old | Δ Med |");
            line("|:----------|:----:|-------:|:--------|:--------|----:|----:|------:|");
        }
        for (var e : cur.perTest.entrySet()) {
            ReportStats.TestStat t = e.getValue();
            StringBuilder row = new StringBuilder("| " + t.name() + " | " + t.modality().label + " | " + t.models() + " | "
                    + run(t.fastest()) + " | " + run(t.slowest()) + " | " + Num.fmt(t.median(), 1) + "s |");
            if (old != null) {
                ReportStats.TestStat o = old.perTest.get(e.getKey());
                if (o == null) {
                    row.append(" N/A | NEW |");
                } else {
                    row.append(' ').append(Num.fmt(o.median(), 1)).append("s | ").append(signed(pct(t.median(), o.median()), 1)).append("% |");
                }
            }
            line(row.toString());
        }
        line("");
        rule();
    }

    private void gpu() {
        line("## GPU Analysis");
        line("");
        List<BenchRecord> withModel = cur.tests.stream().filter(r -> r.modelId() != null && r.startTs() != null)
                .sorted(Comparator.comparingDouble(BenchRecord::startTs)).toList();
        List<BenchRecord> cold = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (BenchRecord r : withModel) {
            if (seen.add(ids.of(r.modelId()))) {
                cold.add(r);
            }
        }
        line("### Cold-Start Tests");
        line("");
        line("The first test of each model (chronological), where the model is loaded.");
        line("");
        line("| Test | Model | GPU avg | GPU max | Samples |");
        line("|:-----|:------|--------:|--------:|--------:|");
        for (BenchRecord r : cold.subList(0, Math.min(COLD_START_ROWS, cold.size()))) {
            Correlation.Window w = mem.of(r);
            line("| " + ReportStats.functionName(r.test()) + " | " + ids.shortOf(r.modelId()) + " | "
                    + (w == null ? "N/A" : Num.fmt(w.gpuAvg(), 1) + "%") + " | " + (w == null ? "N/A" : Num.fmt(w.gpuMax(), 1) + "%") + " | "
                    + (w == null ? "N/A" : w.samples()) + " |");
        }
        if (cold.size() > COLD_START_ROWS) {
            line("");
            line("*... and " + (cold.size() - COLD_START_ROWS) + " more*");
        }
        line("");
        line("### High GPU Utilization Tests");
        line("");
        List<BenchRecord> high = cur.tests.stream().filter(r -> mem.of(r) != null && mem.of(r).gpuAvg() != null && mem.of(r).gpuAvg() > 50)
                .sorted(Comparator.comparingDouble((BenchRecord r) -> mem.of(r).gpuAvg()).reversed()).limit(HIGH_GPU_ROWS).toList();
        if (high.isEmpty()) {
            line("No test averaged above 50 % GPU utilisation.");
        } else {
            line("| Test | Model | GPU avg | GPU max | Pressure |");
            line("|:-----|:------|--------:|--------:|:---------|");
            for (BenchRecord r : high) {
                Correlation.Window w = mem.of(r);
                line("| " + ReportStats.functionName(r.test()) + " | " + (r.modelId() == null ? "-" : ids.shortOf(r.modelId())) + " | "
                        + Num.fmt(w.gpuAvg(), 1) + "% | " + Num.fmt(w.gpuMax(), 1) + "% | " + (w.pressureMax() > 1 ? "⚠️ WARN" : "OK") + " |");
            }
        }
        line("");
        line("### GPU Utilization Summary");
        line("");
        line("```");
        line("Sample interval:   " + Math.round(mem.intervalS() * 1000) + " ms");
        line("Correlated tests:  " + mem.correlated());
        line("Cold starts:       " + cold.size());
        line("GPU avg (samples in test windows): " + Num.fmt(Num.avg(mem.gpuSamples), 1) + "%" + was(Num.avg(mem.gpuSamples), oldMem == null ? null : Num.avg(oldMem.gpuSamples)));
        line("GPU max (raw peak):                " + Num.fmt(Num.max(mem.gpuSamples), 1) + "%" + was(Num.max(mem.gpuSamples), oldMem == null ? null : Num.max(oldMem.gpuSamples)));
        line("```");
        line("");
        perModelGpu();
        rule();
    }

    private void perModelGpu() {
        line("### Per-Model GPU");
        line("");
        line("| Model | Tests | GPU avg | GPU max |");
        line("|:------|------:|--------:|--------:|");
        Map<String, List<Correlation.Window>> by = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (BenchRecord r : cur.tests) {
            if (r.modelId() != null && mem.of(r) != null) {
                by.computeIfAbsent(ids.of(r.modelId()), k -> new ArrayList<>()).add(mem.of(r));
            }
        }
        by.forEach((model, ws) -> line("| " + shortName(model) + " | " + ws.size() + " | "
                + Num.fmt(Num.avg(ws.stream().map(Correlation.Window::gpuAvg).toList()), 1) + "% | "
                + Num.fmt(Num.max(ws.stream().map(Correlation.Window::gpuMax).toList()), 1) + "% |"));
    }

    private void files() {
        line("## Files");
        line("");
        for (Path p : req.inputs()) {
            line("- Benchmark data: `" + p + "`");
        }
        String schema = SchemaVersion.of(cur.schemaVersion).map(SchemaVersion::resource).orElse(SchemaVersion.CURRENT.resource());
        line("- Schema: `" + schema + "` (bundled with jknife; check with `jknife bench validate`)");
        if (mem != null) {
            line("- Memory data: `" + mem.log.file() + "` (correlated)");
        }
    }

    private static String was(Double now, Double before) {
        if (before == null || now == null) {
            return "";
        }
        return " (was " + Num.fmt(before, 1) + "%, Δ " + signed(now - before, 1) + "%)";
    }

    private static String run(ReportStats.Run r) {
        return r.model() + " (" + Num.fmt(r.duration(), 1) + "s)";
    }

    static String category(Double sizeGb) {
        double s = sizeGb == null ? 0 : sizeGb;
        return s >= 20.0 ? "LARGE" : s >= 10.0 ? "MEDIUM" : "SMALL";
    }

    private static String ramRange(Double min, Double max) {
        if (min == null || max == null) {
            return "-";
        }
        String a = Num.fmt(min, 1);
        String b = Num.fmt(max, 1);
        return a.equals(b) ? a : a + "-" + b;
    }

    private static String size(Double gb) {
        return gb == null ? "-" : Num.fmt(gb, 1) + " GB";
    }

    private static String shortName(String displayId) {
        return displayId.substring(displayId.indexOf('/') + 1);
    }

    static String flagLabel(String flag) {
        return switch (flag) {
            case Flags.DEGRADED_RAM -> "RAM";
            case Flags.DEGRADED_SWAP -> "swap";
            case Flags.DEGRADED_PRESSURE -> "pressure";
            case Flags.DEGRADED_ZOMBIES -> "zombies";
            case Flags.DEGRADED_ORPHANS -> "leftover processes";
            case Flags.DEGRADED_OOM -> "OOM";
            default -> flag;
        };
    }

    private static double pct(double now, double before) {
        return before == 0 ? 0 : (now - before) / before * 100;
    }

    static String signed(double v, int dp) {
        String s = Num.fmt(v, dp);
        return v >= 0 && !s.startsWith("-") ? "+" + s : s;
    }

    private static String duration(double s) {
        return Num.fmt(s, 1) + "s (" + Num.fmt(s / 60, 1) + " min)";
    }

    private static String orUnknown(String s) {
        return s == null ? "unknown" : s;
    }

    private void rule() {
        line("");
        line("---");
        line("");
    }

    private void line(String s) {
        md.append(s).append('\n');
    }
}
