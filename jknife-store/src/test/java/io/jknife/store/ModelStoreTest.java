package io.jknife.store;

import io.jknife.store.cache.HfNames;
import io.jknife.testkit.CacheTree;
import io.jknife.testkit.TinyGguf;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reference parsing and resolution over the cache and workspaces. */
class ModelStoreTest {
    @TempDir
    Path tmp;
    Path model;
    CacheTree cache;

    @BeforeEach
    void setUp() throws IOException {
        model = TinyGguf.llama(tmp.resolve("m.gguf"), TinyGguf.Options.defaults());
        cache = CacheTree.at(tmp.resolve("hf"));
    }

    private ModelStore store() {
        return store(Optional.empty());
    }

    private ModelStore store(Optional<Path> workspaceHome) {
        return new ModelStore(new StoreConfig(tmp.resolve("hf"), workspaceHome));
    }

    private ModelEntry resolveOne(ModelStore store, String ref) {
        Resolution r = store.resolve(ModelRef.parse(ref));
        return assertInstanceOf(Resolution.Found.class, r, r.toString()).single();
    }

    @Test
    void parsesEveryReferenceForm() {
        assertEquals(new ModelRef("org/name", "org/name", null, null, false), ModelRef.parse("org/name"));
        assertEquals(new ModelRef("org/name@abc", "org/name", "abc", null, false), ModelRef.parse("org/name@abc"));
        assertEquals(new ModelRef("org/name:Q4_K_M", "org/name", null, "Q4_K_M", false), ModelRef.parse("org/name:Q4_K_M"));
        assertEquals(new ModelRef("org/n@main:Q8_0", "org/n", "main", "Q8_0", false), ModelRef.parse("org/n@main:Q8_0"));
        assertEquals(new ModelRef("./ws", "./ws", null, null, true), ModelRef.parse("./ws"));
        assertEquals(new ModelRef("/abs/x:y", "/abs/x:y", null, null, true), ModelRef.parse("/abs/x:y"));
        assertEquals("a@b", ModelRef.parse("a@b@c").name());
        assertThrows(IllegalArgumentException.class, () -> ModelRef.parse(" "));
    }

    @Test
    void namesMapToDirectoriesBothWays() {
        assertEquals("models--org--sub--model", HfNames.toDirName("org/sub/model"));
        assertEquals("models--single", HfNames.toDirName("single"));
        assertEquals("org/model/-bad", HfNames.toRepoId("models--org--model---bad"));
        assertEquals("org//model", HfNames.toRepoId("models--org----model"));
    }

    @Test
    void exactFuzzyAndAmbiguous() {
        cache.repo("org/Llama-3.2-1B-GGUF").file("m.gguf", model);
        cache.repo("org/Llama-3.2-3B-GGUF").file("m.gguf", model);
        cache.repo("other/Qwen2-GGUF").file("m.gguf", model);
        ModelStore store = store();
        assertEquals("org/Llama-3.2-1B-GGUF", resolveOne(store, "org/Llama-3.2-1B-GGUF").name());
        assertEquals("other/Qwen2-GGUF", resolveOne(store, "qwen2").name());
        Resolution.Ambiguous a = assertInstanceOf(Resolution.Ambiguous.class, store.resolve(ModelRef.parse("llama")));
        assertEquals(List.of("org/Llama-3.2-1B-GGUF", "org/Llama-3.2-3B-GGUF"), a.matches());
        assertInstanceOf(Resolution.NotFound.class, store.resolve(ModelRef.parse("mistral")));
    }

    @Test
    void bareNameExpandsToMlxCommunity() {
        cache.repo("mlx-community/tiny").file("m.gguf", model);
        cache.repo("someone/tiny-other").file("m.gguf", model);
        assertEquals("mlx-community/tiny", resolveOne(store(), "tiny").name());
    }

    @Test
    void snapshotChoiceRefsMainThenNewestThenRevision() throws IOException {
        CacheTree.Repo first = cache.repo("org/rev").file("m.gguf", model);
        CacheTree.Repo second = first.nextRevision(1).file("m.gguf", model);
        // refs/main names the second snapshot; make the first one newer on disk.
        second.modified(1_000_000_000_000L);
        first.modified(2_000_000_000_000L);
        assertEquals(second.commit(), resolveOne(store(), "org/rev").commit());
        assertEquals(first.commit(), resolveOne(store(), "org/rev@" + first.commit().substring(0, 8)).commit());
        assertEquals(second.commit(), resolveOne(store(), "org/rev@main").commit());

        Files.delete(first.dir().resolve("refs/main"));
        assertEquals(first.commit(), resolveOne(store(), "org/rev").commit(), "newest snapshot without refs/main");

        Resolution.NotFound nf = assertInstanceOf(Resolution.NotFound.class, store().resolve(ModelRef.parse("org/rev@ffff")));
        assertTrue(nf.detail().contains("ffff"), nf.detail());
    }

    @Test
    void workspacesByPathExactNameAndSubstring() throws IOException {
        Path home = tmp.resolve("ws");
        for (String n : List.of("gemma-a", "gemma-b", "phi")) {
            Files.createDirectories(home.resolve(n));
            Files.copy(model, home.resolve(n).resolve("model.gguf"));
        }
        Files.createDirectories(home.resolve("not-a-workspace"));
        ModelStore store = store(Optional.of(home));
        assertEquals(List.of(home.resolve("gemma-a"), home.resolve("gemma-b"), home.resolve("phi")), store.workspaceHomeEntries());
        assertEquals(home.resolve("phi").toString(), resolveOne(store, "phi").name());
        assertEquals(home.resolve("gemma-a").toString(), resolveOne(store, "gemma-a").name());
        assertEquals(home.resolve("gemma-b").toString(), resolveOne(store, home.resolve("gemma-b").toString()).name());
        Resolution.Ambiguous a = assertInstanceOf(Resolution.Ambiguous.class, store.resolve(ModelRef.parse("gemma")));
        assertEquals(2, a.matches().size());
        assertInstanceOf(Resolution.NotFound.class, store.resolve(ModelRef.parse("./does-not-exist")));
    }

    @Test
    void workspaceAndCacheMatchesTogetherAreAmbiguous() throws IOException {
        Path home = tmp.resolve("ws");
        Files.createDirectories(home.resolve("phi-local"));
        Files.copy(model, home.resolve("phi-local/model.gguf"));
        cache.repo("microsoft/phi-GGUF").file("m.gguf", model);
        Resolution r = store(Optional.of(home)).resolve(ModelRef.parse("phi"));
        assertEquals(List.of(home.resolve("phi-local").toString(), "microsoft/phi-GGUF"),
                assertInstanceOf(Resolution.Ambiguous.class, r).matches());
    }

    @Test
    void environmentDecidesTheRoots() throws IOException {
        Path ws = Files.createDirectories(tmp.resolve("home-ws"));
        StoreConfig c = StoreConfig.fromEnvironment(Map.of("HF_HOME", tmp.resolve("hf").toString(), "JKNIFE_WORKSPACE_HOME", ws.toString()));
        assertEquals(tmp.resolve("hf/hub"), c.hub());
        assertEquals(Optional.of(ws), c.workspaceHome());
        StoreConfig missing = StoreConfig.fromEnvironment(Map.of("HF_HOME", "", "JKNIFE_WORKSPACE_HOME", tmp.resolve("nope").toString()));
        assertTrue(missing.hfHome().endsWith(".cache/huggingface"));
        assertEquals(Optional.empty(), missing.workspaceHome());
    }

    @Test
    void repositoryWithoutSnapshotsIsListedAndUnhealthy() throws IOException {
        Files.createDirectories(cache.hub().resolve("models--org--empty/blobs"));
        ModelStore store = store();
        List<ModelEntry> all = store.allEntries();
        assertEquals(1, all.size());
        ModelInfo info = new ModelCatalog(store, new io.jknife.store.policy.RoutingPolicy(
                io.jknife.store.policy.EngineRegistry.builtIn())).describe(all.getFirst());
        assertEquals("unhealthy", info.health());
        assertEquals("No snapshots directory found", info.reason());
    }
}
