package io.jknife.java;

import io.jknife.formats.GgmlType;
import io.jknife.java.model.Model;
import io.jknife.testkit.TinyGguf;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;


/**
 * The Java transformer against {@link ReferenceTransformer} for the architectures llama.cpp
 * b4916 cannot check: qwen3 (unknown to it), gemma3 (it crashes on the generated model) and phi3
 * (it rejects the generated vocabulary). Same bar as {@link LlamaCppParityTest}.
 */
class ReferenceParityTest {

    @TempDir
    static Path dir;

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String arch : List.of("qwen3", "gemma3", "phi3")) {
            for (GgmlType type : List.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0)) {
                out.add(Arguments.of(arch, type));
            }
        }
        // the k-quants (rows of whole 256-value super-blocks) against the exact dequantized weights
        for (GgmlType type : List.of(GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K)) {
            out.add(Arguments.of("llama", type));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void logitsAndGreedyContinuationMatchTheReference(String arch, GgmlType type) throws Exception {
        TinyGguf.Options o = TinyGguf.Options.defaults().withArchitecture(arch).withWeightType(type).withSeed(5);
        if (type.blockSize() == 256) {
            o = o.withDims(256, 2, 4, 2, 256);
        }
        Path file = TinyGguf.llama(dir.resolve(arch + "-" + type + ".gguf"), o);
        ReferenceTransformer ref = new ReferenceTransformer(file);
        try (Model java = Parity.javaModel(file)) {
            int[] prompt = Parity.prompt(ref.vocab(), 13);
            float[][] actual = java.transformer().forwardAll(prompt, 0, prompt.length, 0);
            double worst = 1;
            float[] last = null;
            for (int i = 0; i < prompt.length; i++) {
                last = ref.step(prompt[i]);
                worst = Math.min(worst, Parity.cosine(last, actual[i]));
            }
            int[] want = new int[Parity.CONTINUATION];
            float[][] stepLogits = new float[want.length][];
            for (int i = 0; i < want.length; i++) {
                stepLogits[i] = last;
                want[i] = Parity.argmax(last);
                if (i + 1 < want.length) {
                    last = ref.step(want[i]);
                }
            }
            int[] got = Parity.greedy(java.transformer(), prompt, Parity.CONTINUATION);
            Parity.check(arch + " " + type, worst, want, got, stepLogits, false);
        }
    }
}
