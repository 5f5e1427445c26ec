package io.jknife.bench.report;

import java.util.ArrayList;
import java.util.List;

import static io.jknife.bench.report.ReportFields.Flags.*;

/**
 * The quality flags of one test, from raw values (reference §11.7); the writer stores them and the
 * report generator recomputes them with the same rules (stored flags are advisory). Static swap
 * occupancy is not degradation; swapping out during the test is.
 */
public final class QualityFlags {
    /** RAM available below this (GiB) is degraded. */
    public static final double RAM_MIN_GB = 5.0;

    private QualityFlags() {
    }

    /**
     * Raw inputs; null = unknown (not counted).
     *
     * @param zombies zombie processes of the test's own process tree (legacy records: system-wide)
     */
    public record Inputs(Double ramFreeGb, Long swapOutPages, Long zombies, Long orphans, Long oomKills, Integer pressureLevel) {
    }

    public static List<String> compute(Inputs in) {
        List<String> flags = new ArrayList<>();
        if (in.ramFreeGb() != null && in.ramFreeGb() < RAM_MIN_GB) {
            flags.add(DEGRADED_RAM);
        }
        if (in.swapOutPages() != null && in.swapOutPages() > 0) {
            flags.add(DEGRADED_SWAP);
        }
        if (in.pressureLevel() != null && in.pressureLevel() >= 4) {
            flags.add(DEGRADED_PRESSURE);
        }
        if (in.zombies() != null && in.zombies() > 0) {
            flags.add(DEGRADED_ZOMBIES);
        }
        if (in.orphans() != null && in.orphans() > 0) {
            flags.add(DEGRADED_ORPHANS);
        }
        if (in.oomKills() != null && in.oomKills() > 0) {
            flags.add(DEGRADED_OOM);
        }
        if (flags.isEmpty()) {
            flags.add(CLEAN);
        }
        return flags;
    }
}
