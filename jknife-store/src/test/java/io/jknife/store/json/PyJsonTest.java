package io.jknife.store.json;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Python-compatible JSON output: what {@code json.dumps(indent=2)} prints, byte for byte. */
class PyJsonTest {
    @Test
    void floatsAreWrittenInPythonReprForm() {
        assertEquals("0.1", PyJson.floatRepr(0.1));
        assertEquals("1e-05", PyJson.floatRepr(1e-5));
        assertEquals("0.0001", PyJson.floatRepr(1e-4));
        assertEquals("1e+16", PyJson.floatRepr(1e16));
        assertEquals("1000000000000000.0", PyJson.floatRepr(1e15));
        assertEquals("5e-324", PyJson.floatRepr(Double.MIN_VALUE));
        assertEquals("-0.0", PyJson.floatRepr(-0.0));
        assertEquals("2.5", PyJson.floatRepr(2.5));
        assertEquals("NaN", PyJson.floatRepr(Double.NaN));
    }

    @Test
    void dumpsLikePythonWithIndentTwo() throws Exception {
        var node = PyJson.MAPPER.readTree("{\"a\": [1, 2.5, \"é\"], \"b\": {}, \"c\": [], \"d\": null, \"e\": true}");
        assertEquals("{\n  \"a\": [\n    1,\n    2.5,\n    \"\\u00e9\"\n  ],\n  \"b\": {},\n  \"c\": [],\n  \"d\": null,\n  \"e\": true\n}",
                PyJson.dumps(node));
    }
}
