package io.jknife.bench.memmon;

import java.nio.file.Path;
import java.util.List;

/** memmon in its own JVM, for the signal test: MemMonMain OUTPUT COMMAND... */
public final class MemMonMain {
    private MemMonMain() {
    }

    public static void main(String[] args) throws Exception {
        List<String> cmd = List.of(args).subList(1, args.length);
        System.exit(new MemMon(new MemMon.Options(Path.of(args[0]), 200, null, cmd), System.err).run());
    }
}
