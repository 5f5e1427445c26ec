package io.jknife.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.jknife.testkit.CacheTree;
import io.jknife.testkit.TinyGguf;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** list, show, health and rm end to end over a generated cache; every --json output is schema-checked. */
class CommandsTest {
    @TempDir
    Path tmp;
    Path hf;
    CacheTree cache;
    Path model;

    @BeforeEach
    void setUp() throws IOException {
        hf = tmp.resolve("hf");
        cache = CacheTree.at(hf);
        model = TinyGguf.llama(tmp.resolve("m.gguf"), TinyGguf.Options.defaults());
    }

    private Cli cli() {
        return new Cli(hf);
    }

    private Cli.Result json(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--json");
        Cli.Result r = cli().run(all.toArray(String[]::new));
        SchemaValidator.assertValid(r.json());
        return r;
    }

    @Test
    void listShowsEveryModelInJsonAndOnlyRunnableOnesInTheTable() throws IOException {
        cache.repo("org/good-GGUF").file("good-Q8_0.gguf", model);
        cache.repo("org/newer-GGUF").file("n.gguf",
                TinyGguf.llama(tmp.resolve("q3.gguf"), TinyGguf.Options.defaults().withMetadata("general.architecture", "qwen3moe")));
        cache.repo("org/broken-GGUF").file("b.gguf", model).truncate("b.gguf", 100);

        Cli.Result r = json("list");
        assertEquals(0, r.exitCode());
        JsonNode models = r.data().get("models");
        assertEquals(3, r.data().get("count").asInt());
        assertEquals(List.of("org/broken-GGUF", "org/good-GGUF", "org/newer-GGUF"),
                List.of(models.get(0).get("name").asText(), models.get(1).get("name").asText(), models.get(2).get("name").asText()));
        assertEquals("unhealthy", models.get(0).get("health").asText());
        assertEquals("java", models.get(1).get("engine").asText());
        assertFalse(models.get(2).get("runtime_compatible").asBoolean());

        Cli.Result table = cli().run("list");
        assertEquals(0, table.exitCode());
        String[] lines = table.out().split("\n");
        assertEquals(3, lines.length, table.out());
        assertTrue(lines[0].startsWith("Name "), lines[0]);
        assertTrue(lines[0].contains(" | Hash ") && lines[0].contains(" | Type"), lines[0]);
        assertTrue(lines[2].startsWith("org/good-GGUF "), lines[2]);
        assertTrue(lines[2].contains(" | cache | chat"), lines[2]);

        Cli.Result all = cli().run("list", "--all", "--health");
        assertEquals(5, all.out().split("\n").length, all.out());
        assertTrue(all.out().contains("unhealthy"), all.out());
        assertTrue(all.out().contains("healthy*"), all.out());
    }

    @Test
    void listFiltersByPattern() {
        cache.repo("org/alpha-GGUF").file("m.gguf", model);
        cache.repo("org/beta-GGUF").file("m.gguf", model);
        Cli.Result r = json("list", "ALPHA");
        assertEquals(1, r.data().get("count").asInt());
        assertEquals("org/alpha-GGUF", r.data().at("/models/0/name").asText());
    }

    @Test
    void listAtAPathShowsWorkspacesThereOnly() throws IOException {
        cache.repo("org/cached-GGUF").file("m.gguf", model);
        Path dir = tmp.resolve("spaces");
        for (String n : List.of("gemma-a", "gemma-b", "other")) {
            Files.createDirectories(dir.resolve(n));
            Files.copy(model, dir.resolve(n).resolve("model.gguf"));
        }
        Cli.Result r = json("list", dir + "/gemma-");
        assertEquals(2, r.data().get("count").asInt(), r.toString());
        JsonNode first = r.data().at("/models/0");
        assertEquals(dir.resolve("gemma-a").toString(), first.get("name").asText());
        assertFalse(first.get("cached").asBoolean());
        assertTrue(first.get("hash").isNull());
        assertEquals(dir.resolve("gemma-a").toString(), first.get("display_name").asText());
    }

    @Test
    void workspaceHomeEntriesAreListedWithTheirDirectoryName() throws IOException {
        Path home = tmp.resolve("home");
        Files.createDirectories(home.resolve("my-model"));
        Files.copy(model, home.resolve("my-model/model.gguf"));
        Cli.Result r = cli().env("JKNIFE_WORKSPACE_HOME", home.toString()).run("list", "--json");
        assertEquals("my-model", r.data().at("/models/0/display_name").asText());
        assertEquals("ws?", cli().env("JKNIFE_WORKSPACE_HOME", home.toString()).run("list").out().split("\n")[2].split("\\|")[4].strip());
    }

    @Test
    void showReportsWhatTheModelIs() {
        cache.repo("org/show-GGUF").file("show-Q8_0.gguf", model).file("README.md", "# hi\n");
        Cli.Result r = json("show", "show-gguf");
        assertEquals(0, r.exitCode(), r.toString());
        JsonNode m = r.data().get("model");
        assertEquals("org/show-GGUF", m.get("name").asText());
        assertEquals("llama", m.get("architecture").asText());
        assertEquals(256, m.get("context_length").asInt());
        assertTrue(m.get("parameter_count").asLong() > 0);
        assertEquals("gguf", m.get("format").asText());
        assertEquals("java", m.get("engine").asText());
        assertTrue(r.data().get("workspace_metadata").isNull());
        assertEquals("llama", r.data().at("/metadata/architecture").asText());

        Cli.Result files = json("show", "org/show-GGUF", "--files");
        assertTrue(files.data().get("metadata").isNull());
        assertEquals("weights", files.data().at("/files/0/type").asText());

        Cli.Result human = cli().run("show", "org/show-GGUF");
        assertTrue(human.out().startsWith("Model: org/show-GGUF@"), human.out());
        assertTrue(human.out().contains("\nEngine: java\n"), human.out());
        assertTrue(human.out().contains("\nHealth: healthy\n"), human.out());
    }

    @Test
    void showOfAmbiguousOrMultiVariantNamesListsTheChoices() throws IOException {
        cache.repo("org/multi-GGUF").file("multi-Q8_0.gguf", model)
                .file("multi-F16.gguf", TinyGguf.llama(tmp.resolve("f.gguf"), TinyGguf.Options.defaults().withSeed(3)));
        Cli.Result r = json("show", "org/multi-GGUF");
        assertEquals(1, r.exitCode());
        assertEquals("ambiguous_match", r.json().at("/error/type").asText());
        assertEquals(2, r.json().at("/error/matches").size());
        assertEquals(0, json("show", "org/multi-GGUF:F16").exitCode());
    }

    @Test
    void healthReportsEveryModelAndNotFoundIsAnEmptySuccess() {
        cache.repo("org/ok-GGUF").file("m.gguf", model);
        cache.repo("org/ptr-GGUF").lfsPointer("m.gguf", 999);
        Cli.Result r = json("health");
        assertEquals(0, r.exitCode());
        assertEquals(2, r.data().at("/summary/total").asInt());
        assertEquals("org/ptr-GGUF", r.data().at("/unhealthy/0/name").asText());
        assertEquals("LFS pointers instead of files: m.gguf", r.data().at("/unhealthy/0/reason").asText());

        Cli.Result none = json("health", "nothing-matches");
        assertEquals(0, none.exitCode());
        assertEquals(0, none.data().at("/summary/total").asInt());

        Cli.Result human = cli().run("health");
        assertEquals("Summary: total 2, healthy 1, unhealthy 1\n"
                + "healthy   org/ok-GGUF — GGUF header and tensor table valid\n"
                + "unhealthy org/ptr-GGUF — LFS pointers instead of files: m.gguf\n", human.out());
    }

    @Test
    void rmAsksFirstAndDeletesWithForce() {
        CacheTree.Repo repo = cache.repo("org/gone-GGUF").file("m.gguf", model).lockFile("abc");
        Cli.Result locked = json("rm", "org/gone-GGUF");
        assertEquals(1, locked.exitCode());
        assertEquals("locks_present", locked.json().at("/error/type").asText());

        Cli.Result forced = json("rm", "gone", "-f");
        assertEquals(0, forced.exitCode(), forced.toString());
        assertEquals("deleted", forced.data().get("action").asText());
        assertEquals(1, forced.data().get("lock_files_cleaned").asInt());
        assertFalse(Files.exists(repo.dir()));
        assertFalse(Files.exists(hf.resolve("hub/.locks/models--org--gone-GGUF")));
    }

    @Test
    void rmWithoutATerminalOrForceDeletesNothing() {
        CacheTree.Repo repo = cache.repo("org/keep-GGUF").file("m.gguf", model);
        Cli.Result r = json("rm", "keep");
        assertEquals(0, r.exitCode());
        assertEquals("requires_confirmation", r.data().get("action").asText());
        assertTrue(r.data().get("message").asText().contains("matched from 'keep'"));
        assertTrue(Files.exists(repo.snapshot().resolve("m.gguf")));

        Cli.Result declined = cli().interactive("n\n").run("rm", "org/keep-GGUF");
        assertEquals(0, declined.exitCode());
        assertTrue(Files.exists(repo.dir()));
        Cli.Result accepted = cli().interactive("y\n").run("rm", "org/keep-GGUF");
        assertEquals(0, accepted.exitCode(), accepted.toString());
        assertEquals("rm: org/keep-GGUF — deleted: Deleted entire model org/keep-GGUF\n", accepted.out());
        assertFalse(Files.exists(repo.dir()));
    }

    @Test
    void rmOfOneRevisionOrOneVariantKeepsTheRest() throws IOException {
        Path other = TinyGguf.llama(tmp.resolve("o.gguf"), TinyGguf.Options.defaults().withSeed(5));
        CacheTree.Repo v1 = cache.repo("org/keep-GGUF").file("m-Q8_0.gguf", model).file("m-F16.gguf", other);
        CacheTree.Repo v2 = v1.nextRevision(1).file("m-Q8_0.gguf", model);

        Cli.Result variant = json("rm", "org/keep-GGUF@" + v1.commit().substring(0, 10) + ":F16", "-f");
        assertEquals("deleted_variant", variant.data().get("action").asText(), variant.toString());
        assertFalse(Files.exists(v1.snapshot().resolve("m-F16.gguf"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertTrue(Files.isRegularFile(v1.snapshot().resolve("m-Q8_0.gguf")));

        Cli.Result rev = json("rm", "org/keep-GGUF@" + v1.commit().substring(0, 10), "-f");
        assertEquals("delete_hash", rev.data().get("action").asText(), rev.toString());
        assertFalse(Files.exists(v1.snapshot()));
        assertTrue(Files.isRegularFile(v2.snapshot().resolve("m-Q8_0.gguf")), "shared blob still referenced by the newer snapshot");
        try (var blobs = Files.list(v2.dir().resolve("blobs"))) {
            assertEquals(1, blobs.count(), "the F16 blob is orphaned and removed");
        }
    }

    @Test
    void rmRefusesWorkspacesAndUnknownModels() throws IOException {
        cache.repo("org/x-GGUF").file("m.gguf", model);
        Path ws = Files.createDirectories(tmp.resolve("ws"));
        Files.copy(model, ws.resolve("m.gguf"));
        Cli.Result r = json("rm", ws.toString(), "-f");
        assertEquals("workspace_model", r.json().at("/error/type").asText());
        assertTrue(Files.exists(ws.resolve("m.gguf")));
        assertEquals("model_not_found", json("rm", "nope", "-f").json().at("/error/type").asText());
    }
}
