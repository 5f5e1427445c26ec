package io.jknife.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line as a whole: version, usage errors, exit codes, the envelope. */
class MainTest {
    @TempDir
    Path hfHome;

    @Test
    void versionHumanAndJson() {
        Cli.Result human = new Cli(hfHome).run("--version");
        assertEquals(0, human.exitCode());
        assertTrue(human.out().matches("jknife \\S+\\n"), human.out());

        Cli.Result json = new Cli(hfHome).run("--version", "--json");
        assertEquals(0, json.exitCode(), json.toString());
        JsonNode doc = json.json();
        SchemaValidator.assertValid(doc);
        assertEquals("version", doc.get("command").asText());
        assertEquals(Version.JSON_API_SPEC_VERSION, doc.at("/data/json_api_spec_version").asText());
        assertTrue(doc.at("/data/system/memory_total_bytes").asLong() > 0);
    }

    @Test
    void versionBeforeACommandStillPrintsTheVersion() {
        Cli.Result r = new Cli(hfHome).run("--version", "list");
        assertEquals(0, r.exitCode());
        assertTrue(r.out().startsWith("jknife "), r.out());
    }

    @Test
    void noCommandPrintsHelpAndExits2() {
        Cli.Result r = new Cli(hfHome).run();
        assertEquals(2, r.exitCode());
        assertTrue(r.out().contains("Usage: jknife"), r.out());
    }

    @Test
    void noCommandWithJsonIsACommandError() {
        Cli.Result r = new Cli(hfHome).run("--json");
        assertEquals(1, r.exitCode());
        SchemaValidator.assertValid(r.json());
        assertEquals("CommandError", r.json().at("/error/type").asText());
        assertEquals("No command specified", r.json().at("/error/message").asText());
    }

    @Test
    void unknownOptionIsUsageErrorExit2WithoutStackTrace() {
        Cli.Result r = new Cli(hfHome).run("list", "--bogus");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("Unknown option: '--bogus'"), r.err());
        assertFalse(r.err().contains("at io.jknife"), r.err());
        assertEquals("", r.out());
    }

    @Test
    void usageErrorInJsonModeIsAnEnvelopeWithNullCommand() {
        Cli.Result r = new Cli(hfHome).run("show", "--json");
        assertEquals(2, r.exitCode());
        JsonNode doc = r.json();
        SchemaValidator.assertValid(doc);
        assertEquals("error", doc.get("status").asText());
        assertTrue(doc.get("command").isNull());
        assertEquals("CommandError", doc.at("/error/type").asText());
    }

    @Test
    void globalJsonFlagAppliesToTheCommand() {
        Cli.Result r = new Cli(hfHome).run("--json", "list");
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals("list", r.json().get("command").asText());
    }

    @Test
    void blankModelReferenceIsRejected() {
        Cli.Result r = new Cli(hfHome).run("show", "  ", "--json");
        assertEquals(1, r.exitCode());
        SchemaValidator.assertValid(r.json());
        assertEquals("ValidationError", r.json().at("/error/type").asText());
    }

    @Test
    void humanErrorIsOneLineOnStderr() {
        Cli.Result r = new Cli(hfHome).run("show", "nothing-like-this");
        assertEquals(1, r.exitCode());
        assertEquals("", r.out());
        assertEquals("show: Error: No model found matching 'nothing-like-this'\n", r.err());
    }

    @Test
    void jsonIsPrettyPrintedAsTheContractSays() {
        Cli.Result r = new Cli(hfHome).run("list", "--json");
        assertTrue(r.out().startsWith("{\n  \"status\": \"success\",\n  \"command\": \"list\",\n"), r.out());
        assertTrue(r.out().contains("\"models\": [],"), r.out());
    }
}
