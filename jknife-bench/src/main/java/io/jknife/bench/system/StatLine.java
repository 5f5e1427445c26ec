package io.jknife.bench.system;

/** Fields of a /proc/PID/stat line (the process name may hold spaces and parentheses). */
final class StatLine {
    static final int STATE = 0;
    static final int PPID = 1;
    static final int UTIME = 11;
    static final int STIME = 12;
    static final int RSS = 21;

    private StatLine() {
    }

    /**
     * The fields after the name, indexed from the state (field 3 of proc(5)) = 0: the state as its
     * character code, and PPID, UTIME, STIME, RSS parsed (others stay 0). Null when the text is not a
     * stat line.
     */
    static long[] fields(String stat) {
        if (stat == null) {
            return null;
        }
        int close = stat.lastIndexOf(')');
        if (close < 0 || close + 2 >= stat.length()) {
            return null;
        }
        String[] f = stat.substring(close + 2).split(" ");
        if (f.length <= RSS) {
            return null;
        }
        long[] out = new long[RSS + 1];
        out[STATE] = f[0].charAt(0);
        for (int i : new int[] {PPID, UTIME, STIME, RSS}) {
            try {
                out[i] = Long.parseLong(f[i].trim());
            } catch (NumberFormatException e) {
                out[i] = 0;
            }
        }
        return out;
    }

    static char state(String stat) {
        long[] f = fields(stat);
        return f == null ? '?' : (char) f[STATE];
    }
}
