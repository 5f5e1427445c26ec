package io.jknife.java;

import io.jknife.formats.GgmlType;
import io.jknife.java.model.Family;
import io.jknife.java.weights.HfConfig;
import io.jknife.store.policy.EngineDescriptor;
import io.jknife.store.policy.EngineRegistry;
import io.jknife.tensor.WeightTensor;
import io.jknife.tokenizer.GgufTokenizers;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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
    void architecturesAreTheFamiliesAndTheHuggingFaceModelTypes() {
        Set<String> runs = Arrays.stream(Family.values()).map(Family::ggufName).collect(Collectors.toCollection(TreeSet::new));
        runs.addAll(HfConfig.modelTypes());
        assertEquals(runs, new TreeSet<>(java().architectures()));
    }

    @Test
    void weightTypesAreTheKernels() {
        Set<String> declared = new TreeSet<>(java().weightTypes());
        Set<String> kernels = Arrays.stream(GgmlType.values()).filter(WeightTensor::supports).map(GgmlType::name)
                .collect(Collectors.toCollection(TreeSet::new));
        kernels.addAll(mlxKernels());
        assertEquals(kernels, declared);
    }

    /** The MLX quantizations the kernels accept, found by asking them (one row of one group per candidate). */
    private static Set<String> mlxKernels() {
        Set<String> out = new TreeSet<>();
        try (Arena arena = Arena.ofConfined()) {
            for (int bits = 1; bits <= 8; bits++) {
                for (int group : new int[]{16, 32, 64, 128, 256}) {
                    MemorySegment packed = arena.allocate((long) group * bits / 8);
                    MemorySegment scale = arena.allocate(2);
                    try {
                        WeightTensor w = WeightTensor.mlx(1, group, bits, group, packed, scale, arena.allocate(2), GgmlType.F16);
                        out.add(w.typeName());
                    } catch (IllegalArgumentException e) {
                        // not a quantization the kernels run
                    }
                }
            }
        }
        return out;
    }

    @Test
    void preTokenizersAreTheTokenizers() {
        assertEquals(new TreeSet<>(GgufTokenizers.preTokenizers()), new TreeSet<>(java().preTokenizers()));
    }
}
