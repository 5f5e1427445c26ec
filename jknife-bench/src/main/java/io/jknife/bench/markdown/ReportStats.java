package io.jknife.bench.markdown;

import io.jknife.bench.json.Num;
import io.jknife.bench.report.BenchRecord;
import io.jknife.bench.report.ReportFields.Flags;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The statistics of one report (template 1.2). Test records only (event records are not tests);
 * per-model stats keyed by display id; quality counted over records that carry health data; flags
 * recomputed from raw values, plus what the memory log shows inside each test's window.
 */
final class ReportStats {
    /** Passed model tests shorter than this are fixture checks, not inference. */
    static final double INFERENCE_MIN_S = 0.5;

    record ModelStat(String displayId, Double sizeGb, Map<Modality, Bucket> byModality) {
        double totalTime() {
            return byModality.values().stream().mapToDouble(b -> b.time).sum();
        }

        int count() {
            return byModality.values().stream().mapToInt(b -> b.count).sum();
        }
    }

    /** Count, time and RAM-free range of one model × modality. */
    static final class Bucket {
        int count;
        double time;
        Double ramMin;
        Double ramMax;

        void add(BenchRecord r) {
            count++;
            time += r.duration();
            Double ram = r.ramFreeGb();
            if (ram != null) {
                ramMin = ramMin == null ? ram : Math.min(ramMin, ram);
                ramMax = ramMax == null ? ram : Math.max(ramMax, ram);
            }
        }
    }

    record Run(String model, double duration) {
    }

    record TestStat(String name, Modality modality, List<Run> runs) {
        long models() {
            return runs.stream().map(Run::model).distinct().count();
        }

        double median() {
            return Num.median(runs.stream().map(Run::duration).toList());
        }

        Run fastest() {
            return runs.stream().min((a, b) -> Double.compare(a.duration(), b.duration())).orElseThrow();
        }

        Run slowest() {
            return runs.stream().max((a, b) -> Double.compare(a.duration(), b.duration())).orElseThrow();
        }
    }

    final List<BenchRecord> tests;
    final int total;
    final int passed;
    final int failed;
    final int skipped;
    final int passedWithModel;
    final int passedInfra;
    final double duration;
    final Double wall;
    final String toolVersion;
    final String schemaVersion;
    final String hardware;
    final int withHealth;
    final int clean;
    final Map<String, Integer> degraded = new LinkedHashMap<>();
    final List<Double> swap = new ArrayList<>();
    final List<Double> ram = new ArrayList<>();
    final List<Double> zombies = new ArrayList<>();
    long orphans;
    long oomKills;
    long swapOutPages;
    int testsWithSwapOut;
    int unknownModality;
    final Map<String, ModelStat> models = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    final Map<String, TestStat> perTest = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);

    ReportStats(List<BenchRecord> records, DisplayIds ids, Correlation memory) {
        tests = records.stream().filter(r -> !r.isEvent()).toList();
        total = tests.size();
        passed = (int) tests.stream().filter(BenchRecord::passed).count();
        failed = (int) tests.stream().filter(r -> "failed".equals(r.outcome())).count();
        skipped = (int) tests.stream().filter(r -> "skipped".equals(r.outcome())).count();
        passedWithModel = (int) tests.stream().filter(r -> r.passed() && r.modelId() != null).count();
        passedInfra = passed - passedWithModel;
        duration = tests.stream().filter(BenchRecord::passed).mapToDouble(BenchRecord::duration).sum();
        wall = wallTime(tests);
        toolVersion = tests.isEmpty() ? null : tests.getFirst().toolVersion();
        schemaVersion = tests.isEmpty() ? null : tests.getFirst().schemaVersion();
        hardware = tests.stream().map(BenchRecord::hardwareLabel).filter(java.util.Objects::nonNull).findFirst().orElse(null);
        for (String f : List.of(Flags.DEGRADED_RAM, Flags.DEGRADED_SWAP, Flags.DEGRADED_PRESSURE, Flags.DEGRADED_ZOMBIES,
                Flags.DEGRADED_ORPHANS, Flags.DEGRADED_OOM)) {
            degraded.put(f, 0);
        }
        int h = 0;
        int c = 0;
        for (BenchRecord r : tests) {
            if (!r.hasHealth()) {
                continue;
            }
            h++;
            swap.add(r.swapUsedMb() == null ? 0.0 : r.swapUsedMb());
            ram.add(r.ramFreeGb() == null ? 0.0 : r.ramFreeGb());
            zombies.add(r.zombies() == null ? 0.0 : r.zombies());
            orphans += r.orphans() == null ? 0 : r.orphans();
            oomKills += r.oomKills() == null ? 0 : r.oomKills();
            long out = r.swapOutPages() == null ? 0 : r.swapOutPages();
            swapOutPages += out;
            testsWithSwapOut += out > 0 ? 1 : 0;
            List<String> flags = new ArrayList<>(r.qualityFlags());
            if (memory != null) {
                memory.flags(r).forEach(f -> {
                    if (!flags.contains(f)) {
                        flags.add(f);
                    }
                });
                if (flags.size() > 1) {
                    flags.remove(Flags.CLEAN);
                }
            }
            if (flags.equals(List.of(Flags.CLEAN))) {
                c++;
            }
            flags.forEach(f -> degraded.computeIfPresent(f, (k, v) -> v + 1));
        }
        withHealth = h;
        clean = c;
        for (BenchRecord r : tests) {
            if (!r.passed() || r.modelId() == null || r.duration() < INFERENCE_MIN_S) {
                continue;
            }
            String display = ids.of(r.modelId());
            Modality m = Modality.of(r.modality());
            unknownModality += m == Modality.UNKNOWN ? 1 : 0;
            models.computeIfAbsent(display, k -> new ModelStat(k, r.modelSizeGb(), new EnumMap<>(Modality.class)))
                    .byModality().computeIfAbsent(m, k -> new Bucket()).add(r);
            String name = functionName(r.test());
            perTest.computeIfAbsent(name + "\u0000" + m.name(), k -> new TestStat(name, m, new ArrayList<>()))
                    .runs().add(new Run(ids.shortOf(r.modelId()), r.duration()));
        }
    }

    double cleanPercent() {
        return withHealth == 0 ? 0 : 100.0 * clean / withHealth;
    }

    /** Sum of test windows (start → end including setup and teardown) when every passed test has them. */
    private static Double wallTime(List<BenchRecord> tests) {
        double sum = 0;
        for (BenchRecord r : tests) {
            if (!r.passed()) {
                continue;
            }
            if (!r.node().has("test_start_ts") || !r.node().has("test_end_ts")) {
                return null;
            }
            sum += r.endTs() - r.startTs();
        }
        return sum;
    }

    /** The method name: after the last {@code ::}, before {@code [}. */
    static String functionName(String id) {
        if (id == null) {
            return "?";
        }
        String n = id.contains("::") ? id.substring(id.lastIndexOf("::") + 2) : id;
        int b = n.indexOf('[');
        return b >= 0 ? n.substring(0, b) : n;
    }
}
