package io.jknife.cli;

import io.jknife.cli.output.Envelope;
import io.jknife.cli.output.JsonOutput;
import picocli.CommandLine;

import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.reflect.Constructor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Entry point: parses the command line with picocli, maps every outcome to the contract's exit codes. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16), false, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        var console = System.console();
        boolean interactive = console != null && console.isTerminal();
        int code = run(args, new Context(System.getenv(), out, err, in, interactive));
        out.flush();
        // A closed pipe (jknife list | head -1) is not an error worth a message.
        System.exit(out.checkError() && code == 0 ? 0 : code);
    }

    /** Runs one command line; returns the exit code (0 success, 1 failure, 2 usage). */
    public static int run(String[] rawArgs, Context ctx) {
        String[] args = moveGlobalJson(rawArgs);
        boolean jsonAnywhere = List.of(args).contains("--json");
        CommandLine cl = new CommandLine(new JknifeCommand(), new ContextFactory(ctx));
        cl.setOut(new java.io.PrintWriter(ctx.out(), true));
        cl.setErr(new java.io.PrintWriter(ctx.err(), true));
        try {
            CommandLine.ParseResult parsed = cl.parseArgs(args);
            if (cl.isUsageHelpRequested()) {
                cl.usage(ctx.out());
                return 0;
            }
            JknifeCommand top = cl.getCommand();
            if (top.version) {
                return printVersion(ctx, top.json || jsonAnywhere);
            }
            if (!parsed.hasSubcommand()) {
                if (top.json) {
                    printError(ctx, "CommandError", "No command specified");
                    return 1;
                }
                cl.usage(ctx.out());
                return 2;
            }
            CommandLine.ParseResult leaf = parsed;
            while (leaf.hasSubcommand()) {
                leaf = leaf.subcommand();
            }
            if (leaf.commandSpec().commandLine().isUsageHelpRequested()) {
                leaf.commandSpec().commandLine().usage(ctx.out());
                return 0;
            }
            Object command = leaf.commandSpec().userObject();
            if (command instanceof java.util.concurrent.Callable<?> callable) {
                Object result = callable.call();
                return result instanceof Integer i ? i : 0;
            }
            leaf.commandSpec().commandLine().usage(ctx.out());
            return 2;
        } catch (CommandLine.ParameterException e) {
            if (jsonAnywhere) {
                printError(ctx, "CommandError", e.getMessage());
            } else {
                ctx.err().println("jknife: error: " + e.getMessage());
                e.getCommandLine().usage(ctx.err());
            }
            return 2;
        } catch (Exception e) {
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            if (jsonAnywhere) {
                printError(ctx, "InternalError", message);
            } else {
                ctx.err().println("Error: " + message);
            }
            if (ctx.env().containsKey("JKNIFE_DEBUG")) {
                e.printStackTrace(ctx.err());
            }
            return 1;
        }
    }

    /** {@code jknife --json list} means {@code jknife list --json}: the flag is honoured wherever it stands. */
    static String[] moveGlobalJson(String[] args) {
        List<String> out = new ArrayList<>();
        boolean moved = false;
        boolean seenCommand = false;
        boolean version = false;
        for (String a : args) {
            if (!seenCommand && a.equals("--json")) {
                moved = true;
                continue;
            }
            if (a.equals("--version") || a.equals("-V")) {
                version = true;
            }
            if (!a.startsWith("-")) {
                seenCommand = true;
            }
            out.add(a);
        }
        if (moved) {
            if (version || !seenCommand) {
                out.addFirst("--json");
            } else {
                out.add("--json");
            }
        }
        return out.toArray(String[]::new);
    }

    private static int printVersion(Context ctx, boolean json) {
        if (!json) {
            ctx.out().println("jknife " + Version.cli());
            return 0;
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("cli_version", Version.cli());
        data.put("json_api_spec_version", Version.JSON_API_SPEC_VERSION);
        Long mem = SystemInfo.memoryTotalBytes();
        data.put("system", mem == null ? null : Map.of("memory_total_bytes", mem));
        ctx.out().println(JsonOutput.pretty(Envelope.success("version", data)));
        return 0;
    }

    private static void printError(Context ctx, String type, String message) {
        ctx.out().println(JsonOutput.pretty(Envelope.error(null, null, type, message, null)));
    }

    /** Creates commands with the invocation's {@link Context}. */
    private record ContextFactory(Context ctx) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> cls) throws Exception {
            try {
                Constructor<K> c = cls.getDeclaredConstructor(Context.class);
                return c.newInstance(ctx);
            } catch (NoSuchMethodException e) {
                return CommandLine.defaultFactory().create(cls);
            }
        }
    }
}
