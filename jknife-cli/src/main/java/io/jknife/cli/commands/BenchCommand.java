package io.jknife.cli.commands;

import picocli.CommandLine.Command;

/**
 * {@code jknife bench}: the benchmark toolchain (jknife-bench): memory monitor, timeline plot, report
 * validation and Markdown reports, memory bandwidth, and the engine benchmark {@code bench run}.
 */
@Command(name = "bench",
        description = "Benchmark toolchain: memory monitor, timeline plot, report validation and Markdown reports, memory bandwidth, engine benchmark.",
        subcommands = {BenchMemmonCommand.class, BenchPlotCommand.class, BenchValidateCommand.class, BenchReportCommand.class,
                BenchBandwidthCommand.class, BenchRunCommand.class},
        usageHelpAutoWidth = true)
public final class BenchCommand {
    @picocli.CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

}
