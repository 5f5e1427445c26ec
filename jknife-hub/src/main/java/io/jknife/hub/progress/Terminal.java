package io.jknife.hub.progress;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Whether stderr is a terminal, without native calls: on Linux {@code /proc/self/fd/2} links to
 * {@code /dev/pts/N} or {@code /dev/ttyN} exactly then. {@code JKNIFE_PROGRESS=on|off} overrides,
 * {@code TERM=dumb} turns bars off.
 */
public final class Terminal {
    private Terminal() {
    }

    public static boolean stderrIsTerminal(Map<String, String> env) {
        String forced = env.getOrDefault("JKNIFE_PROGRESS", "").strip().toLowerCase(Locale.ROOT);
        if (forced.equals("on") || forced.equals("bars")) {
            return true;
        }
        if (forced.equals("off") || forced.equals("none") || "dumb".equals(env.get("TERM"))) {
            return false;
        }
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    /** Whether JSON progress events are wanted ({@code JKNIFE_PROGRESS=off} silences them too). */
    public static boolean jsonEventsWanted(Map<String, String> env) {
        String forced = env.getOrDefault("JKNIFE_PROGRESS", "").strip().toLowerCase(Locale.ROOT);
        return !(forced.equals("off") || forced.equals("none"));
    }
}
