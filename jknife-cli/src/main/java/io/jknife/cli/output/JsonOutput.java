package io.jknife.cli.output;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.jknife.store.json.PyJson;

/**
 * JSON as the contract prints it: what Python's {@code json.dumps(indent=2)} writes (two-space
 * indent, {@code "key": value}, non-ASCII escaped, floats in {@code repr} form), so scripts written
 * against the original read the same bytes.
 */
public final class JsonOutput {
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private JsonOutput() {
    }

    public static String pretty(Object value) {
        return PyJson.dumps(MAPPER.valueToTree(value));
    }
}
