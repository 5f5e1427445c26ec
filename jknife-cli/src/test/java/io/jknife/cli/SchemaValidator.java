package io.jknife.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.fail;

/** Validates real --json outputs against docs/json-api.schema.json, the published contract. */
public final class SchemaValidator {
    private static JsonSchema schema;

    private SchemaValidator() {
    }

    public static synchronized JsonSchema schema() {
        if (schema == null) {
            Path file = locate();
            try (InputStream in = Files.newInputStream(file)) {
                schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + file, e);
            }
        }
        return schema;
    }

    public static void assertValid(JsonNode document) {
        Set<ValidationMessage> errors = schema().validate(document);
        if (!errors.isEmpty()) {
            fail("output does not match docs/json-api.schema.json: " + errors + "\n" + document.toPrettyString());
        }
    }

    private static Path locate() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            Path f = dir.resolve("docs/json-api.schema.json");
            if (Files.exists(f)) {
                return f;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("docs/json-api.schema.json not found above " + Path.of("").toAbsolutePath());
    }
}
