package io.jknife.cli;

import io.jknife.cli.commands.BenchCommand;
import io.jknife.cli.commands.CloneCommand;
import io.jknife.cli.commands.ConvertCommand;
import io.jknife.cli.commands.EmbedCommand;
import io.jknife.cli.commands.HealthCommand;
import io.jknife.cli.commands.ListCommand;
import io.jknife.cli.commands.PullCommand;
import io.jknife.cli.commands.PushCommand;
import io.jknife.cli.commands.RmCommand;
import io.jknife.cli.commands.RunCommand;
import io.jknife.cli.commands.ServeCommand;
import io.jknife.cli.commands.ShowCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The top-level {@code jknife} command; the work happens in its sub-commands. */
@Command(name = "jknife",
        description = "Manage and run AI models locally on the JVM, in place in your Hugging Face cache.",
        subcommands = {ListCommand.class, ShowCommand.class, HealthCommand.class, RmCommand.class, RunCommand.class, EmbedCommand.class, BenchCommand.class, PullCommand.class, CloneCommand.class, ConvertCommand.class, PushCommand.class, ServeCommand.class},
        usageHelpAutoWidth = true)
public final class JknifeCommand {
    @Option(names = {"-V", "--version"}, description = "Print the version and exit.")
    boolean version;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Option(names = "--json", description = "JSON output (for --version, or for any command).")
    boolean json;
}
