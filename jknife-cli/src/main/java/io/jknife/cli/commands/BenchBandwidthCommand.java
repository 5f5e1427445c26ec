package io.jknife.cli.commands;

import io.jknife.bench.bandwidth.MemoryBandwidth;
import io.jknife.bench.json.Num;
import io.jknife.bench.system.MemInfo;
import io.jknife.cli.BaseCommand;
import io.jknife.cli.CommandFailure;
import io.jknife.cli.Context;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code jknife bench bandwidth}: measured memory read bandwidth (streaming over an off-heap buffer). */
@Command(name = "bandwidth", description = "Measure memory read bandwidth: threads stream over a large off-heap buffer.")
public final class BenchBandwidthCommand extends BaseCommand {
    @picocli.CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Option(names = "--size-mb", paramLabel = "MB", defaultValue = "1024", description = "Buffer size in MiB (default ${DEFAULT-VALUE}; far above the CPU caches).")
    long sizeMb;

    @Option(names = "--threads", paramLabel = "N", description = "Reader threads (default: the available processors).")
    Integer threads;

    @Option(names = "--passes", paramLabel = "N", defaultValue = "5", description = "Timed passes (default ${DEFAULT-VALUE}); the best is the headline.")
    int passes;

    public BenchBandwidthCommand(Context ctx) {
        super(ctx);
    }

    @Override
    protected String name() {
        return "bench bandwidth";
    }

    @Override
    protected Object execute() {
        int n = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        if (sizeMb < 1 || n < 1 || passes < 1) {
            throw new CommandFailure("ValidationError", "--size-mb, --threads and --passes must be at least 1");
        }
        long bytes = sizeMb << 20;
        MemInfo mem = MemInfo.read();
        if (mem != null && bytes > mem.available() / 2) {
            throw new CommandFailure("insufficient_memory", "a " + sizeMb + " MiB buffer is more than half of the "
                    + (mem.available() >> 20) + " MiB available; use a smaller --size-mb");
        }
        MemoryBandwidth.Result r;
        try {
            r = MemoryBandwidth.measure(bytes, n, passes);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandFailure("interrupted", "interrupted");
        } catch (OutOfMemoryError e) {
            throw new CommandFailure("insufficient_memory", "cannot allocate " + sizeMb + " MiB off-heap: " + e.getMessage());
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("bytes", r.bytes());
        data.put("threads", r.threads());
        data.put("passes", r.passes());
        data.put("best_gbps", r.bestGbps());
        data.put("median_gbps", r.medianGbps());
        data.put("best_gibps", r.bestGibps());
        data.put("pass_gbps", r.passGbps());
        return data;
    }

    @Override
    @SuppressWarnings("unchecked")
    protected void printHuman(Object data) {
        Map<String, Object> d = (Map<String, Object>) data;
        ctx.out().println("Memory read bandwidth: best " + d.get("best_gbps") + " GB/s (" + d.get("best_gibps") + " GiB/s), median "
                + d.get("median_gbps") + " GB/s");
        ctx.out().println("  " + d.get("threads") + " threads over " + Num.fmt(((Number) d.get("bytes")).doubleValue() / (1L << 30), 2)
                + " GiB, " + d.get("passes") + " passes: " + d.get("pass_gbps") + " GB/s");
    }
}
