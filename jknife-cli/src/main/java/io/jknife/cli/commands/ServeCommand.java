package io.jknife.cli.commands;

import io.jknife.cli.BaseCommand;
import io.jknife.cli.CommandFailure;
import io.jknife.cli.Context;
import io.jknife.cli.output.Envelope;
import io.jknife.cli.output.JsonOutput;
import io.jknife.engine.LoadOptions;
import io.jknife.runtime.TextSession;
import io.jknife.server.ApiException;
import io.jknife.server.MemoryReading;
import io.jknife.server.OpenAiServer;
import io.jknife.server.ServerConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * {@code jknife serve}: the OpenAI-compatible HTTP server. Runs until SIGINT or SIGTERM, then stops
 * within seconds, frees the models and exits 0.
 */
@Command(name = "serve", description = "Serve models over an OpenAI-compatible HTTP API (/v1) until Ctrl-C or SIGTERM.")
public final class ServeCommand extends BaseCommand {
    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Option(names = "--host", paramLabel = "HOST", description = "Bind address (env JKNIFE_HOST, default 127.0.0.1).")
    String host;

    @Option(names = "--port", paramLabel = "PORT", description = "Port (env JKNIFE_PORT, default 8000; 0 picks a free one).")
    Integer port;

    @Option(names = "--model", paramLabel = "MODEL", description = "Load this model before listening; used when a request names none.")
    String model;

    @Option(names = "--max-tokens", paramLabel = "N", description = "Default token limit per answer (env JKNIFE_MAX_TOKENS; default: what fits in the context).")
    Integer maxTokens;

    @Option(names = "--max-loaded", paramLabel = "N", defaultValue = "1", description = "Models kept loaded at once, least recently used evicted (default ${DEFAULT-VALUE}).")
    int maxLoaded;

    @Option(names = "--keep-alive", paramLabel = "DURATION", defaultValue = "5m", description = "Unload a model idle this long: 30s, 5m, 1h; -1 never (default ${DEFAULT-VALUE}).")
    String keepAlive;

    @Option(names = "--api-key", paramLabel = "KEY", description = "Require 'Authorization: Bearer KEY' on /v1 and /metrics (env JKNIFE_API_KEY).")
    String apiKey;

    @Option(names = "--cors", paramLabel = "ORIGINS", description = "Comma-separated origins allowed by CORS ('*' for any); off by default.")
    String cors;

    @Option(names = "--log-json", description = "Write the request log as JSON lines on stderr.")
    boolean logJson;

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "4",
            description = "Generations one model runs at once, batched together (default ${DEFAULT-VALUE}).")
    int parallel;

    @Option(names = "--switch-free", paramLabel = "VISION_GIB,SPEECH_GIB", defaultValue = "8,4",
            description = "Free memory (GiB) a switch to a vision or a speech model waits for (default ${DEFAULT-VALUE}).")
    String switchFree;

    @Option(names = "--max-queue", paramLabel = "N", defaultValue = "64", description = "Requests that may wait per loaded model before 503 (default ${DEFAULT-VALUE}).")
    int maxQueue;

    @Option(names = "--allow-remote-images",
            description = "Let image_url parts name http(s) URLs, which the server then fetches (off: data: URLs only).")
    boolean allowRemoteImages;

    @Mixin
    EngineOptions engineOptions = new EngineOptions();

    public ServeCommand(Context ctx) {
        super(ctx);
    }

    @Override
    protected String name() {
        return "serve";
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    private String env(String name) {
        String v = ctx.env().get(name);
        return v == null || v.isBlank() ? null : v.trim();
    }

    /** The flag's value, else the environment variable's, else null. */
    private Integer intSetting(Integer flag, String variable, String what) {
        if (flag != null || env(variable) == null) {
            return flag;
        }
        try {
            return Integer.parseInt(env(variable));
        } catch (NumberFormatException e) {
            throw usage(variable + " must be " + what + " (got '" + env(variable) + "')");
        }
    }

    private static long gib(String text, String option) {
        try {
            double g = Double.parseDouble(text.trim());
            if (g < 0 || Double.isNaN(g) || g > 1 << 20) {
                throw new NumberFormatException();
            }
            return (long) (g * (1L << 30));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " sizes must be GiB numbers >= 0 (got '" + text.trim() + "')");
        }
    }

    /** Flags beat the environment, which beats the defaults. */
    ServerConfig config() {
        ServerConfig c = ServerConfig.defaults();
        try {
            String h = host != null ? host : env("JKNIFE_HOST");
            if (h != null) {
                c = c.withHost(h);
            }
            Integer p = intSetting(port, "JKNIFE_PORT", "a port number");
            if (p != null) {
                c = c.withPort(p);
            }
            c = c.withMaxTokens(intSetting(maxTokens, "JKNIFE_MAX_TOKENS", "a number"));
            String key = apiKey != null ? apiKey : env("JKNIFE_API_KEY");
            c = c.withApiKey(key == null || key.isEmpty() ? null : key);
            if (cors != null) {
                c = c.withCors(Arrays.stream(cors.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList());
            }
            if (maxQueue < 0) {
                throw usage("--max-queue must be >= 0 (got " + maxQueue + ")");
            }
            String[] floors = switchFree.split(",");
            if (floors.length != 2) {
                throw usage("--switch-free takes two sizes in GiB, vision and speech, e.g. 8,4 (got '" + switchFree + "')");
            }
            c = c.withSwitchFloors(gib(floors[0], "--switch-free"), gib(floors[1], "--switch-free"));
            LoadOptions load = engineOptions.loadOptions();
            return c.withMaxLoaded(maxLoaded).withKeepAlive(ServerConfig.parseDuration(keepAlive))
                    .withDefaultModel(model).withLogJson(logJson).withMaxQueue(maxQueue).withLoad(load.contextSize(), load.threads()).withParallel(parallel)
                    .withAllowRemoteImages(allowRemoteImages).withImageEnv(ctx.env());
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
    }

    @Override
    public Integer call() {
        ServerConfig config = config();
        PrintStream err = ctx.err();
        OpenAiServer server = new OpenAiServer(config, engineOptions.catalog(ctx.catalog()),
                info -> TextSession.open(info, config.loadOptions(), ctx.engines()),
                MemoryReading.linux(), line -> {
                    synchronized (err) {
                        err.println(line);
                    }
                });
        try {
            try {
                server.start();
            } catch (ApiException e) {
                throw new CommandFailure("execution_error", "Cannot load '" + config.defaultModel() + "': " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 130;
            } catch (RuntimeException e) {
                throw new CommandFailure("execution_error", "Cannot listen on " + config.host() + ":" + config.port() + ": "
                        + (e.getMessage() == null ? e : e.getMessage()));
            }
        } catch (CommandFailure f) {
            server.stop();
            if (json) {
                ctx.out().println(JsonOutput.pretty(Envelope.error(name(), null, f.type(), f.getMessage(), f.extra())));
            } else {
                err.println(name() + ": Error: " + f.getMessage());
            }
            return 1;
        }
        if (json) {
            ctx.out().println(JsonOutput.pretty(Envelope.success(name(), server.bannerData())));
        } else {
            ctx.out().println(server.describe());
            ctx.out().println("Press Ctrl-C to stop.");
        }
        ctx.out().flush();
        try {
            Duration took = server.runUntilSignalled();
            err.println("Stopped in " + took.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.stop();
        }
        return 0;
    }

    @Override
    protected Object execute() {
        return List.of(); // call() does the work
    }

    @Override
    protected void printHuman(Object data) {
    }
}
