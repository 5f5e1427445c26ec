package io.jknife.cli;

import io.jknife.engine.EngineCatalog;
import io.jknife.store.ModelCatalog;
import io.jknife.store.ModelStore;
import io.jknife.store.StoreConfig;
import io.jknife.store.policy.EngineRegistry;
import io.jknife.store.policy.RoutingPolicy;

import java.io.BufferedReader;
import java.io.PrintStream;
import java.time.Instant;
import java.util.Map;

/**
 * Everything a command needs from the outside world, built once per invocation: the environment,
 * the model store and catalog, the streams, and whether a person is at the terminal. Tests build
 * their own to run commands in-process.
 */
public final class Context {
    private final Map<String, String> env;
    private final PrintStream out;
    private final PrintStream err;
    private final BufferedReader in;
    private final boolean interactive;
    private ModelCatalog catalog;
    private EngineCatalog engines;

    public Context(Map<String, String> env, PrintStream out, PrintStream err, BufferedReader in, boolean interactive) {
        this.env = Map.copyOf(env);
        this.out = out;
        this.err = err;
        this.in = in;
        this.interactive = interactive;
    }

    public Map<String, String> env() {
        return env;
    }

    public PrintStream out() {
        return out;
    }

    public PrintStream err() {
        return err;
    }

    public BufferedReader in() {
        return in;
    }

    /** True when stdin and stdout are a terminal: only then does a command ask questions. */
    public boolean interactive() {
        return interactive;
    }

    public Instant now() {
        return Instant.now();
    }

    /** The model catalog, built on first use so that {@code --version} and {@code --help} stay instant. */
    public synchronized ModelCatalog catalog() {
        if (catalog == null) {
            StoreConfig config = StoreConfig.fromEnvironment(env);
            catalog = new ModelCatalog(new ModelStore(config), new RoutingPolicy(EngineRegistry.builtIn()));
        }
        return catalog;
    }

    /** The engines on the class path, found on first use. */
    public synchronized EngineCatalog engines() {
        if (engines == null) {
            engines = EngineCatalog.discover();
        }
        return engines;
    }

    public ModelStore store() {
        return catalog().store();
    }
}
