package io.jknife.cli.commands;

import picocli.CommandLine.Command;

/**
 * {@code jknife bench}: the benchmark toolchain (jknife-bench). {@code bench run} joins when the text
 * engines land: a {@code BenchRunCommand} here, backed by a {@code BenchRun} in jknife-bench that
 * takes the engine interface (prefill/decode tokens/s, time to first token, peak RSS, real-time
 * factor) and divides the implied bytes/s by {@code MemoryBandwidth}'s measurement. TODO(issue 6).
 */
@Command(name = "bench",
        description = "Benchmark toolchain: memory monitor, timeline plot, report validation and Markdown reports, memory bandwidth.",
        subcommands = {BenchMemmonCommand.class, BenchPlotCommand.class, BenchValidateCommand.class, BenchReportCommand.class,
                BenchBandwidthCommand.class},
        usageHelpAutoWidth = true)
public final class BenchCommand {
    @picocli.CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

}
