package io.jknife.server;

import java.nio.file.Path;

/** A server process for the signal test: prints its port, serves until SIGTERM, exits 0. */
public final class SignalMain {
    private SignalMain() {
    }

    public static void main(String[] args) throws Exception {
        TestServers.Running r = TestServers.start(Path.of(args[0]), ServerConfig.defaults(), TestServers.plenty());
        System.out.println("PORT " + r.server().port());
        System.out.flush();
        System.out.println("STOPPED " + r.server().runUntilSignalled().toMillis());
        System.out.flush();
        System.exit(0);
    }
}
