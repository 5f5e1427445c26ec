package io.jknife.cli.output;

import java.util.ArrayList;
import java.util.List;

/**
 * Plain-text table: cells left-justified to the widest cell (in code points, so ✓ and — count
 * once), joined by " | ", a dashed rule under the header. The last column may be word-wrapped to
 * a width limit onto continuation rows.
 */
public final class Table {
    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();
    private int lastColumnLimit;

    public Table(List<String> header) {
        this.header = List.copyOf(header);
    }

    public Table wrapLastColumn(int width) {
        this.lastColumnLimit = width;
        return this;
    }

    public void add(List<String> row) {
        if (lastColumnLimit <= 0) {
            rows.add(row);
            return;
        }
        List<String> lines = wrap(row.getLast(), lastColumnLimit);
        List<String> first = new ArrayList<>(row);
        first.set(first.size() - 1, lines.getFirst());
        rows.add(first);
        for (int i = 1; i < lines.size(); i++) {
            List<String> cont = new ArrayList<>();
            for (int c = 0; c < row.size() - 1; c++) {
                cont.add("");
            }
            cont.add(lines.get(i));
            rows.add(cont);
        }
    }

    public String render() {
        int n = header.size();
        int[] width = new int[n];
        for (int c = 0; c < n; c++) {
            width[c] = len(header.get(c));
        }
        for (List<String> r : rows) {
            for (int c = 0; c < n; c++) {
                width[c] = Math.max(width[c], len(r.get(c)));
            }
        }
        StringBuilder sb = new StringBuilder();
        line(sb, header, width);
        for (int c = 0; c < n; c++) {
            if (c > 0) {
                sb.append("-+-");
            }
            sb.append("-".repeat(width[c]));
        }
        sb.append('\n');
        for (List<String> r : rows) {
            line(sb, r, width);
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, List<String> cells, int[] width) {
        for (int c = 0; c < cells.size(); c++) {
            if (c > 0) {
                sb.append(" | ");
            }
            String cell = cells.get(c);
            sb.append(cell).append(" ".repeat(width[c] - len(cell)));
        }
        sb.append('\n');
    }

    private static int len(String s) {
        return s.codePointCount(0, s.length());
    }

    static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (String word : text.strip().split("\\s+")) {
            if (cur.length() > 0 && len(cur.toString()) + 1 + len(word) > width) {
                lines.add(cur.toString());
                cur.setLength(0);
            }
            if (cur.length() > 0) {
                cur.append(' ');
            }
            cur.append(word);
        }
        lines.add(cur.toString());
        return lines;
    }
}
