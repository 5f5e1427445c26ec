package io.jknife.bench.memmon;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.PrintStream;
import java.nio.file.Path;

import static io.jknife.bench.memmon.MemmonFields.*;

/** The console epilogue; every value may be missing (no samples), printed as "-". */
final class SummaryPrinter {
    private SummaryPrinter() {
    }

    static void print(PrintStream out, JsonNode s, Path output) {
        out.println("-".repeat(60));
        out.println("Memory Monitor Summary");
        out.println("  Duration:     " + v(s, S_DURATION_S) + " s (" + v(s, S_SAMPLES) + " samples, " + v(s, S_LATE_SAMPLES) + " late)");
        out.println("  RAM free:     " + v(s, S_RAM_FREE_MIN_GB) + " - " + v(s, S_RAM_FREE_MAX_GB) + " GiB (of " + v(s, S_RAM_TOTAL_GB) + ")");
        out.println("  Swap peak:    " + v(s, S_SWAP_MAX_MB) + " MiB, " + v(s, S_SWAP_OUT_PAGES) + " pages swapped out");
        out.println("  Pressure max: " + v(s, S_PRESSURE_MAX) + " (1 normal, 2 warn, 4 critical)");
        out.println("  CPU load:     max " + v(s, S_LOAD_MAX) + ", avg " + v(s, S_LOAD_AVG) + "; user/sys max " + v(s, S_CPU_USER_MAX) + "% / " + v(s, S_CPU_SYS_MAX) + "%");
        if (s.hasNonNull(S_PROC_RSS_MAX_GB)) {
            out.println("  Command RSS:  max " + v(s, S_PROC_RSS_MAX_GB) + " GiB");
        }
        if (s.hasNonNull(S_GPU_DEVICE_MAX)) {
            out.println("  GPU:          max " + v(s, S_GPU_DEVICE_MAX) + "%, avg " + v(s, S_GPU_DEVICE_AVG) + "%, memory max " + v(s, S_GPU_MEM_USED_MAX_MB) + " MiB");
        }
        out.println("  Monitor CPU:  " + v(s, S_MONITOR_CPU_PCT) + "% of a core (steady), " + v(s, S_MONITOR_CPU_S) + " s in all");
        if (s.has(S_EXIT_CODE)) {
            out.println("  Exit code:    " + v(s, S_EXIT_CODE) + (s.path(S_INTERRUPTED).asBoolean() ? " (interrupted)" : ""));
        } else if (s.path(S_INTERRUPTED).asBoolean()) {
            out.println("  Interrupted");
        }
        if (output != null) {
            out.println("  Output:       " + output);
        }
        out.flush();
    }

    private static String v(JsonNode s, String key) {
        JsonNode n = s.get(key);
        return n == null || n.isNull() ? "-" : n.asText();
    }
}
