package io.jknife.store.policy;

import io.jknife.formats.GgmlType;
import io.jknife.store.ModelCatalog;
import io.jknife.store.ModelInfo;
import io.jknife.store.ModelRef;
import io.jknife.store.ModelStore;
import io.jknife.store.Resolution;
import io.jknife.store.StoreConfig;
import io.jknife.testkit.CacheTree;
import io.jknife.testkit.TinyGguf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Preference order, engines named by the user, and the tensor-type and tokenizer checks. */
class RoutingPolicyTest {
    @TempDir
    Path tmp;

    /** A pure-compute engine that only knows some tensor types, preferred over a catch-all one. */
    private static final EngineDescriptor PICKY = new EngineDescriptor("picky", "test", true, Set.of("GGUF"),
            Set.of("text-generation"), Set.of("llama", "qwen3"), Set.of(), Set.of(), Set.of("F32", "Q8_0"), Set.of("gpt2"));
    private static final EngineDescriptor BROAD = new EngineDescriptor("broad.cpp", "test", true, Set.of("GGUF"),
            Set.of("text-generation"), Set.of("llama"), Set.of(), Set.of("llama-bpe", "qwen2"), null, null);

    private ModelInfo model(GgmlType type, String arch) throws IOException {
        Path f = tmp.resolve("gen").resolve(arch + "-" + type + ".gguf");
        Files.createDirectories(f.getParent());
        TinyGguf.llama(f, TinyGguf.Options.defaults().withArchitecture(arch).withWeightType(type));
        String repo = "org/" + arch + "-" + type + "-GGUF";
        CacheTree.at(tmp.resolve("hf")).repo(repo).file(f.getFileName().toString(), f);
        ModelCatalog catalog = new ModelCatalog(new ModelStore(new StoreConfig(tmp.resolve("hf"), Optional.empty())),
                new RoutingPolicy(new EngineRegistry(List.of(PICKY, BROAD))));
        Resolution.Found found = assertInstanceOf(Resolution.Found.class, catalog.store().resolve(ModelRef.parse(repo)));
        return catalog.describe(found.single());
    }

    private static RoutingPolicy policy() {
        return new RoutingPolicy(new EngineRegistry(List.of(PICKY, BROAD)));
    }

    @Test
    void firstEngineThatRunsTheModelWins() throws IOException {
        ModelInfo m = model(GgmlType.Q8_0, "llama");
        assertEquals("picky", m.engine());
        assertTrue(m.probe().metadata().get("tensor_types") instanceof List<?> l && l.contains("Q8_0"), m.probe().metadata().toString());
    }

    @Test
    void unsupportedTensorTypeFallsBackToTheNextEngine() throws IOException {
        ModelInfo m = model(GgmlType.Q4_0, "llama");
        assertEquals("broad.cpp", m.engine());
        Route forced = policy().route(m.probe(), "picky");
        assertFalse(forced.runtimeCompatible());
        assertEquals("tensor type Q4_0 not supported by picky", forced.reason());
    }

    @Test
    void namedEngineIsTheOnlyOneConsideredAndAliasesMatch() throws IOException {
        ModelInfo m = model(GgmlType.Q8_0, "llama");
        assertEquals("broad.cpp", policy().route(m.probe(), "broadcpp").engine());
        assertEquals("broad.cpp", policy().route(m.probe(), "BROAD.CPP").engine());
        Route unknown = policy().route(m.probe(), "nope");
        assertNull(unknown.engine());
        assertEquals("Unknown engine 'nope' (known: picky, broad.cpp)", unknown.reason());
    }

    @Test
    void architectureOnlyOneEngineKnowsExplainsTheNamedEngine() throws IOException {
        ModelInfo qwen3 = model(GgmlType.F32, "qwen3");
        assertEquals("picky", qwen3.engine());
        Route forced = policy().route(qwen3.probe(), "broad.cpp");
        assertEquals("model_type 'qwen3' not supported by broad.cpp", forced.reason());
        ModelInfo viaCatalog = qwen3.withRoute(forced);
        assertFalse(viaCatalog.runtimeCompatible());
        assertNull(viaCatalog.engine());
        assertEquals(forced, policy().withEngine("broad.cpp").route(qwen3.probe()));
        assertEquals("picky", policy().withEngine(" ").route(qwen3.probe()).engine());
    }

    @Test
    void builtInJavaDeclarationCoversSafetensorsAndMlx() {
        EngineDescriptor java = EngineRegistry.builtIn().engines().getFirst();
        assertEquals("java", java.id());
        assertEquals(Set.of("GGUF", "MLX", "PyTorch"), java.formats());
        assertEquals(Set.of("gguf", "safetensors"), java.weightFormats());
        assertTrue(java.architectures().containsAll(
                List.of("llama", "mistral", "qwen2", "qwen3", "gemma2", "gemma3", "gemma3_text", "phi3")));
        for (int bits : new int[]{2, 3, 4, 5, 6, 8}) {
            for (int group : new int[]{32, 64, 128}) {
                assertTrue(java.weightTypes().contains("MLX_Q" + bits + "_G" + group), bits + "/" + group);
            }
        }
        assertEquals(18, java.weightTypes().stream().filter(t -> t.startsWith("MLX_")).count());
        assertTrue(java.weightTypes().containsAll(List.of("F32", "F16", "BF16")));
        EngineDescriptor llamaCpp = EngineRegistry.builtIn().engines().get(1);
        assertEquals(Set.of("GGUF"), llamaCpp.formats(), "llama.cpp reads GGUF only");
    }

    @Test
    void weightFormatsAreCheckedWhereDeclared() throws IOException {
        ModelInfo gguf = model(GgmlType.F32, "llama");
        EngineDescriptor safetensorsOnly = new EngineDescriptor("st", "test", true, Set.of("GGUF"), Set.of("text-generation"),
                Set.of("llama"), Set.of(), Set.of(), null, null, Set.of("safetensors"));
        Route r = new RoutingPolicy(new EngineRegistry(List.of(safetensorsOnly))).route(gguf.probe());
        assertFalse(r.runtimeCompatible());
        assertEquals("gguf weights are not supported by st (safetensors only)", r.reason());
        assertEquals("picky", gguf.engine(), "no declared weight formats: not checked");
    }
}
