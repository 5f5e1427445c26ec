package io.jknife.bench.plot;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

import static io.jknife.bench.memmon.MemmonFields.*;

/**
 * Which rows the timeline has (Memory always; CPU and GPU when their data exist) and their y
 * domains, top to bottom, with the original's heights (0.45/0.30/0.25, 0.6/0.4) and figure height
 * (500 px + 200 for CPU + 150 for GPU).
 */
record Rows(boolean cpu, boolean gpu, List<Row> rows) {
    /** One row: its title, primary and secondary y-axis names, and its domain. */
    record Row(String title, String axis, String axis2, double lo, double hi) {
        /** "y3" → "yaxis3" (the layout key). */
        static String layoutKey(String axis) {
            return "yaxis" + axis.substring(1);
        }
    }

    static Rows of(List<JsonNode> samples) {
        boolean cpu = samples.stream().anyMatch(s -> positive(s, CPU_USER) || positive(s, CPU_SYS) || positive(s, LOAD_1));
        boolean gpu = samples.stream().anyMatch(s -> s.hasNonNull(GPU_DEVICE_UTIL) || s.hasNonNull(GPU_MEM_USED_MB));
        List<String> titles = new ArrayList<>(List.of("Memory"));
        List<Double> weights = new ArrayList<>(List.of(0.45));
        if (cpu) {
            titles.add("CPU");
            weights.add(0.30);
        }
        if (gpu) {
            titles.add("GPU");
            weights.add(0.25);
        }
        double spacing = titles.size() == 3 ? 0.06 : titles.size() == 2 ? 0.08 : 0;
        double sum = weights.stream().mapToDouble(Double::doubleValue).sum();
        double usable = 1 - spacing * (titles.size() - 1);
        List<Row> rows = new ArrayList<>();
        double top = 1;
        int axis = 1;
        for (int i = 0; i < titles.size(); i++) {
            double h = usable * weights.get(i) / sum;
            double lo = i == titles.size() - 1 ? 0 : top - h;
            rows.add(new Row(titles.get(i), "y" + (axis == 1 ? "" : axis), "y" + (axis + 1), lo, top));
            top = lo - spacing;
            axis += 2;
        }
        return new Rows(cpu, gpu, rows);
    }

    Row memory() {
        return rows.getFirst();
    }

    Row row(String title) {
        return rows.stream().filter(r -> r.title().equals(title)).findFirst().orElse(null);
    }

    Row bottom() {
        return rows.getLast();
    }

    int height() {
        return 500 + (cpu ? 200 : 0) + (gpu ? 150 : 0);
    }

    private static boolean positive(JsonNode s, String key) {
        JsonNode v = s.get(key);
        return v != null && v.isNumber() && v.doubleValue() > 0;
    }
}
