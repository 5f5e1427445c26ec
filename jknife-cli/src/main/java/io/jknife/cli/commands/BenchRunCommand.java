package io.jknife.cli.commands;

import io.jknife.bench.bandwidth.MemoryBandwidth;
import io.jknife.bench.engine.EngineBench;
import io.jknife.bench.json.Num;
import io.jknife.cli.BaseCommand;
import io.jknife.cli.CommandFailure;
import io.jknife.cli.Context;
import io.jknife.cli.output.Humanize;
import io.jknife.cli.output.Table;
import io.jknife.engine.EngineException;
import io.jknife.engine.LoadOptions;
import io.jknife.engine.TextEngine;
import io.jknife.store.ModelEntry;
import io.jknife.store.ModelInfo;
import io.jknife.store.probe.Capability;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code jknife bench run MODEL}: prefill and decode tokens/s, time to first token and peak memory of
 * one model, per engine; several {@code --engine} values give a side-by-side table measured in the
 * same process, one engine after the other. Decode speed is also put against the machine's measured
 * memory read bandwidth, since decoding reads every weight once per token.
 */
@Command(name = "run", description = "Benchmark a model: prefill and decode tokens/s, time to first token, peak RSS, per engine.")
public final class BenchRunCommand extends BaseCommand {
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Parameters(index = "0", paramLabel = "MODEL", description = "Model reference.")
    String model;

    @Option(names = "--prompt-tokens", paramLabel = "N", defaultValue = "128", description = "Prompt tokens prefilled per repetition (default ${DEFAULT-VALUE}).")
    int promptTokens;

    @Option(names = "--gen-tokens", paramLabel = "N", defaultValue = "64", description = "Tokens decoded per repetition (default ${DEFAULT-VALUE}).")
    int genTokens;

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "3", description = "Counted repetitions after one warm-up (default ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--engine", paramLabel = "ENGINE", description = "Engine to measure (repeatable: java, llamacpp); default: the one routing picks.")
    List<String> engines = new ArrayList<>();

    @Option(names = "--threads", paramLabel = "N", description = "CPU threads (default: all cores).")
    int threads;

    @Option(names = "--ctx-size", paramLabel = "N", description = "Context size (default: prompt plus generated tokens).")
    int ctxSize;

    @Option(names = "--no-bandwidth", description = "Skip measuring memory read bandwidth (a few seconds).")
    boolean noBandwidth;

    public BenchRunCommand(Context ctx) {
        super(ctx);
    }

    @Override
    protected String name() {
        return "bench run";
    }

    @Override
    protected Object execute() {
        EngineBench.Plan plan;
        try {
            plan = new EngineBench.Plan(promptTokens, genTokens, repeat);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure("ValidationError", e.getMessage());
        }
        if (ctxSize < 0 || threads < 0) {
            throw new CommandFailure("ValidationError", "--ctx-size and --threads must be >= 0");
        }
        ModelEntry entry = Resolve.one(ctx.store(), model);
        LoadOptions load = new LoadOptions(ctxSize > 0 ? ctxSize : promptTokens + genTokens, threads);
        List<String> wanted = engines.isEmpty() ? java.util.Collections.singletonList(null) : engines;
        List<Map<String, Object>> rows = new ArrayList<>();
        long weightBytes = 0;
        for (String engine : wanted) {
            ModelInfo info = ctx.catalog().withEngine(engine).describe(entry);
            weightBytes = info.sizeBytes();
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("engine", info.engine() != null ? info.engine() : engine);
            if (!info.runtimeCompatible()) {
                row.put("error", info.reason());
                rows.add(row);
                continue;
            }
            if (!info.capabilities().contains(Capability.TEXT_GENERATION)) {
                throw new CommandFailure("execution_error", "bench run measures text generation; " + info.name()
                        + " is a " + info.modelType().name().toLowerCase(java.util.Locale.ROOT) + " model");
            }
            TextEngine te = ctx.engines().get(info.engine()).orElse(null);
            if (te == null) {
                row.put("error", "engine '" + info.engine() + "' is not part of this build");
                rows.add(row);
                continue;
            }
            try {
                EngineBench.Result r = EngineBench.run(info.engine(), () -> te.load(info.entry(), info.probe(), load), plan);
                row.putAll(resultData(r, weightBytes));
            } catch (EngineException e) {
                row.put("error", e.getMessage());
            }
            rows.add(row);
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("model", entry.name());
        data.put("size_bytes", weightBytes);
        data.put("prompt_tokens", promptTokens);
        data.put("gen_tokens", genTokens);
        data.put("repeat", repeat);
        data.put("threads", load.effectiveThreads());
        Double gbps = noBandwidth ? null : machineBandwidth(load.effectiveThreads());
        data.put("bandwidth_gbps", gbps);
        for (Map<String, Object> row : rows) {
            if (gbps != null && row.get("implied_gbps") instanceof Double implied) {
                row.put("bandwidth_share", Num.round(implied / gbps, 3));
            }
        }
        data.put("results", rows);
        if (rows.stream().allMatch(row -> row.containsKey("error"))) {
            throw new CommandFailure("execution_error", rows.stream().map(row -> row.get("engine") + ": " + row.get("error"))
                    .collect(java.util.stream.Collectors.joining("; ")), data, null);
        }
        return data;
    }

    private static Map<String, Object> resultData(EngineBench.Result r, long weightBytes) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("load_ms", Num.round(r.loadMillis(), 1));
        m.put("background_ms", Num.round(r.backgroundMillis(), 1));
        m.put("prompt_tokens", r.promptTokens());
        m.put("generated_tokens", r.generatedTokens());
        m.put("prefill_tps", stat(r.prefillTps()));
        m.put("decode_tps", stat(r.decodeTps()));
        m.put("ttft_ms", stat(r.ttftMillis()));
        m.put("first_ttft_ms", Num.round(r.firstTtftMillis(), 1));
        m.put("peak_rss_bytes", r.peakRssBytes());
        m.put("implied_gbps", r.decodeTps() == null ? null : Num.round(r.impliedGbps(weightBytes), 2));
        return m;
    }

    /** "0.31 s", or "0.31 s (+2.40 s)" when the engine worked on the model in the background after. */
    private static String load(Map<String, Object> row) {
        double background = row.get("background_ms") instanceof Number n ? n.doubleValue() : 0;
        return Num.fmt(((Number) row.get("load_ms")).doubleValue() / 1000, 2) + " s"
                + (background >= 10 ? " (+" + Num.fmt(background / 1000, 2) + " s)" : "");
    }

    private static Map<String, Object> stat(EngineBench.Stat s) {
        if (s == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("median", Num.round(s.median(), 2));
        m.put("min", Num.round(s.min(), 2));
        m.put("max", Num.round(s.max(), 2));
        return m;
    }

    /** The best of a few passes over a buffer far larger than the caches (what `bench bandwidth` measures). */
    private static Double machineBandwidth(int threads) {
        try {
            return MemoryBandwidth.measure(512L << 20, threads, 3).bestGbps();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (OutOfMemoryError e) {
            return null;
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    protected void printHuman(Object data) {
        Map<String, Object> d = (Map<String, Object>) data;
        ctx.out().println(d.get("model") + " (" + Humanize.size(((Number) d.get("size_bytes")).longValue()) + "): "
                + d.get("prompt_tokens") + " prompt tokens, " + d.get("gen_tokens") + " generated, " + d.get("repeat")
                + " repetitions, " + d.get("threads") + " threads"
                + (d.get("bandwidth_gbps") == null ? "" : "; memory read bandwidth " + d.get("bandwidth_gbps") + " GB/s"));
        Table t = new Table(List.of("Engine", "Load", "Prefill tok/s", "Decode tok/s", "TTFT", "First TTFT", "Peak RSS",
                "Bandwidth"));
        List<String> errors = new ArrayList<>();
        for (Map<String, Object> row : (List<Map<String, Object>>) d.get("results")) {
            if (row.containsKey("error")) {
                t.add(List.of(String.valueOf(row.get("engine")), "-", "-", "-", "-", "-", "-", "-"));
                errors.add(row.get("engine") + ": " + row.get("error"));
                continue;
            }
            t.add(List.of(String.valueOf(row.get("engine")),
                    load(row),
                    median(row.get("prefill_tps")), median(row.get("decode_tps")),
                    row.get("ttft_ms") == null ? "-" : median(row.get("ttft_ms")) + " ms",
                    row.get("first_ttft_ms") + " ms",
                    row.get("peak_rss_bytes") == null ? "-" : Humanize.size(((Number) row.get("peak_rss_bytes")).longValue()),
                    row.get("bandwidth_share") == null ? "-"
                            : Math.round(((Number) row.get("bandwidth_share")).doubleValue() * 100) + " %"));
        }
        ctx.out().print(t.render());
        errors.forEach(e -> ctx.out().println("  " + e));
    }

    @SuppressWarnings("unchecked")
    private static String median(Object stat) {
        return stat == null ? "-" : String.valueOf(((Map<String, Object>) stat).get("median"));
    }
}
