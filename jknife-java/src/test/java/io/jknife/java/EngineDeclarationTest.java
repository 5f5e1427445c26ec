package io.jknife.java;

import io.jknife.formats.GgmlType;
import io.jknife.java.model.Family;
import io.jknife.store.policy.EngineDescriptor;
import io.jknife.store.policy.EngineRegistry;
import io.jknife.tensor.WeightTensor;
import io.jknife.tokenizer.GgufTokenizers;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** engines.json declares exactly what this engine runs: routing sends it nothing it would refuse. */
class EngineDeclarationTest {
    private static EngineDescriptor java() {
        return EngineRegistry.builtIn().engines().stream().filter(e -> e.id().equals(JavaEngine.ID)).findFirst().orElseThrow();
    }

    @Test
    void preferredAndImplemented() {
        assertEquals(JavaEngine.ID, EngineRegistry.builtIn().engines().getFirst().id(), "the Java engine is preferred");
        assertTrue(java().implemented());
    }

    @Test
    void architecturesAreTheFamilies() {
        assertEquals(Arrays.stream(Family.values()).map(Family::ggufName).collect(Collectors.toCollection(TreeSet::new)),
                new TreeSet<>(java().architectures()));
    }

    @Test
    void weightTypesAreTheKernels() {
        Set<String> declared = new TreeSet<>(java().weightTypes());
        Set<String> kernels = Arrays.stream(GgmlType.values()).filter(WeightTensor::supports).map(GgmlType::name)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(kernels, declared);
    }

    @Test
    void preTokenizersAreTheTokenizers() {
        assertEquals(new TreeSet<>(GgufTokenizers.preTokenizers()), new TreeSet<>(java().preTokenizers()));
    }
}
