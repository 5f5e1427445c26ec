package io.jknife.chat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps} byte for byte, as Hugging Face's {@code tojson} template filter calls
 * it: {@code ensure_ascii=False} unless asked, separators {@code ", "} / {@code ": "} (or
 * {@code ","} / {@code ": "} with an indent), keys in insertion order unless {@code sort_keys}.
 * Jinja's own {@code tojson} differs (HTML-escapes, compact), which is why templates rendered with
 * a non-HF filter change their tokens.
 */
final class PyJson {

    private final Integer indent;
    private final String itemSeparator;
    private final String keySeparator;
    private final boolean sortKeys;
    private final boolean ensureAscii;

    /**
     * @param indent     null for one line; else spaces per level (0 still breaks lines, as Python does)
     * @param separators null for Python's defaults, else {@code [item, key]}
     */
    PyJson(Integer indent, List<String> separators, boolean sortKeys, boolean ensureAscii) {
        this.indent = indent;
        if (separators != null && separators.size() == 2) {
            this.itemSeparator = separators.get(0);
            this.keySeparator = separators.get(1);
        } else {
            this.itemSeparator = indent == null ? ", " : ",";
            this.keySeparator = ": ";
        }
        this.sortKeys = sortKeys;
        this.ensureAscii = ensureAscii;
    }

    /** {@code json.dumps(value, ensure_ascii=False)}. */
    static String dumps(Object value) {
        return new PyJson(null, null, false, false).write(value);
    }

    String write(Object value) {
        StringBuilder b = new StringBuilder();
        write(b, value, 0);
        return b.toString();
    }

    private void write(StringBuilder b, Object v, int depth) {
        if (v == null) {
            b.append("null");
        } else if (v instanceof Boolean bool) {
            b.append(bool ? "true" : "false");
        } else if (v instanceof Number n) {
            number(b, n);
        } else if (v instanceof Map<?, ?> m) {
            object(b, m, depth);
        } else if (v instanceof Collection<?> c) {
            array(b, new ArrayList<>(c), depth);
        } else if (v instanceof Object[] arr) {
            array(b, List.of(arr), depth);
        } else if (v instanceof Map.Entry<?, ?> e) {
            array(b, java.util.Arrays.asList(e.getKey(), e.getValue()), depth);
        } else {
            string(b, v.toString());
        }
    }

    private void object(StringBuilder b, Map<?, ?> m, int depth) {
        if (m.isEmpty()) {
            b.append("{}");
            return;
        }
        List<Map.Entry<?, ?>> entries = new ArrayList<>(m.entrySet());
        if (sortKeys) {
            entries.sort((x, y) -> String.valueOf(x.getKey()).compareTo(String.valueOf(y.getKey())));
        }
        b.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : entries) {
            if (!first) {
                b.append(itemSeparator);
            }
            newline(b, depth + 1);
            string(b, key(e.getKey()));
            b.append(keySeparator);
            write(b, e.getValue(), depth + 1);
            first = false;
        }
        newline(b, depth);
        b.append('}');
    }

    private static String key(Object k) {
        if (k == null) {
            return "null";
        }
        if (k instanceof Boolean bool) {
            return bool ? "true" : "false";
        }
        return k.toString();
    }

    private void array(StringBuilder b, List<?> items, int depth) {
        if (items.isEmpty()) {
            b.append("[]");
            return;
        }
        b.append('[');
        boolean first = true;
        for (Object o : items) {
            if (!first) {
                b.append(itemSeparator);
            }
            newline(b, depth + 1);
            write(b, o, depth + 1);
            first = false;
        }
        newline(b, depth);
        b.append(']');
    }

    private void newline(StringBuilder b, int depth) {
        if (indent != null) {
            b.append('\n').append(" ".repeat(Math.max(0, indent) * depth));
        }
    }

    private static void number(StringBuilder b, Number n) {
        if (n instanceof Double || n instanceof Float) {
            double d = n.doubleValue();
            if (Double.isNaN(d)) {
                b.append("NaN");
            } else if (Double.isInfinite(d)) {
                b.append(d > 0 ? "Infinity" : "-Infinity");
            } else {
                b.append(pyFloat(d));
            }
        } else if (n instanceof BigDecimal bd) {
            b.append(pyFloat(bd.doubleValue()));
        } else if (n instanceof BigInteger || n instanceof Long || n instanceof Integer
                || n instanceof Short || n instanceof Byte) {
            b.append(n);
        } else {
            b.append(n);
        }
    }

    /** Python's {@code repr(float)}: shortest round-trip digits, {@code 1.0}, {@code 1e-07}, {@code 1e+16}. */
    static String pyFloat(double d) {
        if (d == 0) {
            return (1 / d < 0) ? "-0.0" : "0.0";
        }
        BigDecimal shortest = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        String digits = shortest.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - shortest.scale();
        String sign = d < 0 ? "-" : "";
        if (exponent >= -4 && exponent < 16) {
            String plain = shortest.abs().toPlainString();
            return sign + (plain.contains(".") ? plain : plain + ".0");
        }
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (Math.abs(exponent) < 10 ? "0" : "")
                + Math.abs(exponent);
    }

    private void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
