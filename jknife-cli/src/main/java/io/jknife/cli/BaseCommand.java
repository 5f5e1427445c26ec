package io.jknife.cli;

import io.jknife.cli.output.Envelope;
import io.jknife.cli.output.JsonOutput;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/**
 * A jknife sub-command: computes a result, then prints it as the JSON envelope ({@code --json}) or
 * as human text. Failures are {@link CommandFailure}s, printed the same way in both modes.
 */
public abstract class BaseCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print one JSON document (the envelope) on stdout.")
    protected boolean json;

    protected final Context ctx;

    protected BaseCommand(Context ctx) {
        this.ctx = ctx;
    }

    /** The command's name in the envelope and in error lines. */
    protected abstract String name();

    /** Does the work; returns the envelope's data object. */
    protected abstract Object execute();

    /** Prints {@code data} for people. */
    protected abstract void printHuman(Object data);

    @Override
    public Integer call() {
        Object data;
        try {
            data = execute();
        } catch (CommandFailure f) {
            if (json) {
                ctx.out().println(JsonOutput.pretty(Envelope.error(name(), f.data(), f.type(), f.getMessage(), f.extra())));
            } else {
                ctx.err().println(name() + ": Error: " + f.getMessage());
            }
            return 1;
        }
        if (json) {
            ctx.out().println(JsonOutput.pretty(Envelope.success(name(), data)));
        } else {
            printHuman(data);
        }
        return 0;
    }
}
