package io.jknife.cli.commands;

import io.jknife.bench.memmon.MemMon;
import io.jknife.cli.Context;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code jknife bench memmon [-o FILE] [-i MS] (-d SECONDS | -- COMMAND ...)}: samples memory, CPU and
 * GPU while a command runs, one JSONL line per sample written as taken, a summary line at the end.
 * Exits with the command's status (128+N when signal N ended it; 127 when it cannot be started).
 * Its stdout belongs to the command: memmon itself talks on stderr and has no --json.
 */
@Command(name = "memmon", description = {
        "Monitor memory, swap, pressure, CPU, the command's process tree and GPU while COMMAND runs.",
        "Put -- before the command when it has options: jknife bench memmon -o mem.jsonl -- mvn -q test"})
public final class BenchMemmonCommand implements Callable<Integer> {
    @picocli.CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "JSONL destination (samples as they are taken, then a summary line).")
    Path output;

    @Option(names = {"-i", "--interval", "--interval-ms"}, paramLabel = "MS", defaultValue = "200", description = "Sampling interval in milliseconds (default ${DEFAULT-VALUE}).")
    int intervalMs;

    @Option(names = {"-d", "--duration"}, paramLabel = "SECONDS", description = "Monitor for this long without a command.")
    Double duration;

    @Parameters(arity = "0..*", paramLabel = "COMMAND", description = "The command to wrap, after --.")
    List<String> command;

    @Spec
    CommandSpec spec;

    private final Context ctx;

    public BenchMemmonCommand(Context ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() throws Exception {
        MemMon.Options options;
        try {
            options = new MemMon.Options(output, intervalMs, duration, command);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        return new MemMon(options, ctx.err()).run();
    }
}
