package io.jknife.chat;

import java.util.Collection;
import java.util.Map;

/**
 * Python's {@code str()} of template values, for what {@code {{ … }}} prints: {@code True} and
 * {@code False}, floats as Python writes them, lists, tuples and dicts as their Python
 * {@code repr} ({@code ['a', None, True]}, {@code {'k': 1}}).
 *
 * <p>One deliberate difference: a missing value prints as nothing. Jinjava cannot tell Jinja's
 * undefined (printed as "") from Python's {@code None} (printed as "None"), and printing "None"
 * for every undefined variable would be the far worse mistake.
 */
final class PyRepr {

    private PyRepr() {
    }

    static String str(Object o) {
        if (o == null) {
            return "";
        }
        if (o instanceof CharSequence cs) {
            return cs.toString();
        }
        return repr(o);
    }

    static String repr(Object o) {
        StringBuilder b = new StringBuilder();
        repr(b, o);
        return b.toString();
    }

    private static void repr(StringBuilder b, Object o) {
        if (o == null) {
            b.append("None");
        } else if (o instanceof Boolean bool) {
            b.append(bool ? "True" : "False");
        } else if (o instanceof Double || o instanceof Float) {
            double d = ((Number) o).doubleValue();
            b.append(Double.isNaN(d) ? "nan" : Double.isInfinite(d) ? (d > 0 ? "inf" : "-inf") : PyJson.pyFloat(d));
        } else if (o instanceof CharSequence cs) {
            quote(b, cs.toString());
        } else if (o instanceof Map<?, ?> m) {
            b.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) {
                    b.append(", ");
                }
                repr(b, e.getKey());
                b.append(": ");
                repr(b, e.getValue());
                first = false;
            }
            b.append('}');
        } else if (o instanceof Map.Entry<?, ?> e) {
            b.append('(');
            repr(b, e.getKey());
            b.append(", ");
            repr(b, e.getValue());
            b.append(')');
        } else if (o instanceof Collection<?> c) {
            sequence(b, c);
        } else if (o instanceof Object[] arr) {
            sequence(b, java.util.Arrays.asList(arr));
        } else {
            b.append(o);
        }
    }

    private static void sequence(StringBuilder b, Collection<?> c) {
        b.append('[');
        boolean first = true;
        for (Object x : c) {
            if (!first) {
                b.append(", ");
            }
            repr(b, x);
            first = false;
        }
        b.append(']');
    }

    /** Python's string repr: single quotes unless the text has ' and no ". */
    private static void quote(StringBuilder b, String s) {
        char q = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        b.append(q);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c == q) {
                        b.append('\\').append(c);
                    } else if (c < 0x20 || c == 0x7f) {
                        b.append(String.format("\\x%02x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append(q);
    }
}
