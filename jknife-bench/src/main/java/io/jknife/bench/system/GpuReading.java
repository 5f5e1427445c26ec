package io.jknife.bench.system;

/** One GPU's state as nvidia-smi reports it; null fields are not reported by the driver ("[N/A]"). */
public record GpuReading(int index, String name, Double util, Double memUtil, Double memUsedMb, Double memTotalMb,
                         Double powerW, Double tempC) {

    /** Query fields, in the order {@link #parse} expects them. */
    public static final String QUERY = "index,name,utilization.gpu,utilization.memory,memory.used,memory.total,power.draw,temperature.gpu";

    /** Parses one {@code --format=csv,noheader,nounits} line of {@link #QUERY}; null when malformed. */
    public static GpuReading parse(String line) {
        String[] f = line.split(",");
        if (f.length < 8) {
            return null;
        }
        try {
            return new GpuReading(Integer.parseInt(f[0].trim()), f[1].trim(), num(f[2]), num(f[3]), num(f[4]), num(f[5]), num(f[6]), num(f[7]));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static Double num(String s) {
        try {
            return Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
