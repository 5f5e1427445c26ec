package io.jknife.bench.system;

/**
 * The discrete memory-pressure level of the original's scale (1 normal, 2 warn, 4 critical) derived
 * from PSI and the share of RAM available (reference §11.2). {@code vmPressure} is the same level on
 * the memory gates' scale (0, 1, 4).
 */
public final class PressureLevel {
    public static final int NORMAL = 1;
    public static final int WARN = 2;
    public static final int CRITICAL = 4;

    private PressureLevel() {
    }

    /**
     * @param psi       10 s averages, or null when PSI is unavailable
     * @param someIv    share of the last interval with some task stalled (%), or null
     * @param fullIv    share of the last interval with all tasks stalled (%), or null
     * @param availPct  MemAvailable / MemTotal × 100
     */
    public static int level(Psi psi, Double someIv, Double fullIv, double availPct) {
        double full10 = psi == null ? 0 : psi.fullAvg10();
        double some10 = psi == null ? 0 : psi.someAvg10();
        double fi = fullIv == null ? 0 : fullIv;
        double si = someIv == null ? 0 : someIv;
        if (full10 >= 10 || fi >= 20 || availPct < 5) {
            return CRITICAL;
        }
        if (some10 >= 10 || si >= 25 || full10 >= 1 || availPct < 15) {
            return WARN;
        }
        return NORMAL;
    }

    public static int vmPressure(int level) {
        return switch (level) {
            case CRITICAL -> 4;
            case WARN -> 1;
            default -> 0;
        };
    }
}
