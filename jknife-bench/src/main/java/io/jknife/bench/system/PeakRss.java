package io.jknife.bench.system;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's peak resident set size ({@code VmHWM}), resettable between measurements by writing
 * 5 to {@code /proc/self/clear_refs} (Linux 4.0+), so each engine of a side-by-side run gets its own peak.
 */
public final class PeakRss {
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    private PeakRss() {
    }

    /** Resets the peak to the current RSS; false where the kernel does not allow it (then peaks accumulate). */
    public static boolean reset() {
        try {
            Files.writeString(CLEAR_REFS, "5");
            return true;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    /** Peak RSS in bytes since start or the last {@link #reset()}, or null off Linux. */
    public static Long bytes() {
        Long kib = ProcFiles.keyed(ProcFiles.read(STATUS), "VmHWM");
        return kib == null ? null : kib * 1024;
    }
}
