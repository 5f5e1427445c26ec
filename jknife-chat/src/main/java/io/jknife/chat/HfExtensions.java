package io.jknife.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import com.hubspot.jinjava.lib.filter.AdvancedFilter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.lib.tag.ForTag;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.objects.SafeString;
import com.hubspot.jinjava.objects.date.StrftimeFormatter;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import com.hubspot.jinjava.tree.parse.TagToken;
import com.hubspot.jinjava.util.ForLoop;
import com.hubspot.jinjava.util.ObjectIterator;
import com.hubspot.jinjava.util.ObjectTruthValue;
import java.io.Serial;
import java.lang.reflect.Method;
import java.time.ZonedDateTime;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The globals, filters and tags Hugging Face's {@code apply_chat_template} environment adds to
 * Jinja, for Jinjava: {@code raise_exception}, {@code strftime_now}, the HF {@code tojson},
 * the {@code items} filter, Python's {@code iterable}/{@code sequence} tests,
 * {@code for ... if ...} loop filtering and the
 * {@code {% generation %}} block.
 */
final class HfExtensions {

    /** Context key of the render's clock, read by {@code strftime_now}. */
    static final String NOW_VARIABLE = "__jknife_now__";

    /**
     * Bound under the names of the global functions so that {@code strftime_now is defined} holds;
     * calls still go to the functions.
     */
    static final Object FUNCTION_MARKER = new Object() {
        @Override
        public String toString() {
            return "<function>";
        }
    };

    private HfExtensions() {
    }

    /** What {@code raise_exception(msg)} throws; carries the template's message out of Jinjava. */
    static final class RaisedException extends RuntimeException {
        @Serial
        private static final long serialVersionUID = 1L;

        RaisedException(String message) {
            super(message, null, false, false);
        }
    }

    static ELFunctionDefinition raiseExceptionFunction() {
        return function("raise_exception", "raiseException");
    }

    static ELFunctionDefinition strftimeNowFunction() {
        return function("strftime_now", "strftimeNow");
    }

    private static ELFunctionDefinition function(String name, String javaName) {
        try {
            Method m = HfExtensions.class.getDeclaredMethod(javaName, Object.class);
            m.setAccessible(true);
            return new ELFunctionDefinition("", name, m);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unused") // called by Jinjava through reflection
    private static Object raiseException(Object message) {
        throw new RaisedException(message == null ? "None" : message.toString());
    }

    @SuppressWarnings("unused") // called by Jinjava through reflection
    private static Object strftimeNow(Object format) {
        return strftime(now(), format == null ? "" : format.toString());
    }

    static ZonedDateTime now() {
        JinjavaInterpreter interpreter = JinjavaInterpreter.getCurrent();
        Object now = interpreter == null ? null : interpreter.getContext().get(NOW_VARIABLE);
        return now instanceof ZonedDateTime z ? z : ZonedDateTime.now();
    }

    /** Python's {@code datetime.strftime} (English month and day names, as the C locale). */
    static String strftime(ZonedDateTime time, String format) {
        return StrftimeFormatter.format(time, format, Locale.US);
    }

    /** {@code tojson} as transformers defines it: {@code json.dumps(x, ensure_ascii=False, indent=..)}. */
    static final class ToJsonFilter implements AdvancedFilter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object indent = kwargs.containsKey("indent") ? kwargs.get("indent") : args.length > 0 ? args[0] : null;
            Object separators = kwargs.get("separators");
            List<String> seps = null;
            if (separators instanceof Iterable<?> it) {
                seps = new ArrayList<>();
                for (Object o : it) {
                    seps.add(String.valueOf(o));
                }
            }
            boolean sortKeys = ObjectTruthValue.evaluate(kwargs.get("sort_keys"));
            boolean ensureAscii = ObjectTruthValue.evaluate(kwargs.get("ensure_ascii"));
            Integer ind = indent instanceof Number n ? Integer.valueOf(n.intValue())
                    : indent instanceof String s && !s.isBlank() ? Integer.valueOf(s.trim()) : null;
            return new PyJson(ind, seps, sortKeys, ensureAscii).write(var);
        }
    }

    /**
     * Jinja's {@code iterable} and {@code sequence} tests with Python's answer: strings and dicts
     * are iterable too (Jinjava says no). Llama 3.1 prints a tool result string through
     * {@code tojson} because of it.
     */
    static final class PythonIterableTest implements ExpTest {
        private final String name;

        PythonIterableTest(String name) {
            this.name = name;
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
            return var != null && (var.getClass().isArray() || var instanceof Iterable<?> || var instanceof Map<?, ?>
                    || var instanceof CharSequence || var instanceof SafeString);
        }
    }

    /** Jinja's {@code string} filter: Python's {@code str()} ({@code {'k': 1}}, {@code True}). */
    static final class StringFilter implements AdvancedFilter {
        @Override
        public String getName() {
            return "string";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            return var == null ? "None" : PyRepr.str(var);
        }
    }

    /**
     * Jinja's {@code max} and {@code min} filters (Jinjava has neither): optional
     * {@code attribute=}, strings compared case-insensitively unless {@code case_sensitive=true}.
     */
    static final class ExtremumFilter implements AdvancedFilter {
        private final String name;

        ExtremumFilter(String name) {
            this.name = name;
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            boolean caseSensitive = ObjectTruthValue.evaluate(kwargs.get("case_sensitive"));
            Object attribute = kwargs.get("attribute");
            Object best = null;
            Object bestKey = null;
            ForLoop items = ObjectIterator.getLoop(var);
            while (items.hasNext()) {
                Object item = items.next();
                Object key = attribute == null ? item : interpreter.resolveProperty(item, attribute.toString());
                if (key instanceof String s && !caseSensitive) {
                    key = s.toLowerCase(Locale.ROOT);
                }
                if (bestKey == null || compare(key, bestKey) * ("max".equals(name) ? 1 : -1) > 0) {
                    best = item;
                    bestKey = key;
                }
            }
            return best;
        }

        private static int compare(Object a, Object b) {
            if (a instanceof Number x && b instanceof Number y) {
                return Double.compare(x.doubleValue(), y.doubleValue());
            }
            return String.valueOf(a).compareTo(String.valueOf(b));
        }
    }

    /** Jinja's {@code items} filter: a mapping's {@code (key, value)} pairs. */
    static final class ItemsFilter implements AdvancedFilter {
        @Override
        public String getName() {
            return "items";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            List<Map.Entry<Object, Object>> out = new ArrayList<>();
            if (var instanceof Map<?, ?> m) {
                m.forEach((k, v) -> out.add(new AbstractMap.SimpleImmutableEntry<>(k, v)));
            }
            return out;
        }
    }

    /**
     * {@code for} with Jinja's optional filter, {@code {% for k, v in d.items() if k != 'x' %}}: the
     * items failing the condition are dropped before the loop, so {@code loop.index}/{@code last}
     * count only the kept ones, as in Jinja. Without an {@code if} it is Jinjava's own loop.
     */
    static final class FilteringForTag extends ForTag {
        @Serial
        private static final long serialVersionUID = 1L;

        @Override
        public String interpretUnchecked(TagNode tagNode, JinjavaInterpreter interpreter) {
            var varsAndExpr = getLoopVarsAndExpression((TagToken) tagNode.getMaster());
            List<String> vars = varsAndExpr.getLeft();
            String expr = varsAndExpr.getRight();
            int at = topLevelIf(expr);
            if (at < 0) {
                return super.interpretUnchecked(tagNode, interpreter);
            }
            String iterable = expr.substring(0, at).trim();
            String condition = expr.substring(at + 2).trim();
            Object collection = interpreter.resolveELExpression(iterable, tagNode.getLineNumber());
            List<Object> kept = new ArrayList<>();
            ForLoop items = ObjectIterator.getLoop(collection);
            while (items.hasNext()) {
                Object item = items.next();
                interpreter.enterScope();
                try {
                    bind(interpreter, vars, interpreter.wrap(item));
                    if (ObjectTruthValue.evaluate(interpreter.resolveELExpression(condition, tagNode.getLineNumber()))) {
                        kept.add(item);
                    }
                } finally {
                    interpreter.leaveScope();
                }
            }
            return renderForCollection(tagNode, interpreter, vars, kept);
        }

        private static void bind(JinjavaInterpreter interpreter, List<String> vars, Object value) {
            if (vars.size() == 1) {
                interpreter.getContext().put(vars.getFirst(), value);
                return;
            }
            List<Object> parts = new ArrayList<>();
            if (value instanceof Map.Entry<?, ?> e) {
                parts.add(e.getKey());
                parts.add(e.getValue());
            } else if (value instanceof Iterable<?> it) {
                it.forEach(parts::add);
            }
            for (int i = 0; i < vars.size(); i++) {
                interpreter.getContext().put(vars.get(i), i < parts.size() ? parts.get(i) : null);
            }
        }

        /** Index of the first {@code if} keyword outside quotes and brackets, or -1. */
        static int topLevelIf(String s) {
            int depth = 0;
            char quote = 0;
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (quote != 0) {
                    if (c == '\\') {
                        i++;
                    } else if (c == quote) {
                        quote = 0;
                    }
                } else if (c == '\'' || c == '"') {
                    quote = c;
                } else if (c == '(' || c == '[' || c == '{') {
                    depth++;
                } else if (c == ')' || c == ']' || c == '}') {
                    depth--;
                } else if (depth == 0 && c == 'i' && s.startsWith("if", i)
                        && i > 0 && Character.isWhitespace(s.charAt(i - 1))
                        && i + 2 < s.length() && Character.isWhitespace(s.charAt(i + 2))) {
                    return i;
                }
            }
            return -1;
        }
    }

    /**
     * transformers' {@code {% generation %}…{% endgeneration %}} marks the assistant's tokens for
     * training masks; for rendering it is transparent.
     */
    static final class GenerationTag implements Tag {
        @Serial
        private static final long serialVersionUID = 1L;

        @Override
        public String getName() {
            return "generation";
        }

        @Override
        public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
            StringBuilder b = new StringBuilder();
            for (Node child : tagNode.getChildren()) {
                b.append(child.render(interpreter).getValue());
            }
            return b.toString();
        }
    }
}
