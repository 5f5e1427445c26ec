package io.jknife.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.jknife.runtime.grammar.JsonSchemaGrammar;
import io.jknife.runtime.grammar.SchemaException;

/**
 * OpenAI's {@code response_format}, turned into the grammar that enforces it: {@code text} (none),
 * {@code json_object} (any JSON object) or {@code json_schema} (the schema's documents). Anything
 * else, and a schema outside what the grammar converter supports, is a 400 that says why.
 */
final class ResponseFormat {
    private ResponseFormat() {
    }

    /** The GBNF grammar for the request's {@code response_format}, or null for free text. */
    static String grammar(JsonNode rf) {
        if (rf == null || rf.isNull()) {
            return null;
        }
        if (!rf.isObject()) {
            throw bad("response_format must be an object such as {\"type\": \"json_object\"}");
        }
        String type = rf.path("type").asText("");
        return switch (type) {
            case "text" -> null;
            case "json_object" -> JsonSchemaGrammar.anyObject();
            case "json_schema" -> {
                JsonNode js = rf.get("json_schema");
                if (js == null || !js.isObject()) {
                    throw bad("response_format.json_schema must be an object with a 'schema'");
                }
                JsonNode schema = js.get("schema");
                if (schema == null || schema.isNull()) {
                    throw bad("response_format.json_schema.schema is required");
                }
                try {
                    yield JsonSchemaGrammar.forSchema(schema);
                } catch (SchemaException e) {
                    throw bad("response_format.json_schema.schema cannot be enforced: " + e.getMessage());
                }
            }
            default -> throw bad("response_format type '" + type + "' is not supported (use text, json_object or json_schema)");
        };
    }

    private static ApiException bad(String message) {
        return new ApiException(400, "invalid_request_error", "invalid_response_format", "response_format", message, null);
    }
}
