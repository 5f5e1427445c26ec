package io.jknife.chat;

import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.objects.SafeString;
import java.beans.FeatureDescriptor;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import jinjava.javax.el.CompositeELResolver;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELException;
import jinjava.javax.el.ELResolver;

/**
 * Method calls on template values with Python's meaning: the {@code str} methods of {@link PyStr}
 * on strings ({@code m.content.startswith(' ')}, which Jinjava alone fails on, and
 * {@code split}, which it would send to Java's regex {@code String.split}), and {@code get},
 * {@code items}, {@code keys}, {@code values} on dicts. Placed first in the resolver chain; any
 * other call falls through to Jinjava's resolvers.
 */
final class PyMethods extends ELResolver {

    /** Our resolver in front of Jinjava's default read-only chain. */
    static ELResolver chain() {
        CompositeELResolver c = new CompositeELResolver();
        c.add(new PyMethods());
        c.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        return c;
    }

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (base == null || method == null) {
            return null;
        }
        String name = method.toString();
        Object result;
        try {
            if ((base instanceof String || base instanceof SafeString) && PyStr.isMethod(name)) {
                result = PyStr.call(base.toString(), name, params);
            } else if (base instanceof Map<?, ?> map && isDictMethod(name, params)) {
                result = dict(map, name, params);
            } else {
                return null;
            }
        } catch (IllegalArgumentException e) {
            throw new ELException(name + "(): " + e.getMessage(), e);
        }
        context.setPropertyResolved(true);
        return result;
    }

    private static boolean isDictMethod(String name, Object[] params) {
        int n = params == null ? 0 : params.length;
        return switch (name) {
            case "get" -> n == 1 || n == 2;
            case "items", "keys", "values" -> n == 0;
            default -> false;
        };
    }

    private static Object dict(Map<?, ?> map, String name, Object[] params) {
        return switch (name) {
            case "get" -> {
                Object key = params[0];
                if (map.containsKey(key)) {
                    yield map.get(key);
                }
                // template keys are strings, numbers in templates are Longs: try the other spelling
                Object alt = key == null ? null : key.toString();
                yield alt != null && map.containsKey(alt) ? map.get(alt) : params.length == 2 ? params[1] : null;
            }
            case "items" -> {
                List<Map.Entry<Object, Object>> items = new ArrayList<>(map.size());
                map.forEach((k, v) -> items.add(new AbstractMap.SimpleImmutableEntry<>(k, v)));
                yield items;
            }
            case "keys" -> new ArrayList<>(map.keySet());
            default -> new ArrayList<>(map.values());
        };
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
        // not ours: the next resolver decides
    }
}
