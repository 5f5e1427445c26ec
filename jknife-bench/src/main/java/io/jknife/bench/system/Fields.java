package io.jknife.bench.system;

import java.util.ArrayList;
import java.util.List;

/** Whitespace-separated fields without regular expressions (cheap enough to run per sample). */
final class Fields {
    private Fields() {
    }

    static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        // String.split on one plain character takes the JDK's fast path (no regular expression)
        for (String f : s.replace('\t', ' ').replace('\n', ' ').split(" ")) {
            if (!f.isEmpty()) {
                out.add(f);
            }
        }
        return out;
    }
}
