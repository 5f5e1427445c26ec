package io.jknife.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code json.dumps} output; every expected value is what CPython writes. */
class PyJsonTest {

    private static Map<String, Object> sample() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("b", 1);
        m.put("a", Arrays.asList(1, 2.5, null, true));
        m.put("s", "é\n\"q\"\u0001");
        m.put("e", Map.of());
        return m;
    }

    @Test
    void oneLineWithPythonSeparators() {
        assertEquals("{\"b\": 1, \"a\": [1, 2.5, null, true], \"s\": \"é\\n\\\"q\\\"\\u0001\", \"e\": {}}",
                PyJson.dumps(sample()));
    }

    @Test
    void indented() {
        assertEquals("{\n    \"b\": 1,\n    \"a\": [\n        1,\n        2.5,\n        null,\n        true\n    ],\n"
                + "    \"s\": \"é\\n\\\"q\\\"\\u0001\",\n    \"e\": {}\n}", new PyJson(4, null, false, false).write(sample()));
    }

    @Test
    void sortKeysSeparatorsAndEnsureAscii() {
        assertEquals("{\"a\":[1,2.5,null,true],\"b\":1,\"e\":{},\"s\":\"\\u00e9\\n\\\"q\\\"\\u0001\"}",
                new PyJson(null, List.of(",", ":"), true, true).write(sample()));
    }

    @Test
    void floatsAsPythonWritesThem() {
        assertEquals("[1.0, 1e-07, 1e+16, 123456789.0, 0.0001, 1.5e+300, -0.5, 0.1]",
                PyJson.dumps(List.of(1.0, 1e-7, 1e16, 123456789.0, 0.0001, 1.5e300, -0.5, 0.1)));
    }

    @Test
    void pythonStrOfValues() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("k", false);
        m.put("n", null);
        m.put("s", "it's");
        assertEquals("[True, 'a', 1.5, None, {'k': False, 'n': None, 's': \"it's\"}]",
                PyRepr.str(Arrays.asList(true, "a", 1.5, null, m)));
        assertEquals("True", PyRepr.str(true));
        assertEquals("", PyRepr.str(null));
        assertEquals("text", PyRepr.str("text"));
    }
}
